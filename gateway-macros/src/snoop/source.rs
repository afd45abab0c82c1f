//! Line numbers and the text of source lines, for the trace's `line` events.
//!
//! pysnooper prints each line as it is in the file. Inside the compiler, a token's
//! `proc_macro::Span` knows its line and file (`Span::line`, `Span::local_file`, stable since
//! Rust 1.88), so the macro reads the file once per expansion and embeds each traced line's
//! text as a string literal: the program never reads its sources at run time. When the file
//! cannot be read (tokens made by another macro), the statement's own tokens stand in.
//! Outside the compiler (this crate's unit tests) there are no lines: 0 and the tokens.

use proc_macro2::{Span, TokenStream, TokenTree};
use std::collections::HashMap;
use std::path::PathBuf;

/// A line of source: its number and its text, as in the file.
pub(crate) struct Line {
    pub(crate) number: u32,
    pub(crate) text: String,
}

/// The files read so far in this expansion (never cached across expansions: an editor's
/// long-running macro server would show stale lines).
#[derive(Default)]
pub(crate) struct Source {
    files: HashMap<PathBuf, Option<Vec<String>>>,
}

impl Source {
    /// The line `span` starts on; `tokens` stand in for its text when the file is unreadable.
    pub(crate) fn line(&mut self, span: Span, tokens: &TokenStream) -> Line {
        let Some((number, file)) = location(span) else {
            return Line {
                number: 0,
                text: first_line(&tokens.to_string()),
            };
        };
        let text = file
            .and_then(|file| self.text(file, number))
            .or_else(|| span.source_text().map(|text| first_line(&text)))
            .unwrap_or_else(|| first_line(&tokens.to_string()));
        Line {
            number: u32::try_from(number).unwrap_or(u32::MAX),
            text,
        }
    }

    fn text(&mut self, file: PathBuf, number: usize) -> Option<String> {
        let lines = self.files.entry(file).or_insert_with_key(|file| {
            std::fs::read_to_string(file)
                .ok()
                .map(|text| text.lines().map(str::to_owned).collect())
        });
        let line = lines.as_ref()?.get(number.checked_sub(1)?)?;
        Some(line.trim_end().to_owned())
    }
}

/// The path printed after `Source path:...`: the file of `span`, absolute (as Python's
/// `co_filename`), or `None` outside the compiler.
pub(crate) fn path(span: Span) -> Option<String> {
    let (_, file) = location(span)?;
    let file = file?;
    let absolute = std::fs::canonicalize(&file).unwrap_or(file);
    Some(absolute.display().to_string())
}

/// The line of `span` and its file, inside the compiler.
fn location(span: Span) -> Option<(usize, Option<PathBuf>)> {
    if !proc_macro::is_available() {
        return None;
    }
    let span = span.unwrap();
    Some((span.line(), span.local_file()))
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_owned()
}

/// The span of the first token of `tokens` after its outer attributes (`#[allow(..)] x = 1`
/// starts at `x`).
pub(crate) fn start(tokens: &TokenStream) -> Span {
    let mut iter = tokens.clone().into_iter().peekable();
    loop {
        match iter.next() {
            Some(TokenTree::Punct(pound)) if pound.as_char() == '#' => {
                if matches!(iter.peek(), Some(TokenTree::Group(_))) {
                    iter.next();
                    continue;
                }
                return pound.span();
            }
            Some(token) => return token.span(),
            None => return Span::call_site(),
        }
    }
}
