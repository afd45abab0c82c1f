//! From the return type to the body: which conversion turns what the function returns into a
//! `Body`, decided on the type's tokens.

use crate::signature::peel;
use proc_macro2::Span;
use syn::{
    GenericArgument, PathArguments, ReturnType, Signature, Type, TypeImplTrait, TypeParamBound,
    TypePath, TypeReference,
};

/// How the returned value becomes a `Body`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conversion {
    /// `IntoBody::into_body(value)`: chunks in memory, a `Body`, or a `Result` of one.
    IntoBody,
    /// `Body::from_iter(value)`: a lazy iterator of chunks, pulled one at a time.
    Iterator,
    /// A `Result` of a lazy iterator: `Ok` streams it, `Err` becomes a 500.
    ResultOfIterator,
}

/// What an application may return, for the messages.
const RETURN_TYPES: &str = "`-> Vec<Vec<u8>>`, `-> String`, `-> &'static str`, \
                            `-> impl Iterator<Item = String>` or a `Result` of one";

/// The conversion for the function's return type, and the type (for spans).
pub(crate) fn conversion(sig: &Signature) -> syn::Result<(Conversion, &Type)> {
    match &sig.output {
        ReturnType::Type(_, ty) => Ok((classify(ty)?, ty)),
        ReturnType::Default => Err(syn::Error::new(
            sig.paren_token.span.close(),
            format!(
                "an application returns its body: add a return type after the parameters, such \
                 as {RETURN_TYPES}"
            ),
        )),
    }
}

fn classify(ty: &Type) -> syn::Result<Conversion> {
    let refuse = |message: String| Err(syn::Error::new_spanned(ty, message));
    match peel(ty) {
        Type::Path(path) if path.qself.is_none() => classify_path(path),
        // `<T as Trait>::Output`: a named type, so an iterator.
        Type::Path(_) => Ok(Conversion::Iterator),
        Type::Reference(reference) => classify_reference(reference),
        Type::ImplTrait(bounds) => classify_impl(bounds),
        Type::Tuple(tuple) if tuple.elems.is_empty() => refuse(format!(
            "`()` is no body; an application always returns one: write {RETURN_TYPES} (an \
             empty body is `Vec::new()`)"
        )),
        Type::Tuple(_) => refuse(format!(
            "a tuple is not a body: return one value, such as {RETURN_TYPES}"
        )),
        Type::Array(_) => refuse(
            "an array is not a body: return `Vec<Vec<u8>>` (a list of chunks) or \
             `&'static [u8]` (one chunk)"
                .to_owned(),
        ),
        Type::Slice(_) => refuse(
            "a slice is not a body on its own: return `Vec<...>` or `&'static [u8]`".to_owned(),
        ),
        Type::TraitObject(_) => refuse(
            "a `dyn` type has no size: return `Box<dyn Iterator<Item = String> + Send>`".to_owned(),
        ),
        Type::Never(_) => refuse(format!(
            "an application returns its body: write {RETURN_TYPES}"
        )),
        _ => refuse(format!("this type is not a body: return {RETURN_TYPES}")),
    }
}

fn classify_path(path: &TypePath) -> syn::Result<Conversion> {
    let refuse = |message: &str| Err(syn::Error::new_spanned(path, message));
    let Some(last) = path.path.segments.last() else {
        return Ok(Conversion::Iterator);
    };
    let arguments: Vec<&Type> = match &last.arguments {
        PathArguments::AngleBracketed(arguments) => arguments
            .args
            .iter()
            .filter_map(|argument| match argument {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    match last.ident.to_string().as_str() {
        "Vec" => {
            // `Vec<&str>` would borrow from the environ; a chunk must be `'static`.
            for element in &arguments {
                if let Type::Reference(reference) = peel(element) {
                    classify_reference(reference)?;
                }
            }
            Ok(Conversion::IntoBody)
        }
        "String" | "Bytes" | "Body" => Ok(Conversion::IntoBody),
        "Box" => match arguments.first().map(|ty| peel(ty)) {
            // `Box<[u8]>` is one chunk; `Box<dyn Iterator ..>` and the like are iterators.
            Some(Type::Slice(_)) => Ok(Conversion::IntoBody),
            _ => Ok(Conversion::Iterator),
        },
        "Result" => match arguments.first() {
            None => Ok(Conversion::IntoBody),
            Some(ok) => match classify(ok)? {
                Conversion::IntoBody => Ok(Conversion::IntoBody),
                Conversion::Iterator => Ok(Conversion::ResultOfIterator),
                Conversion::ResultOfIterator => Err(syn::Error::new_spanned(
                    ok,
                    "a `Result` inside a `Result` is not a body: return one `Result` (use `?` \
                     on the inner one)",
                )),
            },
        },
        "Option" => refuse(
            "an application always returns a body, so `Option` is not one: for a missing page \
             call `start_response(\"404 Not Found\", ..)` and return a body, or return \
             `Result<T, E>` whose `Err` becomes a 500",
        ),
        "Pin" => refuse(
            "to return a future, write `async fn` and the body type: \
             `async fn application(..) -> String`",
        ),
        "Cow" => {
            refuse("a `Cow` is not a body chunk: return `String` or `Vec<u8>` (`.into_owned()`)")
        }
        "str" => refuse("`str` has no size: return `String` or `&'static str`"),
        "bool" | "char" | "f32" | "f64" | "i8" | "i16" | "i32" | "i64" | "i128" | "isize"
        | "u8" | "u16" | "u32" | "u64" | "u128" | "usize"
            if last.arguments.is_none() && path.path.segments.len() == 1 =>
        {
            refuse(
                "a number is not a body: return text, such as `-> String` with \
                 `n.to_string()`, or bytes, `-> Vec<u8>`",
            )
        }
        // Any other named type is an iterator of chunks: a user's iterator, `vec::IntoIter`..
        _ => Ok(Conversion::Iterator),
    }
}

fn classify_reference(reference: &TypeReference) -> syn::Result<Conversion> {
    let refuse = |message: &str| Err(syn::Error::new_spanned(reference, message));
    let elem = peel(&reference.elem);
    let is_path = |ty: &Type, name: &str| matches!(peel(ty), Type::Path(path) if path.qself.is_none() && path.path.is_ident(name));
    let is_str = is_path(elem, "str");
    let is_bytes = matches!(elem, Type::Slice(slice) if is_path(&slice.elem, "u8"));
    let is_static = reference
        .lifetime
        .as_ref()
        .is_some_and(|lifetime| lifetime.ident == "static");
    match (reference.mutability.is_some(), is_static) {
        (true, _) => refuse(
            "a `&mut` reference is not a body: return an owned body, such as `Vec<u8>` or \
             `String`",
        ),
        (false, true) if is_str || is_bytes => Ok(Conversion::IntoBody),
        (false, false) if is_str => refuse(
            "a borrowed `&str` cannot outlive the call: return `String` (`.to_owned()`), or \
             `&'static str` for a literal",
        ),
        (false, false) if is_bytes => refuse(
            "a borrowed `&[u8]` cannot outlive the call: return `Vec<u8>` (`.to_vec()`), or \
             `&'static [u8]` for a constant",
        ),
        _ => refuse(
            "a reference is not a body: return an owned body, such as `Vec<u8>` or `String`, or \
             `&'static str` / `&'static [u8]`",
        ),
    }
}

fn classify_impl(bounds: &TypeImplTrait) -> syn::Result<Conversion> {
    for bound in &bounds.bounds {
        let TypeParamBound::Trait(bound) = bound else {
            continue;
        };
        let Some(last) = bound.path.segments.last() else {
            continue;
        };
        match last.ident.to_string().as_str() {
            "Iterator" | "IntoIterator" => return Ok(Conversion::Iterator),
            "IntoBody" => return Ok(Conversion::IntoBody),
            "Future" => {
                return Err(syn::Error::new_spanned(
                    bounds,
                    "to return a future, write `async fn` and the body type: \
                     `async fn application(..) -> String`",
                ))
            }
            _ => {}
        }
    }
    Err(syn::Error::new_spanned(
        bounds,
        "this `impl Trait` is not a body: return `impl Iterator<Item = ...>` (streamed one chunk \
         at a time) or `impl IntoBody`",
    ))
}

/// Where a conversion error should point: the return type, resolved at the call site.
pub(crate) fn span_of(ty: &Type) -> Span {
    Span::call_site().located_at(syn::spanned::Spanned::span(ty))
}

#[cfg(test)]
mod tests {
    use super::{classify, Conversion};
    use syn::Type;

    fn of(ty: &str) -> Result<Conversion, String> {
        let ty: Type = syn::parse_str(ty).map_err(|error| error.to_string())?;
        classify(&ty).map_err(|error| error.to_string())
    }

    #[test]
    fn chunks_in_memory_convert_with_into_body() {
        for ty in [
            "Vec<Vec<u8>>",
            "Vec<u8>",
            "String",
            "&'static str",
            "&'static [u8]",
            "Bytes",
            "bytes::Bytes",
            "gateway::Body",
            "Vec<String>",
            "Vec<&'static str>",
            "Vec<Bytes>",
            "Box<[u8]>",
            "Result<String, Error>",
            "std::io::Result<Vec<u8>>",
            "impl IntoBody",
            "(String)",
        ] {
            assert_eq!(of(ty), Ok(Conversion::IntoBody), "{ty}");
        }
    }

    #[test]
    fn other_named_types_are_lazy_iterators() {
        for ty in [
            "impl Iterator<Item = String>",
            "impl IntoIterator<Item = Vec<u8>> + Send",
            "Box<dyn Iterator<Item = String> + Send>",
            "Countdown",
            "std::vec::IntoIter<String>",
            "std::iter::Map<std::ops::Range<u32>, fn(u32) -> String>",
        ] {
            assert_eq!(of(ty), Ok(Conversion::Iterator), "{ty}");
        }
        assert_eq!(
            of("Result<impl Iterator<Item = String>, E>"),
            Ok(Conversion::ResultOfIterator)
        );
    }

    #[test]
    fn what_is_not_a_body_is_refused() {
        for ty in [
            "()",
            "(String, String)",
            "[u8; 4]",
            "[u8]",
            "i32",
            "bool",
            "char",
            "Option<String>",
            "impl Future<Output = String>",
            "&str",
            "&[u8]",
            "&'a str",
            "&String",
            "&mut Vec<u8>",
            "Vec<&str>",
            "Result<(), E>",
            "Result<Result<Countdown, E>, E>",
            "impl Display",
            "dyn Iterator<Item = String>",
        ] {
            assert!(of(ty).is_err(), "{ty} accepted");
        }
    }
}
