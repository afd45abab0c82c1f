//! Which names a pattern binds, and which places an assignment writes: what the trace can
//! read back right after the statement without upsetting the borrow checker.

use proc_macro2::{Ident, TokenStream};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{BinOp, Expr, Member, Pat};

/// The variables `pat` binds, in order, once each: `(a, Some(b))` binds `a` and `b`.
///
/// A capitalised identifier is taken for a constant, a unit struct or an enum variant
/// (`None`, `MAX`) rather than a binding: Rust's naming convention is the only hint a
/// macro has.
pub(crate) fn bound_by(pat: &Pat) -> Vec<Ident> {
    let mut names = Vec::new();
    collect(pat, &mut names);
    names
}

fn collect(pat: &Pat, names: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(binding) => {
            if is_variable(&binding.ident) && !names.contains(&binding.ident) {
                names.push(binding.ident.clone());
            }
            if let Some((_, sub)) = &binding.subpat {
                collect(sub, names);
            }
        }
        Pat::Or(or) => {
            // Every alternative binds the same names.
            if let Some(first) = or.cases.first() {
                collect(first, names);
            }
        }
        Pat::Paren(inner) => collect(&inner.pat, names),
        Pat::Reference(reference) => collect(&reference.pat, names),
        Pat::Slice(slice) => slice.elems.iter().for_each(|pat| collect(pat, names)),
        Pat::Struct(strukt) => strukt
            .fields
            .iter()
            .for_each(|field| collect(&field.pat, names)),
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|pat| collect(pat, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|pat| collect(pat, names)),
        Pat::Type(typed) => collect(&typed.pat, names),
        _ => {}
    }
}

/// `value`, `_unused`, `r#type`; not `None`, `MAX`, `Unit`.
fn is_variable(ident: &Ident) -> bool {
    let text = ident.to_string();
    let text = text.strip_prefix("r#").unwrap_or(&text);
    text.trim_start_matches('_')
        .chars()
        .next()
        .is_none_or(|first| !first.is_uppercase())
        && text != "_"
}

/// Every name bound anywhere in `tokens`' patterns (closures' parameters included): a
/// watched expression that names one is read only where that binding is in scope.
pub(crate) fn bound_anywhere(block: &syn::Block) -> Vec<String> {
    struct All(Vec<String>);
    impl Visit<'_> for All {
        fn visit_pat_ident(&mut self, binding: &syn::PatIdent) {
            self.0.push(binding.ident.to_string());
            syn::visit::visit_pat_ident(self, binding);
        }
    }
    let mut all = All(Vec::new());
    all.visit_block(block);
    all.0
}

/// What an assignment statement writes, to print after it.
pub(crate) enum Written {
    /// A local variable (`total += x`): `New var` the first time (`let x;` then `x = 1`),
    /// then `Modified var` when it changed.
    Local(Ident),
    /// A place inside something (`self.count += 1`, `v[0] = 1`, `*r = 1`), printed by its
    /// text, as `Modified var`.
    Place { name: String, tokens: TokenStream },
}

/// The places `expr` assigns to when it is an assignment (`=`, `+=`, ...), that can be read
/// right after it: a place is readable after being written, but only a place made of
/// variables, fields, derefs, and indices that are literals or variables (reading `v[f()]`
/// again would call `f` again).
pub(crate) fn written_by(expr: &Expr) -> Vec<Written> {
    let left = match expr {
        Expr::Assign(assign) => &*assign.left,
        Expr::Binary(binary) if is_compound(&binary.op) => &*binary.left,
        _ => return Vec::new(),
    };
    let mut written = Vec::new();
    places(left, &mut written);
    written
}

fn is_compound(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

fn places(left: &Expr, written: &mut Vec<Written>) {
    match left {
        Expr::Path(path) => {
            if let Some(ident) = local(path) {
                written.push(Written::Local(ident.clone()));
            }
        }
        // Destructuring assignment: `(a, b) = (b, a)`.
        Expr::Tuple(tuple) => tuple.elems.iter().for_each(|elem| places(elem, written)),
        Expr::Array(array) => array.elems.iter().for_each(|elem| places(elem, written)),
        Expr::Paren(inner) => places(&inner.expr, written),
        place => {
            if let Some(name) = place_name(place) {
                written.push(Written::Place {
                    name,
                    tokens: place.to_token_stream(),
                });
            }
        }
    }
}

/// A single-identifier path that names a variable (not `self`, a constant or a static).
fn local(path: &syn::ExprPath) -> Option<&Ident> {
    let ident = path.path.get_ident()?;
    (path.qself.is_none() && path.attrs.is_empty() && is_variable(ident) && ident != "self")
        .then_some(ident)
}

/// `self.count`, `v[0]`, `*r`, `a.b.0`: the text of a place that reads back without side
/// effects, or `None`.
fn place_name(place: &Expr) -> Option<String> {
    match place {
        Expr::Path(path) => {
            let ident = path.path.get_ident()?;
            (path.qself.is_none() && (ident == "self" || is_variable(ident)))
                .then(|| ident.to_string())
        }
        Expr::Field(field) => {
            let base = place_name(&field.base)?;
            let member = match &field.member {
                Member::Named(ident) => ident.to_string(),
                Member::Unnamed(index) => index.index.to_string(),
            };
            Some(format!("{base}.{member}"))
        }
        Expr::Index(index) => {
            let base = place_name(&index.expr)?;
            let key = match &*index.index {
                Expr::Lit(lit) => lit.lit.to_token_stream().to_string(),
                Expr::Path(path) => local(path)?.to_string(),
                _ => return None,
            };
            Some(format!("{base}[{key}]"))
        }
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Deref(_),
            expr,
            ..
        }) => Some(format!("*{}", place_name(expr)?)),
        Expr::Paren(inner) => Some(format!("({})", place_name(&inner.expr)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{bound_by, written_by, Written};
    use syn::{Expr, Pat};

    fn names(pat: &str) -> Vec<String> {
        let pat = syn::parse::Parser::parse_str(Pat::parse_multi_with_leading_vert, pat)
            .unwrap_or_else(|error| panic!("{pat}: {error}"));
        bound_by(&pat).iter().map(ToString::to_string).collect()
    }

    fn written(expr: &str) -> Vec<String> {
        let expr: Expr = syn::parse_str(expr).unwrap_or_else(|error| panic!("{expr}: {error}"));
        written_by(&expr)
            .into_iter()
            .map(|written| match written {
                Written::Local(ident) => ident.to_string(),
                Written::Place { name, .. } => name,
            })
            .collect()
    }

    #[test]
    fn snoop_finds_every_name_a_pattern_binds() {
        assert_eq!(names("x"), ["x"]);
        assert_eq!(names("mut x"), ["x"]);
        assert_eq!(names("(a, (b, _), ..)"), ["a", "b"]);
        assert_eq!(names("Some(value)"), ["value"]);
        assert_eq!(names("Point { x, y: ref mut why }"), ["x", "why"]);
        assert_eq!(names("[first, rest @ ..]"), ["first", "rest"]);
        assert_eq!(names("Ok(n) | Err(n)"), ["n"]);
        assert_eq!(names("whole @ Some(part)"), ["whole", "part"]);
        assert_eq!(names("&(a, _b)"), ["a", "_b"]);
        assert!(names("None").is_empty());
        assert!(names("MAX").is_empty());
        assert!(names("_").is_empty());
    }

    #[test]
    fn snoop_reads_back_only_places_without_side_effects() {
        assert_eq!(written("x = 1"), ["x"]);
        assert_eq!(written("total += x"), ["total"]);
        assert_eq!(written("self.count += 1"), ["self.count"]);
        assert_eq!(written("v[0] = 1"), ["v[0]"]);
        assert_eq!(written("v[i] = 1"), ["v[i]"]);
        assert_eq!(written("*r = 1"), ["*r"]);
        assert_eq!(written("(a, b) = (b, a)"), ["a", "b"]);
        assert_eq!(written("pair.0 = 1"), ["pair.0"]);
        assert!(written("v[next()] = 1").is_empty());
        assert!(written("*get() = 1").is_empty());
        assert!(written("COUNTER = 1").is_empty());
        assert!(written("_ = f()").is_empty());
        assert!(written("x == 1").is_empty());
    }
}
