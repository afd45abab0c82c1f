//! `cgi.parse_header`: a `Content-Type` or `Content-Disposition` value as its main value and
//! its `; name=value` parameters.

/// A header value split as `cgi.parse_header` splits it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeaderParams {
    /// The part before the first `;`, trimmed (not lower-cased, as in Python).
    pub(crate) value: String,
    params: Vec<(String, String)>,
}

impl HeaderParams {
    /// `cgi.parse_header(line)`: a `;` inside double quotes does not split, parameter names
    /// are lower-cased, a quoted value loses its quotes and its `\\` and `\"` escapes, and a
    /// parameter without `=` is dropped.
    pub(crate) fn parse(line: &str) -> Self {
        let mut parts = split_params(line);
        let value = parts.next().unwrap_or_default().to_owned();
        let params = parts
            .filter_map(|part| {
                let (name, value) = part.split_once('=')?;
                let value = value.trim();
                let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                    Some(inner) => inner.replace("\\\\", "\\").replace("\\\"", "\""),
                    None => value.to_owned(),
                };
                Some((name.trim().to_lowercase(), value))
            })
            .collect();
        Self { value, params }
    }

    /// The parameter `name` (lower case); the last one wins, as in Python's dict.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// `cgi._parseparam(';' + line)`: the `;`-separated parts, trimmed, where a `;` splits only
/// when the quotes before it (not counting `\"`) are balanced.
fn split_params(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let text = rest?;
        let mut end = text.find(';');
        while let Some(at) = end.filter(|&at| at > 0) {
            let before = &text[..at];
            if (before.matches('"').count() - before.matches("\\\"").count()) % 2 == 0 {
                break;
            }
            end = text[at + 1..].find(';').map(|next| at + 1 + next);
        }
        let end = end.unwrap_or(text.len());
        rest = text.get(end + 1..);
        Some(text[..end].trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> (String, Vec<(&'static str, Option<String>)>) {
        let header = HeaderParams::parse(line);
        let names = ["name", "filename", "charset", "boundary", "another", "size"];
        let found = names
            .iter()
            .map(|name| (*name, header.get(name).map(str::to_owned)))
            .filter(|(_, value)| value.is_some())
            .collect();
        (header.value, found)
    }

    fn expect(
        value: &str,
        params: &[(&'static str, &str)],
    ) -> (String, Vec<(&'static str, Option<String>)>) {
        let params = params
            .iter()
            .map(|(name, value)| (*name, Some(value.to_string())))
            .collect();
        (value.to_owned(), params)
    }

    #[test]
    fn cpython_test_parse_header() {
        // Lib/test/test_cgi.py, test_parse_header
        assert_eq!(parsed("text/plain"), expect("text/plain", &[]));
        assert_eq!(
            parsed("text/vnd.just.made.this.up ; "),
            expect("text/vnd.just.made.this.up", &[])
        );
        assert_eq!(
            parsed("text/plain;charset=us-ascii"),
            expect("text/plain", &[("charset", "us-ascii")])
        );
        assert_eq!(
            parsed("text/plain ; charset=\"us-ascii\""),
            expect("text/plain", &[("charset", "us-ascii")])
        );
        assert_eq!(
            parsed("text/plain ; charset=\"us-ascii\"; another=opt"),
            expect("text/plain", &[("charset", "us-ascii"), ("another", "opt")])
        );
        assert_eq!(
            parsed("attachment; filename=\"silly.txt\""),
            expect("attachment", &[("filename", "silly.txt")])
        );
        assert_eq!(
            parsed("attachment; filename=\"strange;name\""),
            expect("attachment", &[("filename", "strange;name")])
        );
        assert_eq!(
            parsed("attachment; filename=\"strange;name\";size=123;"),
            expect(
                "attachment",
                &[("filename", "strange;name"), ("size", "123")]
            )
        );
        assert_eq!(
            parsed("form-data; name=\"files\"; filename=\"fo\\\"o;bar\""),
            expect("form-data", &[("name", "files"), ("filename", "fo\"o;bar")])
        );
    }

    #[test]
    fn names_are_lower_cased_and_the_last_one_wins() {
        // cgi.parse_header(' form-data ; NAME = "x" ; name=y') == ('form-data', {'name': 'y'})
        assert_eq!(
            parsed(" form-data ; NAME = \"x\" ; name=y"),
            expect("form-data", &[("name", "y")])
        );
    }

    #[test]
    fn escapes_and_odd_quotes_behave_as_in_python() {
        // cgi.parse_header('form-data; name="a\\"b"; filename="C:\\\\dir\\\\x.txt"')
        assert_eq!(
            parsed(r#"form-data; name="a\"b"; filename="C:\\dir\\x.txt""#),
            expect(
                "form-data",
                &[("name", "a\"b"), ("filename", r"C:\dir\x.txt")]
            )
        );
        // cgi.parse_header('form-data; name="a\\\\"; filename="b"') == ('form-data', {'name': 'a"; filename="b'})
        assert_eq!(
            parsed(r#"form-data; name="a\\"; filename="b""#),
            expect("form-data", &[("name", "a\"; filename=\"b")])
        );
    }

    #[test]
    fn parameters_without_equals_and_empty_lines() {
        // cgi.parse_header('form-data; name') == ('form-data', {}); parse_header('') == ('', {})
        assert_eq!(parsed("form-data; name"), expect("form-data", &[]));
        assert_eq!(parsed(""), expect("", &[]));
        // cgi.parse_header('form-data; name=""') == ('form-data', {'name': ''})
        assert_eq!(
            parsed("form-data; name=\"\""),
            expect("form-data", &[("name", "")])
        );
        // cgi.parse_header('text/plain;charset=utf-8;;') == ('text/plain', {'charset': 'utf-8'})
        assert_eq!(
            parsed("text/plain;charset=utf-8;;"),
            expect("text/plain", &[("charset", "utf-8")])
        );
    }
}
