//! The body, rewritten: a `line` event before each statement as it runs (in nested blocks,
//! `if`/`else if`/`else`, `match` arms, and at each turn of a loop), `New var` after each
//! `let`, `Modified var` after each assignment.
//!
//! Closures, `async` blocks, `const` blocks and nested items are left as they are: their
//! statements run at another time (or never), when the call's frame may be gone.

use super::names::{self, Written};
use super::options::Watch;
use super::source::{self, Line, Source};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{parse_quote, Block, Expr, ExprIf, ExprMatch, Pat, Path, Stmt};

/// A watched expression and the names bound in the function that it mentions: it is read
/// only where all of them are in scope.
struct Watched<'a> {
    watch: &'a Watch,
    roots: Vec<String>,
}

/// A loop being walked: where `continue` goes back to.
struct Loop {
    label: Option<String>,
    /// The loop's `line` event, run again before each turn after the first.
    event: Vec<Stmt>,
}

/// Walks a function body and inserts the trace points.
pub(crate) struct Instrument<'a> {
    /// The local that holds `&Frame` (hygienic: user code cannot name it).
    frame: Ident,
    /// `#[snoop]`'s runtime: `::gateway::snoop::__private` or the like.
    runtime: &'a Path,
    source: &'a mut Source,
    watched: Vec<Watched<'a>>,
    /// Names in scope at the current point, innermost block last.
    scopes: Vec<Vec<String>>,
    loops: Vec<Loop>,
    /// The line of the statement being walked: statements nested in it on the same line
    /// get no event of their own (`if x { a() } else { b() }` on one line is one event).
    line: u32,
}

impl<'a> Instrument<'a> {
    pub(crate) fn new(
        frame: Ident,
        runtime: &'a Path,
        source: &'a mut Source,
        watches: &'a [Watch],
        arguments: Vec<String>,
        body: &Block,
    ) -> Self {
        let mut bound = names::bound_anywhere(body);
        bound.extend(arguments.iter().cloned());
        bound.push("self".to_owned());
        let watched = watches
            .iter()
            .map(|watch| Watched {
                watch,
                roots: mentioned(&watch.expr.to_token_stream(), &bound),
            })
            .collect();
        Instrument {
            frame,
            runtime,
            source,
            watched,
            scopes: vec![arguments],
            loops: Vec::new(),
            line: 0,
        }
    }

    /// Instruments the function's body.
    pub(crate) fn body(&mut self, body: &mut Block) {
        self.block(body, Vec::new(), Vec::new(), Vec::new());
    }

    /// The watched expressions readable where only the arguments are in scope, as
    /// `Starting var` calls.
    pub(crate) fn starting_watches(&self) -> Vec<TokenStream> {
        let frame = &self.frame;
        self.readable()
            .map(|watched| {
                let name = &watched.watch.name;
                let repr = self.repr(&watched.watch.expr.to_token_stream());
                quote!(#frame.start_var(#name, #repr);)
            })
            .collect()
    }

    /// `(&Value(&expr)).snoop_repr()`: `Debug` when the type has it, `<type>` otherwise.
    ///
    /// Spanned at the value, so that a compile error about it (a type inferred later without
    /// `Debug`, see the limitations) points at the variable, not at `#[snoop]`.
    pub(crate) fn repr(&self, expr: &TokenStream) -> TokenStream {
        let runtime = self.runtime;
        let single = expr.clone().into_iter().count() == 1;
        let span = Span::call_site().located_at(source::start(expr));
        let expr = if single {
            expr.clone()
        } else {
            quote!((#expr))
        };
        quote_spanned!(span=> (&#runtime::Value(&#expr)).snoop_repr())
    }

    fn readable(&self) -> impl Iterator<Item = &Watched<'a>> {
        self.watched.iter().filter(|watched| {
            watched
                .roots
                .iter()
                .all(|root| self.scopes.iter().any(|scope| scope.contains(root)))
        })
    }

    fn line_at(&mut self, span: Span, tokens: &TokenStream) -> Line {
        self.source.line(span, tokens)
    }

    /// The `line` event for `line`, after reading the watched expressions in scope.
    fn event(&self, line: &Line) -> Vec<Stmt> {
        let frame = &self.frame;
        let number = line.number;
        let text = &line.text;
        let watches: Vec<TokenStream> = self
            .readable()
            .map(|watched| {
                let name = &watched.watch.name;
                let repr = self.repr(&watched.watch.expr.to_token_stream());
                quote!(#frame.var(#name, #repr);)
            })
            .collect();
        if watches.is_empty() {
            vec![allow(quote!(#frame.line(#number, #text);))]
        } else {
            vec![allow(
                quote!(if #frame.on() { #(#watches)* #frame.line(#number, #text); }),
            )]
        }
    }

    /// `if frame.on() { frame.method("name", repr); ... }` for `names`, or nothing.
    fn print(&self, method: &str, names: &[Ident]) -> Vec<Stmt> {
        if names.is_empty() {
            return Vec::new();
        }
        let frame = &self.frame;
        let method = Ident::new(method, Span::call_site());
        let calls = names.iter().map(|name| {
            let text = unraw(name);
            let repr = self.repr(&name.to_token_stream());
            quote!(#frame.#method(#text, #repr);)
        });
        vec![allow(quote!(if #frame.on() { #(#calls)* }))]
    }

    /// `Modified var` (or `New var` for a variable assigned the first time) after `expr`, if
    /// it is an assignment.
    fn print_written(&self, expr: &Expr) -> Vec<Stmt> {
        let written = names::written_by(expr);
        if written.is_empty() {
            return Vec::new();
        }
        let frame = &self.frame;
        let calls = written.iter().map(|written| match written {
            Written::Local(ident) => {
                let text = unraw(ident);
                let repr = self.repr(&ident.to_token_stream());
                quote!(#frame.var(#text, #repr);)
            }
            Written::Place { name, tokens } => {
                let repr = self.repr(tokens);
                quote!(#frame.modified_var(#name, #repr);)
            }
        });
        vec![allow(quote!(if #frame.on() { #(#calls)* }))]
    }

    /// Instruments `block`'s statements; `prelude` runs first (the bindings of a `match`
    /// arm, `if let`, loop pattern), `epilogue` last (a loop's next `line` event), and
    /// `names` are in scope inside.
    fn block(
        &mut self,
        block: &mut Block,
        prelude: Vec<Stmt>,
        epilogue: Vec<Stmt>,
        names: Vec<Ident>,
    ) {
        let outer = self.line;
        self.scopes.push(names.iter().map(unraw).collect());
        let mut out = prelude;
        let mut last = outer;
        for stmt in std::mem::take(&mut block.stmts) {
            // What is inserted for a statement under `#[cfg(..)]` goes with it.
            let cfgs = cfgs(&stmt.to_token_stream());
            let first = out.len();
            let mut own = None;
            match stmt {
                Stmt::Item(item) => out.push(Stmt::Item(item)),
                Stmt::Local(mut local) => {
                    let line = self.line_at(local.let_token.span, &local.to_token_stream());
                    self.line = line.number;
                    if line.number != last || line.number == 0 {
                        out.extend(self.event(&line));
                        last = line.number;
                    }
                    let initialized = local.init.is_some();
                    if let Some(init) = &mut local.init {
                        self.visit_expr_mut(&mut init.expr);
                        if let Some((_, diverge)) = &mut init.diverge {
                            self.visit_expr_mut(diverge);
                        }
                    }
                    let bound = names::bound_by(&local.pat);
                    let empty = empty_container(&local);
                    own = Some(out.len());
                    out.push(Stmt::Local(local));
                    // `let x;` binds nothing readable yet: its first assignment prints it.
                    if let (Some(text), [name]) = (empty, &bound[..]) {
                        let frame = &self.frame;
                        let name = unraw(name);
                        out.push(allow(quote!(if #frame.on() {
                            #frame.new_var(#name, ::std::string::String::from(#text));
                        })));
                        if let (Some(scope), true) = (self.scopes.last_mut(), cfgs.is_empty()) {
                            scope.push(name);
                        }
                    } else if initialized {
                        out.extend(self.print("new_var", &bound));
                        // A watched expression never names a variable that may not exist.
                        if let (Some(scope), true) = (self.scopes.last_mut(), cfgs.is_empty()) {
                            scope.extend(bound.iter().map(unraw));
                        }
                    }
                }
                Stmt::Macro(mac) => {
                    let tokens = mac.to_token_stream();
                    let line = self.line_at(source::start(&tokens), &tokens);
                    self.line = line.number;
                    if line.number != last || line.number == 0 {
                        out.extend(self.event(&line));
                        last = line.number;
                    }
                    own = Some(out.len());
                    out.push(Stmt::Macro(mac));
                }
                Stmt::Expr(mut expr, semi) => {
                    let tokens = expr.to_token_stream();
                    let line = self.line_at(source::start(&tokens), &tokens);
                    self.line = line.number;
                    if line.number != last || line.number == 0 {
                        out.extend(self.event(&line));
                        last = line.number;
                    }
                    self.visit_expr_mut(&mut expr);
                    let after = self.print_written(&expr);
                    own = Some(out.len());
                    if after.is_empty() {
                        out.push(Stmt::Expr(expr, semi));
                    } else {
                        // An assignment is `()`: as a statement, the block's value is `()`.
                        out.push(Stmt::Expr(expr, Some(semi.unwrap_or_default())));
                        out.extend(after);
                    }
                }
            }
            if !cfgs.is_empty() {
                for (at, inserted) in out.iter_mut().enumerate().skip(first) {
                    if Some(at) != own {
                        *inserted = parse_quote!(#(#cfgs)* #inserted);
                    }
                }
            }
        }
        if !epilogue.is_empty() {
            // A loop body is `()`: its tail expression can become a statement.
            if let Some(Stmt::Expr(_, semi @ None)) = out.last_mut() {
                *semi = Some(Default::default());
            }
            out.extend(epilogue);
        }
        self.scopes.pop();
        self.line = outer;
        block.stmts = out;
    }

    fn visit_if(&mut self, expr: &mut ExprIf) {
        self.visit_expr_mut(&mut expr.cond);
        let bound = let_bindings(&expr.cond);
        let prelude = self.print("var", &bound);
        self.block(&mut expr.then_branch, prelude, Vec::new(), bound);
        let Some((_, otherwise)) = &mut expr.else_branch else {
            return;
        };
        match &mut **otherwise {
            Expr::If(nested) => {
                let line = self.line_at(nested.if_token.span, &nested.to_token_stream());
                if line.number == self.line && line.number != 0 {
                    self.visit_if(nested);
                    return;
                }
                // `else if` on its own line: its own event, as pysnooper shows `elif`.
                let outer = self.line;
                self.line = line.number;
                self.visit_if(nested);
                self.line = outer;
                let event = self.event(&line);
                let nested = nested.clone();
                **otherwise = parse_quote!({ #(#event)* #nested });
            }
            Expr::Block(block) => self.block(&mut block.block, Vec::new(), Vec::new(), Vec::new()),
            other => self.visit_expr_mut(other),
        }
    }

    fn visit_match(&mut self, expr: &mut ExprMatch) {
        self.visit_expr_mut(&mut expr.expr);
        for arm in &mut expr.arms {
            if let Some((_, guard)) = &mut arm.guard {
                self.visit_expr_mut(guard);
            }
            let pat = arm.pat.to_token_stream();
            let line = self.line_at(source::start(&pat), &pat);
            let bound = names::bound_by(&arm.pat);
            let outer = self.line;
            self.scopes.push(bound.iter().map(unraw).collect());
            let mut prelude = Vec::new();
            if line.number != outer || line.number == 0 {
                prelude.extend(self.event(&line));
            }
            prelude.extend(self.print("var", &bound));
            self.scopes.pop();
            self.line = line.number;
            match &mut *arm.body {
                Expr::Block(block) if block.attrs.is_empty() && block.label.is_none() => {
                    self.block(&mut block.block, prelude, Vec::new(), bound);
                }
                body => {
                    self.scopes.push(bound.iter().map(unraw).collect());
                    self.visit_expr_mut(body);
                    let after = self.print_written(body);
                    self.scopes.pop();
                    if !prelude.is_empty() || !after.is_empty() {
                        let inner = std::mem::replace(body, Expr::Verbatim(TokenStream::new()));
                        *body = if after.is_empty() {
                            parse_quote!({ #(#prelude)* #inner })
                        } else {
                            parse_quote!({ #(#prelude)* #inner; #(#after)* })
                        };
                    }
                }
            }
            self.line = outer;
        }
    }

    /// A loop: `prelude` binds the pattern at the start of each turn, and the header's
    /// `line` event runs again at the end of each turn and before each `continue`, as
    /// Python reports the `for`/`while` line before every test.
    fn visit_loop(
        &mut self,
        label: Option<&syn::Label>,
        keyword: Span,
        tokens: &TokenStream,
        bound: Vec<Ident>,
        body: &mut Block,
    ) {
        let line = self.line_at(keyword, tokens);
        let outer = self.line;
        self.line = line.number;
        let event = self.event(&line);
        self.loops.push(Loop {
            label: label.map(|label| label.name.ident.to_string()),
            event: event.clone(),
        });
        let prelude = self.print("var", &bound);
        self.block(body, prelude, event, bound);
        self.loops.pop();
        self.line = outer;
    }

    /// `continue` runs its loop's `line` event first.
    fn continue_event(&self, label: Option<&syn::Lifetime>) -> Option<Vec<Stmt>> {
        let target = match label {
            Some(label) => {
                let name = label.ident.to_string();
                self.loops
                    .iter()
                    .rev()
                    .find(|lp| lp.label.as_deref() == Some(name.as_str()))
            }
            None => self.loops.last(),
        }?;
        Some(target.event.clone())
    }
}

impl VisitMut for Instrument<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        self.block(block, Vec::new(), Vec::new(), Vec::new());
    }

    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // Run later or at compile time, or opaque.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) | Expr::Macro(_) => {}
            Expr::If(expr_if) => self.visit_if(expr_if),
            Expr::Match(expr_match) => self.visit_match(expr_match),
            Expr::ForLoop(for_loop) => {
                self.visit_expr_mut(&mut for_loop.expr);
                let bound = names::bound_by(&for_loop.pat);
                let tokens = for_loop.to_token_stream();
                let keyword = for_loop.for_token.span;
                let label = for_loop.label.clone();
                self.visit_loop(label.as_ref(), keyword, &tokens, bound, &mut for_loop.body);
            }
            Expr::While(while_loop) => {
                self.visit_expr_mut(&mut while_loop.cond);
                let bound = let_bindings(&while_loop.cond);
                let tokens = while_loop.to_token_stream();
                let keyword = while_loop.while_token.span;
                let label = while_loop.label.clone();
                self.visit_loop(
                    label.as_ref(),
                    keyword,
                    &tokens,
                    bound,
                    &mut while_loop.body,
                );
            }
            Expr::Loop(plain_loop) => {
                let tokens = plain_loop.to_token_stream();
                let keyword = plain_loop.loop_token.span;
                let label = plain_loop.label.clone();
                self.visit_loop(
                    label.as_ref(),
                    keyword,
                    &tokens,
                    Vec::new(),
                    &mut plain_loop.body,
                );
            }
            Expr::Continue(continue_expr) => {
                if let Some(event) = self.continue_event(continue_expr.label.as_ref()) {
                    let continue_expr = continue_expr.clone();
                    *expr = parse_quote!({ #(#event)* #continue_expr });
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_expr_repeat_mut(&mut self, repeat: &mut syn::ExprRepeat) {
        // `[x; N]`: `N` is a constant.
        self.visit_expr_mut(&mut repeat.expr);
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}

    fn visit_type_mut(&mut self, _: &mut syn::Type) {}

    fn visit_pat_mut(&mut self, _: &mut syn::Pat) {}

    fn visit_generic_argument_mut(&mut self, _: &mut syn::GenericArgument) {}

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}

/// How a `let x = Vec::new();` prints, without asking the type system: an empty container
/// prints the same whatever its elements, which are often not known yet at the `let` (the
/// `push` that fixes them comes later), and whether they have `Debug` cannot be asked
/// before they are known.
fn empty_container(local: &syn::Local) -> Option<&'static str> {
    if !matches!(&local.pat, Pat::Ident(binding) if binding.subpat.is_none()) {
        return None;
    }
    let init = local.init.as_ref().filter(|init| init.diverge.is_none())?;
    match &*init.expr {
        Expr::Path(path) if path.qself.is_none() && path.path.is_ident("None") => Some("None"),
        Expr::Macro(mac) if mac.mac.path.is_ident("vec") && mac.mac.tokens.is_empty() => Some("[]"),
        Expr::Call(call) => {
            let Expr::Path(path) = &*call.func else {
                return None;
            };
            let segments: Vec<_> = path.path.segments.iter().collect();
            let [.., container, constructor] = &segments[..] else {
                return None;
            };
            // `Vec::<T>::new()` names its type: the usual way works.
            if path.qself.is_some() || !container.arguments.is_none() {
                return None;
            }
            if !matches!(
                constructor.ident.to_string().as_str(),
                "new" | "with_capacity"
            ) {
                return None;
            }
            match container.ident.to_string().as_str() {
                "Vec" | "VecDeque" | "LinkedList" | "BinaryHeap" => Some("[]"),
                "HashMap" | "HashSet" | "BTreeMap" | "BTreeSet" => Some("{}"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The `#[cfg(..)]` and `#[cfg_attr(..)]` attributes in front of a statement's tokens.
fn cfgs(tokens: &TokenStream) -> Vec<TokenStream> {
    let mut cfgs = Vec::new();
    let mut iter = tokens.clone().into_iter();
    while let (
        Some(proc_macro2::TokenTree::Punct(pound)),
        Some(proc_macro2::TokenTree::Group(group)),
    ) = (iter.next(), iter.next())
    {
        if pound.as_char() != '#' || group.delimiter() != proc_macro2::Delimiter::Bracket {
            break;
        }
        let is_cfg = matches!(
            group.stream().into_iter().next(),
            Some(proc_macro2::TokenTree::Ident(ident)) if ident == "cfg"
        );
        if is_cfg {
            cfgs.push(quote!(#pound #group));
        }
    }
    cfgs
}

/// A statement of the trace. It may follow a statement that diverges (`break;` at the end
/// of a loop body, `let x: T = panic!();`): it is never reached then, which is fine.
fn allow(stmt: TokenStream) -> Stmt {
    parse_quote!(#[allow(unreachable_code)] #stmt)
}

/// The names bound by the `let`s of an `if let` / `while let` condition (and let chains).
fn let_bindings(cond: &Expr) -> Vec<Ident> {
    match cond {
        Expr::Let(binding) => names::bound_by(&binding.pat),
        Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
            let mut bound = let_bindings(&binary.left);
            bound.extend(let_bindings(&binary.right));
            bound
        }
        _ => Vec::new(),
    }
}

/// The names of `bound` that `tokens` mentions anywhere (inside groups and macros too).
fn mentioned(tokens: &TokenStream, bound: &[String]) -> Vec<String> {
    let mut roots = Vec::new();
    for token in tokens.clone() {
        match token {
            proc_macro2::TokenTree::Ident(ident) => {
                let name = unraw(&ident);
                if bound.contains(&name) && !roots.contains(&name) {
                    roots.push(name);
                }
            }
            proc_macro2::TokenTree::Group(group) => {
                for name in mentioned(&group.stream(), bound) {
                    if !roots.contains(&name) {
                        roots.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    roots
}

/// The name as printed: `r#type` is `type`.
fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    text.strip_prefix("r#").map_or(text.clone(), str::to_owned)
}
