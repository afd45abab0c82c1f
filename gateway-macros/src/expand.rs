//! The expansion: the function becomes a unit struct of the same name that implements
//! `Application`, with the function itself, untouched, inside `call`.

use crate::args::Args;
use crate::body::{self, Conversion};
use crate::krate;
use crate::signature;
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Item, ItemFn, Path, Visibility};

/// The example every message about the item's shape shows.
const SHAPE: &str =
    "`fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>>`";

/// `#[wsgi_app(attr)] item`, or every error in it.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let function = syn::parse2::<Item>(item).and_then(|item| match item {
        Item::Fn(function) => Ok(function),
        other => Err(not_a_function(&other)),
    });
    let checked = function
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|function| {
            let conversion = body::conversion(&function.sig)
                .map(|(conversion, ty)| (conversion, body::span_of(ty)));
            both(signature::check(&function.sig), conversion).map(|((), conversion)| conversion)
        });
    let (args, (conversion, body_span)) = both(Args::parse(attr), checked)?;
    let function = function?;
    let krate = args.krate.unwrap_or_else(krate::default_path);
    Ok(application(function, &krate, conversion, body_span))
}

/// Both values, or every error of the two.
fn both<A, B>(a: syn::Result<A>, b: syn::Result<B>) -> syn::Result<(A, B)> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => Err(error),
        (Err(mut first), Err(second)) => {
            first.combine(second);
            Err(first)
        }
    }
}

/// The struct, its `impl Application`, and the function inside.
fn application(
    function: ItemFn,
    krate: &Path,
    conversion: Conversion,
    body_span: Span,
) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    let name = &sig.ident;
    // Docs describe the value the user names; every other attribute stays on the function.
    let (docs, kept): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|attr| attr.path().is_ident("doc"));
    let cfgs: Vec<_> = kept
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .collect();
    let is_async = sig.asyncness.is_some();
    let inner = ItemFn {
        attrs: kept.clone(),
        vis: Visibility::Inherited,
        sig: sig.clone(),
        block,
    };

    // Every token of the conversion is spanned at the return type, so that "`X` is not a
    // body chunk" points there and nowhere else.
    let mut callee = name.clone();
    callee.set_span(body_span);
    let at_body = respan(krate.to_token_stream(), body_span);
    // A body that may be an `Err(HttpError)` answers through the application's own
    // `start_response`, which the function takes by value: it gets a clone.
    let answers = !matches!(conversion, Conversion::Iterator);
    let given = if answers {
        quote_spanned!(body_span=> ::core::clone::Clone::clone(&start_response))
    } else {
        quote_spanned!(body_span=> start_response)
    };
    let value = if is_async {
        quote_spanned!(body_span=> #callee(&environ, #given).await)
    } else {
        quote_spanned!(body_span=> #callee(&environ, #given))
    };
    let body = match conversion {
        Conversion::IntoBody => quote_spanned!(body_span=> #at_body::IntoBody::into_body(#value)),
        Conversion::Iterator => quote_spanned!(body_span=> #at_body::Body::from_iter(#value)),
        // No `match` with bindings: a user's unit struct or const named like a binding (the
        // application itself is one) would turn it into a pattern.
        Conversion::ResultOfIterator => quote_spanned!(body_span=>
            ::core::result::Result::map_or_else(
                #value,
                #at_body::Body::failed,
                #at_body::Body::from_iter,
            )
        ),
    };
    let body = if answers {
        quote_spanned!(body_span=> #at_body::Body::answer_through(#body, &environ, &start_response))
    } else {
        body
    };

    let outcome = if is_async {
        // Spanned at the function, so "future cannot be sent between threads safely" does too.
        let span = Span::call_site().located_at(name.span());
        let future = quote_spanned!(span=>
            ::std::boxed::Box::pin(async move { #body })
        );
        quote!(#krate::Outcome::Pending(#future))
    } else {
        quote!(#krate::Outcome::Ready(#body))
    };
    let blocking = !is_async;

    quote! {
        #(#docs)*
        #(#cfgs)*
        #[allow(non_camel_case_types)]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis struct #name;

        #(#cfgs)*
        impl #krate::Application for #name {
            fn call(
                &self,
                environ: #krate::Environ,
                start_response: #krate::StartResponse,
            ) -> #krate::Outcome {
                // The contract takes `start_response` by value; clippy's pedantic advice to
                // borrow it would lead to the macro's "take `start_response` by value" error.
                #[allow(clippy::needless_pass_by_value)]
                #inner
                #outcome
            }

            fn blocking(&self) -> bool {
                #blocking
            }
        }
    }
}

/// `tokens` with every span (inside groups too) set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            }
            token.set_span(span);
            token
        })
        .collect()
}

/// The error for `#[wsgi_app]` on a struct, a `use`, a module...: under its keyword and name.
fn not_a_function(item: &Item) -> syn::Error {
    const TYPE: &str = "; to make a type an application, implement `Application` for it";
    let (at, hint) = match item {
        Item::Struct(item) => (keyword(&item.struct_token, &item.ident), TYPE),
        Item::Enum(item) => (keyword(&item.enum_token, &item.ident), TYPE),
        Item::Union(item) => (keyword(&item.union_token, &item.ident), TYPE),
        Item::Type(item) => (keyword(&item.type_token, &item.ident), TYPE),
        Item::Impl(item) => (
            keyword(&item.impl_token, &item.self_ty),
            "; put it on a free function, not on an `impl` block",
        ),
        Item::Const(item) => (keyword(&item.const_token, &item.ident), ""),
        Item::Static(item) => (keyword(&item.static_token, &item.ident), ""),
        Item::Trait(item) => (keyword(&item.trait_token, &item.ident), ""),
        Item::TraitAlias(item) => (keyword(&item.trait_token, &item.ident), ""),
        Item::Mod(item) => (keyword(&item.mod_token, &item.ident), ""),
        Item::Use(item) => (quote!(#item), ""),
        Item::ExternCrate(item) => (keyword(&item.crate_token, &item.ident), ""),
        Item::ForeignMod(item) => (item.abi.to_token_stream(), ""),
        Item::Macro(item) => (keyword(&item.mac.path, &item.mac.bang_token), ""),
        other => (quote!(#other), ""),
    };
    syn::Error::new_spanned(at, format!("#[wsgi_app] goes on a function {SHAPE}{hint}"))
}

fn keyword(keyword: &impl ToTokens, name: &impl ToTokens) -> TokenStream {
    quote!(#keyword #name)
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
    fn the_function_becomes_a_value_that_implements_application() {
        let tokens = expanded(
            quote!(crate = "::gateway"),
            quote! {
                /// Says hello.
                #[snoop]
                pub fn application(environ: &Environ, start_response: StartResponse) -> Vec<Vec<u8>> {
                    start_response("200 OK", &[("Content-Type", "text/html")]);
                    vec![b"hi".to_vec()]
                }
            },
        );
        let docs = tokens.find("Says hello").unwrap();
        let strukt = tokens.find("pub struct application").unwrap();
        let snoop = tokens.find("# [snoop] fn application").unwrap();
        assert!(docs < strukt && strukt < snoop, "{tokens}");
        assert!(tokens.contains("impl :: gateway :: Application for application"));
        assert!(tokens.contains(":: gateway :: Outcome :: Ready"));
        assert!(tokens.contains("fn blocking (& self) -> bool { true }"));
    }

    #[test]
    fn an_async_function_is_pending_and_not_blocking() {
        let tokens = expanded(
            quote!(),
            quote! {
                async fn application(environ: &Environ, start_response: StartResponse) -> String {
                    String::new()
                }
            },
        );
        assert!(
            tokens.contains(":: gateway_core :: Outcome :: Pending"),
            "{tokens}"
        );
        assert!(tokens.contains("fn blocking (& self) -> bool { false }"));
    }

    #[test]
    fn every_mistake_is_reported_at_once() {
        let error = expand(
            quote!(flavor = "fast"),
            quote!(
                fn application(environ: Environ) -> i32 {
                    0
                }
            ),
        )
        .unwrap_err();
        let messages: Vec<String> = error.into_iter().map(|error| error.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("unknown argument `flavor`"));
        assert!(messages[1].starts_with("an application takes two parameters"));
        assert!(messages[2].starts_with("a number is not a body"));
    }
}
