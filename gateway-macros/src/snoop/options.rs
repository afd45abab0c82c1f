//! `#[snoop(...)]`'s options, with pysnooper's names: `output`, `watch`, `prefix`,
//! `max_variable_length`, `relative_time`, `thread_info`, `color`; gateway's own
//! `show_credentials` and `redact` (what an environ's values hide); and `crate`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Expr, ExprMacro, Lit, LitStr, Path, Token};

/// The options a user can give, for the messages.
const OPTIONS: &str = "`output`, `watch`, `prefix`, `max_variable_length`, `relative_time`, \
                       `thread_info`, `color`, `show_credentials`, `redact` and `crate`";

/// Where the trace goes.
pub(crate) enum Output {
    Stderr,
    Tracing,
    /// A file path: a string literal, or a macro that expands to one (`concat!`, `env!`).
    File(TokenStream),
}

/// `color = ...`; pysnooper's default colours only a terminal.
#[derive(Clone, Copy)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

/// An expression of `watch = (...)`: its text (the name printed) and its tokens.
pub(crate) struct Watch {
    pub(crate) name: String,
    pub(crate) expr: Expr,
}

/// What `#[snoop(...)]` was given.
pub(crate) struct Options {
    pub(crate) output: Output,
    pub(crate) watch: Vec<Watch>,
    pub(crate) prefix: String,
    /// `None`: values are never shortened.
    pub(crate) max_variable_length: Option<usize>,
    pub(crate) relative_time: bool,
    pub(crate) thread_info: bool,
    pub(crate) color: Color,
    /// Print the environ's `Authorization`, `Cookie` and `Proxy-Authorization` values.
    pub(crate) show_credentials: bool,
    /// More environ keys whose values print as `'<redacted>'`.
    pub(crate) redact: Vec<String>,
    pub(crate) krate: Option<Path>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            output: Output::Stderr,
            watch: Vec::new(),
            prefix: String::new(),
            max_variable_length: Some(100),
            relative_time: false,
            thread_info: false,
            color: Color::Auto,
            show_credentials: false,
            redact: Vec::new(),
            krate: None,
        }
    }
}

impl Options {
    /// `#[snoop]`, `#[snoop("/tmp/trace.log")]` (pysnooper's positional output) or
    /// `#[snoop(key = value, ...)]`.
    pub(crate) fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut options = Options::default();
        let mut seen: Vec<String> = Vec::new();
        let mut tokens = attr.into_iter().peekable();
        // pysnooper's `@snoop('/my/log/file.log')`: a leading string is the output.
        let positional = match tokens.peek() {
            Some(TokenTree::Literal(literal)) => {
                let lit = syn::parse2::<LitStr>(literal.to_token_stream()).ok();
                if lit.is_some() {
                    tokens.next();
                    match tokens.next() {
                        None => {}
                        Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => {}
                        Some(other) => {
                            return Err(syn::Error::new_spanned(
                                other,
                                "expected `,` after the output path",
                            ))
                        }
                    }
                }
                lit
            }
            _ => None,
        };
        if let Some(lit) = positional {
            options.output = output_from_literal(&lit)?;
            seen.push("output".to_owned());
        }
        let rest: TokenStream = tokens.collect();
        let parser = syn::meta::parser(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .or_else(|| meta.path.is_ident("crate").then(|| "crate".to_owned()))
                .unwrap_or_else(|| meta.path.to_token_stream().to_string().replace(' ', ""));
            if seen.contains(&key) {
                return Err(meta.error(format!("`{key}` is given twice; keep one")));
            }
            options.set(&key, &meta)?;
            seen.push(key);
            Ok(())
        });
        parser.parse2(rest)?;
        Ok(options)
    }

    fn set(&mut self, key: &str, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        match key {
            "output" => {
                self.output = value(meta, OUTPUT, |input| {
                    if input.peek(LitStr) {
                        output_from_literal(&input.parse()?)
                    } else {
                        let mac: ExprMacro = input.parse()?;
                        Ok(Output::File(mac.into_token_stream()))
                    }
                })?;
            }
            "watch" => {
                let literals = value(meta, WATCH, parse_watch)?;
                self.watch = literals.iter().map(watch).collect::<syn::Result<_>>()?;
            }
            "prefix" => {
                self.prefix = value(meta, PREFIX, |input| Ok(input.parse::<LitStr>()?.value()))?
            }
            "max_variable_length" => {
                self.max_variable_length = value(meta, MAX_LENGTH, parse_max_length)?;
            }
            "relative_time" => self.relative_time = boolean(meta, "relative_time")?,
            "thread_info" => self.thread_info = boolean(meta, "thread_info")?,
            "color" => {
                self.color = if boolean(meta, "color")? {
                    Color::Always
                } else {
                    Color::Never
                };
            }
            "show_credentials" => self.show_credentials = boolean(meta, "show_credentials")?,
            "redact" => {
                let literals = value(meta, REDACT, parse_watch)?;
                self.redact = literals.iter().map(LitStr::value).collect();
            }
            "crate" => {
                let lit: LitStr = value(meta, CRATE, |input| input.parse())?;
                let path = lit.parse::<Path>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`crate` takes a path, such as `crate = \"gateway\"` or `crate = \"::my_gateway\"`",
                    )
                })?;
                self.krate = Some(path);
            }
            "depth" => return Err(meta.error(
                "pysnooper's `depth` has no equivalent: put #[snoop] on each function to trace \
                 (a traced call made by a traced function is indented under it)",
            )),
            "watch_explode" => {
                return Err(meta.error(
                    "pysnooper's `watch_explode` has no equivalent: list the fields with `watch`, \
                 such as `watch = (\"self.a\", \"self.b\")`",
                ))
            }
            "custom_repr" => return Err(meta.error(
                "pysnooper's `custom_repr` has no equivalent: values print with their `Debug`; \
                 implement `Debug` by hand to change how a type prints",
            )),
            "overwrite" => {
                return Err(meta.error(
                    "pysnooper's `overwrite` has no equivalent: #[snoop] appends to the `output` \
                 file; delete the file to start afresh",
                ))
            }
            "normalize" => {
                return Err(meta.error(
                    "pysnooper's `normalize` has no equivalent: use `relative_time = true` for \
                 timestamps that compare between runs",
                ))
            }
            _ => {
                return Err(meta.error(format!(
                    "unknown option `{key}`; #[snoop] takes {OPTIONS}, such as \
                     `#[snoop(max_variable_length = None)]`"
                )))
            }
        }
        Ok(())
    }
}

const OUTPUT: &str = "`output` takes a file path, \"stderr\" or \"tracing\": \
                      `output = \"/tmp/snoop.log\"`";
const WATCH: &str = "`watch` takes Rust expressions as strings: `watch = (\"self.count\", \
                     \"items.len()\")` or `watch = \"total\"`";
const REDACT: &str = "`redact` takes environ keys whose values to hide: \
                      `redact = (\"HTTP_X_API_KEY\", \"REMOTE_USER\")` or `redact = \"HTTP_X_API_KEY\"`";
const PREFIX: &str = "`prefix` takes a string: `prefix = \"ZZZ \"`";
const MAX_LENGTH: &str = "`max_variable_length` takes a number of characters, or `None` to \
                          show values whole: `max_variable_length = 200`";
const CRATE: &str = "`crate` takes the path as a string: `crate = \"gateway\"`";

/// The tokens after `key =`, up to the next comma.
fn tokens(meta: &ParseNestedMeta<'_>, message: &str) -> syn::Result<TokenStream> {
    let input = meta.value().map_err(|_| meta.error(message))?;
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    if tokens.is_empty() {
        return Err(input.error(message));
    }
    Ok(tokens)
}

/// The value after `key =`, parsed by `parse`; if it does not parse, `message` under it.
fn value<T>(
    meta: &ParseNestedMeta<'_>,
    message: &str,
    parse: impl FnOnce(ParseStream<'_>) -> syn::Result<T>,
) -> syn::Result<T> {
    let tokens = tokens(meta, message)?;
    parse
        .parse2(tokens.clone())
        .map_err(|_| syn::Error::new_spanned(tokens, message))
}

fn boolean(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<bool> {
    let message = format!("`{key}` takes `true` or `false`: `{key} = true`");
    value(meta, &message, |input| match input.parse::<Lit>()? {
        Lit::Bool(flag) => Ok(flag.value),
        other => Err(syn::Error::new(other.span(), "not a boolean")),
    })
}

fn output_from_literal(lit: &LitStr) -> syn::Result<Output> {
    match lit.value().as_str() {
        "" => Err(syn::Error::new(lit.span(), OUTPUT)),
        "stderr" => Ok(Output::Stderr),
        "tracing" => Ok(Output::Tracing),
        _ => Ok(Output::File(lit.to_token_stream())),
    }
}

/// `"x"`, `("x", "y.len()")` or `["x"]`.
fn parse_watch(input: ParseStream<'_>) -> syn::Result<Vec<LitStr>> {
    let literals: Vec<LitStr> = if input.peek(LitStr) {
        vec![input.parse()?]
    } else if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect()
    } else {
        let content;
        syn::bracketed!(content in input);
        Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect()
    };
    Ok(literals)
}

/// One watched expression, its tokens placed at the string so errors point there.
fn watch(lit: &LitStr) -> syn::Result<Watch> {
    let text = lit.value();
    let tokens: TokenStream = text.parse().map_err(|_| not_an_expression(lit))?;
    let tokens = respan(tokens, lit.span());
    let expr: Expr = syn::parse2(tokens).map_err(|_| not_an_expression(lit))?;
    Ok(Watch {
        name: text.split_whitespace().collect::<Vec<_>>().join(" "),
        expr,
    })
}

fn not_an_expression(lit: &LitStr) -> syn::Error {
    syn::Error::new(
        lit.span(),
        format!(
            "`watch` takes Rust expressions: `{}` is not one (such as \"self.count\" or \
             \"items.len()\")",
            lit.value()
        ),
    )
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = TokenTree::Group(inner);
            }
            token.set_span(span);
            token
        })
        .collect()
}

/// `200`, `None` or `Some(200)`.
fn parse_max_length(input: ParseStream<'_>) -> syn::Result<Option<usize>> {
    struct Length(Option<usize>);
    impl Parse for Length {
        fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
            if input.peek(syn::LitInt) {
                return Ok(Length(Some(input.parse::<syn::LitInt>()?.base10_parse()?)));
            }
            let ident: syn::Ident = input.parse()?;
            if ident == "None" {
                return Ok(Length(None));
            }
            if ident == "Some" {
                let content;
                syn::parenthesized!(content in input);
                return Ok(Length(Some(
                    content.parse::<syn::LitInt>()?.base10_parse()?,
                )));
            }
            Err(syn::Error::new(ident.span(), "not a length"))
        }
    }
    input.parse::<Length>().map(|length| length.0)
}

#[cfg(test)]
mod tests {
    use super::{Color, Options, Output};
    use quote::quote;

    fn error(attr: proc_macro2::TokenStream) -> String {
        match Options::parse(attr) {
            Ok(_) => panic!("accepted"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn snoop_takes_pysnooper_option_names() {
        let options = Options::parse(quote!(
            output = "/tmp/trace.log",
            watch = ("self.count", "items.len()"),
            prefix = "ZZZ ",
            max_variable_length = None,
            relative_time = true,
            thread_info = true,
            color = false,
        ))
        .unwrap_or_else(|error| panic!("{error}"));
        assert!(matches!(options.output, Output::File(_)));
        let names: Vec<&str> = options.watch.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["self.count", "items.len()"]);
        assert_eq!(options.prefix, "ZZZ ");
        assert_eq!(options.max_variable_length, None);
        assert!(options.relative_time && options.thread_info);
        assert!(matches!(options.color, Color::Never));
    }

    #[test]
    fn snoop_defaults_are_pysnooper_defaults() {
        let options = Options::parse(quote!()).unwrap_or_else(|error| panic!("{error}"));
        assert!(matches!(options.output, Output::Stderr));
        assert_eq!(options.max_variable_length, Some(100));
        assert!(matches!(options.color, Color::Auto));
        let options = Options::parse(quote!(max_variable_length = Some(20), watch = "x"))
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(options.max_variable_length, Some(20));
        assert_eq!(options.watch.len(), 1);
    }

    #[test]
    fn snoop_takes_the_output_first_like_pysnooper() {
        let options = Options::parse(quote!("/tmp/x.log", prefix = "> "))
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(matches!(options.output, Output::File(_)));
        assert!(matches!(
            Options::parse(quote!(output = "tracing")).map(|o| o.output),
            Ok(Output::Tracing)
        ));
        assert!(error(quote!("/tmp/x.log", output = "stderr")).contains("given twice"));
    }

    #[test]
    fn snoop_refuses_what_it_does_not_know() {
        assert!(error(quote!(depht = 2)).starts_with("unknown option `depht`"));
        assert!(error(quote!(depth = 2)).starts_with("pysnooper's `depth`"));
        assert!(
            error(quote!(max_variable_length = "long")).starts_with("`max_variable_length` takes")
        );
        assert!(error(quote!(color = 1)).starts_with("`color` takes `true` or `false`"));
        assert!(error(quote!(watch = ("a +",))).contains("is not one"));
        assert!(error(quote!(output = 3)).starts_with("`output` takes"));
        assert!(error(quote!(prefix)).starts_with("`prefix` takes a string"));
    }
}
