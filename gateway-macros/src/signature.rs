//! The signature an application must have: `fn application(environ: &Environ,
//! start_response: StartResponse) -> ...`, checked here so that a mistake is reported under
//! the token that is wrong, with what to write instead.

use quote::quote;
use syn::{FnArg, GenericParam, PatType, Signature, Type, TypeReference};

/// The parameters, as a user should write them.
const PARAMETERS: &str = "`(environ: &Environ, start_response: StartResponse)`";

/// Every rule the signature breaks, as one error (or `Ok`).
pub(crate) fn check(sig: &Signature) -> syn::Result<()> {
    let mut errors = Errors::default();
    if let Some(constness) = &sig.constness {
        errors.add(syn::Error::new_spanned(
            constness,
            "an application cannot be a `const fn`: remove `const`",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.add(syn::Error::new_spanned(
            unsafety,
            "an application cannot be an `unsafe fn`: the server calls it as a safe function; \
             remove `unsafe` and put `unsafe { .. }` blocks inside instead",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.add(syn::Error::new_spanned(
            abi,
            "an application cannot have an `extern` ABI: remove it; the server calls it as a \
             Rust function",
        ));
    }
    check_generics(sig, &mut errors);
    if let Some(variadic) = &sig.variadic {
        errors.add(syn::Error::new_spanned(
            variadic,
            format!("an application cannot be variadic: remove `...` and write {PARAMETERS}"),
        ));
    }
    if let Some(receiver) = sig.inputs.iter().find_map(|input| match input {
        FnArg::Receiver(receiver) => Some(receiver),
        FnArg::Typed(_) => None,
    }) {
        errors.add(syn::Error::new_spanned(
            receiver,
            "#[wsgi_app] works on free functions; move this function out of the `impl` block and \
             remove `self` (or implement `Application` for the type by hand)",
        ));
        return errors.finish();
    }
    check_parameters(sig, &mut errors);
    errors.finish()
}

fn check_generics(sig: &Signature, errors: &mut Errors) {
    // Lifetimes are fine: the server calls the function with the environ it owns.
    let generic = sig
        .generics
        .params
        .iter()
        .any(|param| !matches!(param, GenericParam::Lifetime(_)));
    let message = "an application cannot be generic: the server calls one concrete function; \
                   remove the type parameters (a generic application, such as a middleware, \
                   implements `Application` by hand)";
    if generic {
        errors.add(syn::Error::new_spanned(&sig.generics, message));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.add(syn::Error::new_spanned(where_clause, message));
    }
}

fn check_parameters(sig: &Signature, errors: &mut Errors) {
    let parameters: Vec<&PatType> = sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let parens = sig.paren_token.span.join();
    match parameters[..] {
        [] => errors.add(syn::Error::new(
            parens,
            format!("an application takes two parameters: write {PARAMETERS}"),
        )),
        [only] => {
            let message = if is_environ(&only.ty) {
                "an application takes two parameters: add `start_response: StartResponse` after \
                 the environ"
                    .to_owned()
            } else if is_start_response(&only.ty) {
                "an application takes two parameters: add `environ: &Environ` before \
                 `start_response`"
                    .to_owned()
            } else {
                format!("an application takes two parameters: write {PARAMETERS}")
            };
            errors.add(syn::Error::new(parens, message));
        }
        [environ, start_response, ref extra @ ..] => {
            if is_start_response(&environ.ty) && is_environ(&start_response.ty) {
                errors.add(syn::Error::new(
                    parens,
                    format!("the parameters are swapped: write {PARAMETERS}"),
                ));
            } else {
                if let Err(error) = check_environ(&environ.ty) {
                    errors.add(error);
                }
                if let Err(error) = check_start_response(&start_response.ty) {
                    errors.add(error);
                }
            }
            if !extra.is_empty() {
                let these = if extra.len() == 1 {
                    "this parameter"
                } else {
                    "these parameters"
                };
                errors.add(syn::Error::new_spanned(
                    quote!(#(#extra),*),
                    format!(
                        "an application takes exactly two parameters, {PARAMETERS}: remove \
                         {these}; the request is in `environ`, and shared state goes in a \
                         `static`"
                    ),
                ));
            }
        }
    }
}

/// `&Environ` (any path ending in `Environ`, any lifetime).
fn check_environ(ty: &Type) -> syn::Result<()> {
    match peel(ty) {
        Type::Reference(reference) if names(&reference.elem, "Environ") => {
            if let Some(mutability) = &reference.mutability {
                let and = &reference.and_token;
                return Err(syn::Error::new_spanned(
                    quote!(#and #mutability),
                    "the environ is lent read-only: write `environ: &Environ` (to change it \
                     before another application sees it, write a middleware that implements \
                     `Application`)",
                ));
            }
            match &reference.lifetime {
                Some(lifetime) if lifetime.ident == "static" => Err(syn::Error::new_spanned(
                    lifetime,
                    "the environ lives only as long as the request: write `environ: &Environ`",
                )),
                _ => Ok(()),
            }
        }
        ty if names(ty, "Environ") => Err(syn::Error::new_spanned(
            ty,
            "take the environ by reference: write `environ: &Environ`",
        )),
        ty => Err(syn::Error::new_spanned(
            ty,
            "the first parameter is the request's environ: write `environ: &Environ`",
        )),
    }
}

/// `StartResponse` by value (any path ending in `StartResponse`).
fn check_start_response(ty: &Type) -> syn::Result<()> {
    match peel(ty) {
        ty if names(ty, "StartResponse") => Ok(()),
        Type::Reference(TypeReference {
            and_token,
            lifetime,
            mutability,
            elem,
        }) if names(elem, "StartResponse") => Err(syn::Error::new_spanned(
            quote!(#and_token #lifetime #mutability),
            "take `start_response` by value: write `start_response: StartResponse`",
        )),
        ty => Err(syn::Error::new_spanned(
            ty,
            "the second parameter is the `start_response` callable: write \
             `start_response: StartResponse`",
        )),
    }
}

fn is_environ(ty: &Type) -> bool {
    check_environ(ty).is_ok()
}

fn is_start_response(ty: &Type) -> bool {
    check_start_response(ty).is_ok()
}

/// Whether `ty` is a path whose last segment is `name`.
fn names(ty: &Type, name: &str) -> bool {
    match peel(ty) {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == name),
        _ => false,
    }
}

/// The type inside parentheses and invisible groups (from `macro_rules!` fragments).
pub(crate) fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => peel(&inner.elem),
        Type::Group(inner) => peel(&inner.elem),
        ty => ty,
    }
}

/// Several errors reported together, so one build shows every mistake in the signature.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}
