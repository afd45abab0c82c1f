//! `#[snoop]`: the function's body is rewritten to report what pysnooper reports, through
//! the runtime in `gateway-snoop` (named as `::gateway::snoop` or `::gateway_snoop`, found
//! as `#[wsgi_app]` finds its crate), whose `__private` module holds what the code names.
//!
//! ```text
//! fn f(a: A) -> R {                          fn f(a: A) -> R {
//!     let b = g(a);                              static TRACER: Tracer = Tracer::new(Options { .. });
//!     b + 1                                      let frame = Frame::enter(&TRACER, false);
//! }                                              let snoop = &frame;
//!                                                if snoop.on() { snoop.start_var("a", repr(a)); snoop.call(); }
//!                                   ==>          let value = call::<R, _>(move || {
//!                                                    snoop.line(2, "    let b = g(a);");
//!                                                    let b = g(a);
//!                                                    if snoop.on() { snoop.new_var("b", repr(b)); }
//!                                                    snoop.line(3, "    b + 1");
//!                                                    b + 1
//!                                                });
//!                                                if snoop.on() { snoop.ret(repr(value)); }
//!                                                value
//!                                            }
//! ```
//!
//! The body runs in a closure (an `async` block for an `async fn`), so that `return` and `?`
//! end the closure and the value is seen on its way out, whichever way the body ends.

mod body;
mod names;
mod options;
mod source;

use crate::krate;
use body::Instrument;
use options::{Color, Options, Output};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use source::Source;
use syn::{FnArg, Item, ItemFn, ReturnType, Type};

/// `#[snoop(attr)] item`, or every error in it.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let function = function(item);
    let options = Options::parse(attr);
    let (options, function) = match (options, function) {
        (Ok(options), Ok(function)) => (options, function),
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => return Err(error),
        (Err(mut first), Err(second)) => {
            first.combine(second);
            return Err(first);
        }
    };
    Ok(trace(function, &options))
}

/// The function under the attribute, or why it cannot be traced.
fn function(item: TokenStream) -> syn::Result<ItemFn> {
    let parsed = syn::parse2::<Item>(item.clone());
    match parsed {
        Ok(Item::Fn(function)) => {
            if let Some(constness) = &function.sig.constness {
                return Err(syn::Error::new_spanned(
                    constness,
                    "#[snoop] cannot trace a `const fn`: it may run at compile time, where \
                     nothing can be printed; remove `const` while tracing it",
                ));
            }
            Ok(function)
        }
        // A trait's method without a body: `fn area(&self) -> f64;`.
        _ if syn::parse2::<syn::TraitItemFn>(item.clone()).is_ok_and(|f| f.default.is_none()) => {
            let method = syn::parse2::<syn::TraitItemFn>(item).ok();
            let at = method.map_or_else(TokenStream::new, |method| method.sig.to_token_stream());
            Err(syn::Error::new_spanned(
                at,
                "#[snoop] traces a function's body, and this method has none: put #[snoop] on \
                 the method in each `impl` block",
            ))
        }
        Ok(other) => Err(not_a_function(&other)),
        Err(error) => Err(error),
    }
}

fn not_a_function(item: &Item) -> syn::Error {
    let (at, hint): (TokenStream, &str) = match item {
        Item::Impl(item) => {
            let (impl_token, ty) = (&item.impl_token, &item.self_ty);
            (
                quote!(#impl_token #ty),
                "; put it on each method of the `impl` block that you want traced",
            )
        }
        Item::Struct(item) => (pair(&item.struct_token, &item.ident), ""),
        Item::Enum(item) => (pair(&item.enum_token, &item.ident), ""),
        Item::Mod(item) => (pair(&item.mod_token, &item.ident), ""),
        Item::Const(item) => (pair(&item.const_token, &item.ident), ""),
        Item::Static(item) => (pair(&item.static_token, &item.ident), ""),
        Item::Trait(item) => (
            pair(&item.trait_token, &item.ident),
            "; put it on the methods of the `impl` blocks",
        ),
        other => (other.to_token_stream(), ""),
    };
    syn::Error::new_spanned(
        at,
        format!("#[snoop] goes on a function or a method: `#[snoop] fn name(..) {{ .. }}`{hint}"),
    )
}

fn pair(a: &impl ToTokens, b: &impl ToTokens) -> TokenStream {
    quote!(#a #b)
}

/// The function, its body traced.
fn trace(mut function: ItemFn, options: &Options) -> TokenStream {
    let runtime = runtime(options);
    let frame = Ident::new("__snoop", Span::mixed_site());
    let owner = Ident::new("__snoop_frame", Span::mixed_site());
    let value = Ident::new("__snoop_value", Span::mixed_site());
    let tracer = Ident::new("__SNOOP_TRACER", Span::mixed_site());
    let sig = &function.sig;
    let is_async = sig.asyncness.is_some();

    // The arguments, as `Starting var` lines.
    let mut arguments: Vec<(String, TokenStream)> = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                let token = &receiver.self_token;
                arguments.push(("self".to_owned(), quote!(#token)));
            }
            FnArg::Typed(typed) => {
                for name in names::bound_by(&typed.pat) {
                    let text = name.to_string();
                    let text = text.strip_prefix("r#").unwrap_or(&text).to_owned();
                    arguments.push((text, name.to_token_stream()));
                }
            }
        }
    }

    let mut source = Source::default();
    let fn_tokens = sig.to_token_stream();
    let call = source.line(sig.fn_token.span, &fn_tokens);
    let path = source::path(sig.fn_token.span)
        .map_or_else(|| quote!(::core::file!()), |path| quote!(#path));

    let mut body = (*function.block).clone();
    let names: Vec<String> = arguments.iter().map(|(name, _)| name.clone()).collect();
    let mut instrument = Instrument::new(
        frame.clone(),
        &runtime,
        &mut source,
        &options.watch,
        names,
        &body,
    );
    let starting_watches = instrument.starting_watches();
    let starting: Vec<TokenStream> = arguments
        .iter()
        .map(|(name, tokens)| {
            let repr = instrument.repr(tokens);
            quote!(#frame.start_var(#name, #repr);)
        })
        .collect();
    instrument.body(&mut body);

    let options_tokens = options_tokens(options, &runtime, &sig.ident, &path, &call);
    let returns = return_type(&sig.output);
    let run = if is_async {
        quote! {
            #frame.polled(::core::pin::pin!(#runtime::typed::<#returns, _>(async move #body))).await
        }
    } else {
        quote!(#runtime::call::<#returns, _>(move || #body))
    };
    let finish = if matches!(&sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)))
    {
        // `-> !`: the body never ends but by panicking; the closure's `()` is never seen.
        quote! {
            #run;
            ::core::unreachable!("a function returning `!` returned")
        }
    } else {
        quote! {
            let #value = #run;
            if #frame.on() {
                #frame.ret((&#runtime::Value(&#value)).snoop_repr());
            }
            #value
        }
    };

    function.block = Box::new(syn::parse_quote!({
        #[allow(unused_imports)]
        use #runtime::{ReprDebug as _, ReprName as _};
        static #tracer: #runtime::Tracer = #runtime::Tracer::new(#options_tokens);
        let #owner = #runtime::Frame::enter(&#tracer, #is_async);
        let #frame = &#owner;
        if #frame.on() {
            #(#starting)*
            #(#starting_watches)*
            #frame.call();
        }
        #finish
    }));
    function.into_token_stream()
}

/// The runtime's `__private` module: under `crate = "path"` (the facade, renamed), in its
/// `snoop` module; otherwise found in `Cargo.toml`.
fn runtime(options: &Options) -> syn::Path {
    let root: syn::Path = match &options.krate {
        Some(facade) => syn::parse_quote!(#facade::snoop),
        None => krate::snoop_path(),
    };
    syn::parse_quote!(#root::__private)
}

/// The `Options` of the function's `Tracer`.
fn options_tokens(
    options: &Options,
    snoop: &syn::Path,
    name: &Ident,
    path: &TokenStream,
    call: &source::Line,
) -> TokenStream {
    let function = name.to_string();
    let line = call.number;
    let text = &call.text;
    let output = match &options.output {
        Output::Stderr => quote!(#snoop::Output::Stderr),
        Output::Tracing => quote!(#snoop::Output::Tracing),
        Output::File(path) => quote!(#snoop::Output::File(#path)),
    };
    let prefix = &options.prefix;
    let max = match options.max_variable_length {
        Some(max) => quote!(::core::option::Option::Some(#max)),
        None => quote!(::core::option::Option::None),
    };
    let relative_time = options.relative_time;
    let thread_info = options.thread_info;
    let color = match options.color {
        Color::Auto => quote!(#snoop::Color::Auto),
        Color::Always => quote!(#snoop::Color::Always),
        Color::Never => quote!(#snoop::Color::Never),
    };
    quote! {
        #snoop::Options {
            function: #function,
            path: #path,
            line: #line,
            source: #text,
            output: #output,
            prefix: #prefix,
            max_variable_length: #max,
            relative_time: #relative_time,
            thread_info: #thread_info,
            color: #color,
        }
    }
}

/// The return type as the body's closure declares it: `impl Trait` is inferred (`_`), as
/// it cannot be named; `()` when there is none.
fn return_type(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)) => quote!(()),
        ReturnType::Type(_, ty) => {
            let mut ty = (**ty).clone();
            syn::visit_mut::VisitMut::visit_type_mut(&mut Infer, &mut ty);
            ty.into_token_stream()
        }
    }
}

/// Replaces every `impl Trait` with `_`.
struct Infer;

impl syn::visit_mut::VisitMut for Infer {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](syn::spanned::Spanned::span(
                    &impl_trait.impl_token,
                )),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

#[cfg(test)]
mod tests {
    use super::expand;
    use quote::quote;

    fn expanded(attr: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        let tokens = expand(attr, item).unwrap_or_else(|error| panic!("{error}"));
        // `GATEWAY_MACROS_PRINT=1 cargo test -p wsgi-gateway-macros --lib -- --nocapture` shows it.
        if std::env::var_os("GATEWAY_MACROS_PRINT").is_some() {
            println!("{tokens}");
        }
        tokens.to_string()
    }

    #[test]
    fn snoop_keeps_the_other_attributes_so_wsgi_app_still_applies() {
        let tokens = expanded(
            quote!(crate = "::gateway"),
            quote! {
                #[wsgi_app]
                fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
                    start_response("200 OK", &[]);
                    vec![]
                }
            },
        );
        assert!(
            tokens.starts_with("# [wsgi_app] fn application"),
            "{tokens}"
        );
        assert!(
            tokens.contains(":: gateway :: snoop :: __private :: Frame :: enter"),
            "{tokens}"
        );
        assert!(tokens.contains("start_var (\"environ\""), "{tokens}");
    }

    #[test]
    fn snoop_names_gateway_snoop_without_the_facade() {
        let tokens = expanded(
            quote!(),
            quote!(
                fn f() {}
            ),
        );
        assert!(
            tokens.contains(":: gateway_snoop :: __private :: call :: < () , _ >"),
            "{tokens}"
        );
    }

    #[test]
    fn snoop_infers_what_cannot_be_named() {
        let tokens = expanded(
            quote!(),
            quote!(
                fn f() -> Result<impl Iterator<Item = u8>, E> {
                    todo!()
                }
            ),
        );
        assert!(
            tokens.contains("call :: < Result < _ , E > , _ >"),
            "{tokens}"
        );
    }

    #[test]
    fn snoop_refuses_what_is_not_a_function() {
        let error = expand(
            quote!(),
            quote!(
                struct S;
            ),
        )
        .unwrap_err();
        assert!(error.to_string().starts_with("#[snoop] goes on a function"));
        let error = expand(
            quote!(),
            quote!(
                const fn f() {}
            ),
        )
        .unwrap_err();
        assert!(error.to_string().contains("`const fn`"));
        let error = expand(
            quote!(),
            quote!(
                fn area(&self) -> f64;
            ),
        )
        .unwrap_err();
        assert!(error.to_string().contains("has none"), "{error}");
        let error = expand(
            quote!(depth = 2),
            quote!(
                struct S;
            ),
        )
        .unwrap_err();
        assert_eq!(error.into_iter().count(), 2);
    }
}
