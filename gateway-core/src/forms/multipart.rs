//! `multipart/form-data` (RFC 7578 over RFC 2046): the parts of a body held in memory.

use super::header_params::HeaderParams;
use super::{Form, FormError, FormFile, FormOptions};
use bytes::Bytes;
use memchr::memmem;

/// The most bytes of headers one part may have: browsers send a few hundred, and a long
/// file name still fits.
pub const MAX_PART_HEAD_BYTES: usize = 8 * 1024;

/// The `boundary` parameter of `CONTENT_TYPE`, if `cgi.valid_boundary` accepts it: 1 to 201
/// printable ASCII characters, the last not a space.
pub(super) fn boundary(content_type: &HeaderParams) -> Result<String, FormError> {
    let Some(boundary) = content_type.get("boundary") else {
        return Err(malformed("CONTENT_TYPE gives no boundary"));
    };
    let printable = boundary.bytes().all(|b| (b' '..=b'~').contains(&b));
    if !printable || boundary.len() > 201 || boundary.is_empty() || boundary.ends_with(' ') {
        return Err(malformed(format!(
            "the boundary {boundary:?} is not 1 to 201 printable ASCII characters ending in \
             a non-space"
        )));
    }
    Ok(boundary.to_owned())
}

/// Every part of `body`: a part with a `filename` is a file, any other a text field.
pub(super) fn parse(body: Bytes, boundary: &str, options: &FormOptions) -> Result<Form, FormError> {
    let delimiters = Delimiters::new(boundary);
    let Some(mut next) = delimiters.first(&body) else {
        return Err(malformed(format!(
            "the body does not hold the boundary {boundary:?} given in CONTENT_TYPE"
        )));
    };
    let mut form = Form::default();
    let mut parts = 0;
    while let Line::Part(start) = next {
        parts += 1;
        if parts > options.max_fields {
            return Err(FormError::TooManyFields {
                limit: options.max_fields,
            });
        }
        let (head, data_start) = split_head(&body, start)?;
        let Some((data_end, after)) = delimiters.next(&body, data_start) else {
            return Err(malformed("the body ends before its closing boundary"));
        };
        add_part(&mut form, head, body.slice(data_start..data_end))?;
        next = after;
    }
    Ok(form)
}

/// What follows a delimiter line.
enum Line {
    /// A part, starting at this offset.
    Part(usize),
    /// The close delimiter (`--boundary--`): the rest is the epilogue.
    Close,
}

/// Finds `--boundary` lines. Lines end in CRLF, or in a bare LF as `cgi` and werkzeug also
/// accept.
struct Delimiters {
    /// `\n--boundary`: a delimiter with the line break before it, which belongs to it.
    finder: memmem::Finder<'static>,
}

impl Delimiters {
    fn new(boundary: &str) -> Self {
        let needle = format!("\n--{boundary}").into_bytes();
        Self {
            finder: memmem::Finder::new(&needle).into_owned(),
        }
    }

    /// The first delimiter: at the very start, or after the preamble.
    fn first(&self, body: &[u8]) -> Option<Line> {
        let dash_boundary = &self.finder.needle()[1..];
        if body.starts_with(dash_boundary) {
            if let Some(line) = line_after(body, dash_boundary.len()) {
                return Some(line);
            }
        }
        self.next(body, 0).map(|(_, line)| line)
    }

    /// The next delimiter from `from`: where the data before it ends (without the line
    /// break), and what follows. `--boundaryX` inside a part is data, not a delimiter.
    fn next(&self, body: &[u8], from: usize) -> Option<(usize, Line)> {
        let needle = self.finder.needle().len();
        let mut at = from;
        loop {
            let found = at + self.finder.find(&body[at..])?;
            if let Some(line) = line_after(body, found + needle) {
                let cr = found > from && body[found - 1] == b'\r';
                return Some((found - usize::from(cr), line));
            }
            at = found + 1;
        }
    }
}

/// After `--boundary` at `at`: `--` closes, spaces or tabs then a line break open a part,
/// anything else means it was not a delimiter.
fn line_after(body: &[u8], at: usize) -> Option<Line> {
    let rest = &body[at..];
    if rest.starts_with(b"--") {
        return Some(Line::Close);
    }
    let padding = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    line_break(&rest[padding..]).map(|length| Line::Part(at + padding + length))
}

/// The length of the line break `text` starts with, if it starts with one.
fn line_break(text: &[u8]) -> Option<usize> {
    if text.starts_with(b"\r\n") {
        Some(2)
    } else if text.starts_with(b"\n") {
        Some(1)
    } else {
        None
    }
}

/// The part's header block (decoded as UTF-8 with U+FFFD, as `cgi` decoded it) and where
/// its data starts: after the first empty line.
fn split_head(body: &[u8], start: usize) -> Result<(String, usize), FormError> {
    let rest = &body[start..];
    if let Some(length) = line_break(rest) {
        return Ok((String::new(), start + length)); // a part with no header at all
    }
    let window = &rest[..rest.len().min(MAX_PART_HEAD_BYTES + 3)];
    let blank_line = [&b"\n\r\n"[..], b"\n\n"]
        .into_iter()
        .filter_map(|ending| Some((memmem::find(window, ending)?, ending.len())))
        .min();
    match blank_line {
        Some((end, length)) => Ok((
            String::from_utf8_lossy(&rest[..=end]).into_owned(), // with its last line break
            start + end + length,
        )),
        None if rest.len() > window.len() => Err(malformed(format!(
            "a part's headers are longer than {MAX_PART_HEAD_BYTES} bytes"
        ))),
        None => Err(malformed("the body ends inside a part's headers")),
    }
}

/// Files the part away by its `Content-Disposition` (`name`, `filename`) and
/// `Content-Type`.
fn add_part(form: &mut Form, head: String, data: Bytes) -> Result<(), FormError> {
    let mut disposition = None;
    let mut content_type = None;
    for (name, value) in header_lines(&head)? {
        if name.eq_ignore_ascii_case("content-disposition") {
            disposition = Some(HeaderParams::parse(&value));
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value);
        }
    }
    let disposition = disposition.unwrap_or_else(|| HeaderParams::parse(""));
    let Some(name) = disposition.get("name") else {
        return Err(malformed(
            "a part has no name (its Content-Disposition must be form-data; name=\"...\")",
        ));
    };
    match disposition.get("filename") {
        Some(filename) => form.files.push(FormFile {
            name: name.to_owned(),
            filename: filename.to_owned(),
            content_type: content_type.unwrap_or_else(|| "text/plain".to_owned()),
            data,
        }),
        None => form.fields.append(name, String::from_utf8_lossy(&data)),
    }
    Ok(())
}

/// `Name: value` lines; a line that starts with a space or tab continues the one before.
fn header_lines(head: &str) -> Result<Vec<(&str, String)>, FormError> {
    let mut headers: Vec<(&str, String)> = Vec::new();
    for line in head.lines() {
        if let (Some((_, value)), true) = (headers.last_mut(), line.starts_with([' ', '\t'])) {
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(malformed(format!(
                "the part header line {line:?} has no colon"
            )));
        };
        headers.push((name.trim(), value.trim().to_owned()));
    }
    Ok(headers)
}

fn malformed(problem: impl Into<String>) -> FormError {
    FormError::Malformed {
        problem: problem.into(),
    }
}

#[cfg(test)]
mod tests;
