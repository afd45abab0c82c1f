//! The attribute's arguments: `#[wsgi_app]` or `#[wsgi_app(crate = "path")]`.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{LitStr, Path};

/// What `#[wsgi_app(...)]` was given.
#[derive(Default)]
pub(crate) struct Args {
    /// `crate = "path"`: where `Application`, `Body`... live, when the runtime crate is renamed.
    pub(crate) krate: Option<Path>,
}

impl Args {
    pub(crate) fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut args = Args::default();
        let parser = syn::meta::parser(|meta| {
            if !meta.path.is_ident("crate") {
                let key = meta
                    .path
                    .get_ident()
                    .map_or_else(|| "this argument".to_owned(), |ident| format!("`{ident}`"));
                return Err(meta.error(format!(
                    "unknown argument {key}; #[wsgi_app] accepts only `crate = \"path\"`, the \
                     path of the gateway crate when it is renamed"
                )));
            }
            if args.krate.is_some() {
                return Err(meta.error("`crate` is given twice; keep one"));
            }
            let value = meta.value()?;
            let lit: LitStr = value.parse().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "`crate` takes the path as a string: `crate = \"gateway\"`",
                )
            })?;
            let path = lit.parse::<Path>().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    "`crate` takes a path, such as `crate = \"gateway\"` or `crate = \"::my_gateway\"`",
                )
            })?;
            args.krate = Some(path);
            Ok(())
        });
        parser.parse2(attr)?;
        Ok(args)
    }
}
