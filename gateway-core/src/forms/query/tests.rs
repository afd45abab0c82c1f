//! Expected values come from CPython 3.11.7 (`python3 -c 'from urllib.parse import *; ...'`),
//! most of them from its own `Lib/test/test_urlparse.py`.

use super::*;

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn blank(keep_blank_values: bool) -> QueryOptions {
    QueryOptions {
        keep_blank_values,
        ..Default::default()
    }
}

fn strict(keep_blank_values: bool) -> QueryOptions {
    QueryOptions {
        strict_parsing: true,
        ..blank(keep_blank_values)
    }
}

/// test_urlparse.py's `parse_qsl_test_cases` (the str half; the bytes half is the same text).
const PARSE_QSL_TEST_CASES: &[(&str, &[(&str, &str)])] = &[
    ("", &[]),
    ("&", &[]),
    ("&&", &[]),
    ("=", &[("", "")]),
    ("=a", &[("", "a")]),
    ("a", &[("a", "")]),
    ("a=", &[("a", "")]),
    ("&a=b", &[("a", "b")]),
    ("a=a+b&b=b+c", &[("a", "a b"), ("b", "b c")]),
    ("a=1&a=2", &[("a", "1"), ("a", "2")]),
    (";a=b", &[(";a", "b")]),
    ("a=a+b;b=b+c", &[("a", "a b;b=b c")]),
];

#[test]
fn cpython_parse_qsl_test_cases_keep_blank_values() {
    // parse_qsl(orig, keep_blank_values=True) == expect
    for (query, expected) in PARSE_QSL_TEST_CASES {
        assert_eq!(
            parse_qsl(query, &blank(true)),
            Ok(pairs(expected)),
            "{query:?}"
        );
    }
}

#[test]
fn cpython_parse_qsl_test_cases_without_blanks() {
    // parse_qsl(orig, keep_blank_values=False) == [v for v in expect if len(v[1])]
    for (query, expected) in PARSE_QSL_TEST_CASES {
        let without: Vec<_> = pairs(expected)
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .collect();
        assert_eq!(parse_qsl(query, &blank(false)), Ok(without), "{query:?}");
    }
}

#[test]
fn cpython_parse_qs_groups_values_by_name() {
    // parse_qs("a=1&a=2", keep_blank_values=True) == {'a': ['1', '2']}
    let query = parse_qs("a=1&a=2", &blank(true)).unwrap();
    assert_eq!(query.get_all("a"), ["1", "2"]);
    // parse_qs("=a", keep_blank_values=True) == {'': ['a']}
    assert_eq!(parse_qs("=a", &blank(true)).unwrap().get_all(""), ["a"]);
    // parse_qs("&&", keep_blank_values=True) == {}
    assert!(parse_qs("&&", &blank(true)).unwrap().is_empty());
    // parse_qs("a=a+b&b=b+c") == {'a': ['a b'], 'b': ['b c']}
    let query = parse_qs("a=a+b&b=b+c", &blank(false)).unwrap();
    assert_eq!(format!("{query:?}"), r#"{"a": ["a b"], "b": ["b c"]}"#);
}

#[test]
fn cpython_separator_cases() {
    // test_parse_qsl_separator: parse_qsl(orig, separator=';')
    let semicolon = QueryOptions {
        separator: ";".into(),
        ..Default::default()
    };
    let cases: &[(&str, &[(&str, &str)])] = &[
        (";", &[]),
        (";;", &[]),
        (";a=b", &[("a", "b")]),
        ("a=a+b;b=b+c", &[("a", "a b"), ("b", "b c")]),
        ("a=1;a=2", &[("a", "1"), ("a", "2")]),
    ];
    for (query, expected) in cases {
        assert_eq!(
            parse_qsl(query, &semicolon),
            Ok(pairs(expected)),
            "{query:?}"
        );
    }
    // parse_qsl("a=1;b=2&c=3", separator=';', keep_blank_values=True)
    assert_eq!(
        parse_qsl("a=1;b=2&c=3", &semicolon),
        Ok(pairs(&[("a", "1"), ("b", "2&c=3")]))
    );
}

#[test]
fn a_separator_may_be_longer_than_one_character() {
    // parse_qsl("a=1::b=2:::c=3", separator="::") == [('a', '1'), ('b', '2'), (':c', '3')]
    let options = QueryOptions {
        separator: "::".into(),
        ..Default::default()
    };
    let expected = pairs(&[("a", "1"), ("b", "2"), (":c", "3")]);
    assert_eq!(parse_qsl("a=1::b=2:::c=3", &options), Ok(expected));
}

#[test]
fn an_empty_separator_is_refused() {
    // parse_qsl("a", separator="") raises ValueError
    let options = QueryOptions {
        separator: "".into(),
        ..Default::default()
    };
    assert_eq!(parse_qsl("a", &options), Err(QueryError::EmptySeparator));
}

#[test]
fn cpython_max_num_fields() {
    // test_parse_qsl_max_num_fields: 11 fields over a limit of 10 raise, 10 do not.
    let options = QueryOptions {
        max_num_fields: Some(10),
        ..Default::default()
    };
    let eleven = ["a=a"; 11].join("&");
    assert_eq!(
        parse_qs(&eleven, &options),
        Err(QueryError::TooManyFields {
            limit: 10,
            found: 11
        })
    );
    assert_eq!(
        parse_qs(&eleven[4..], &options).unwrap().get_all("a").len(),
        10
    );
}

#[test]
fn max_num_fields_counts_separators_as_python_does() {
    let limit = |max: usize, separator: &'static str| QueryOptions {
        max_num_fields: Some(max),
        separator: separator.into(),
        ..Default::default()
    };
    // parse_qsl("", max_num_fields=0) == []
    assert_eq!(parse_qsl("", &limit(0, "&")), Ok(vec![]));
    // parse_qsl("a", max_num_fields=0) and parse_qsl("&", max_num_fields=1) raise
    assert!(parse_qsl("a", &limit(0, "&")).is_err());
    assert!(parse_qsl("&", &limit(1, "&")).is_err());
    // parse_qsl("a=1;b=2", max_num_fields=1) == [('a', '1;b=2')]
    assert_eq!(
        parse_qsl("a=1;b=2", &limit(1, "&")),
        Ok(pairs(&[("a", "1;b=2")]))
    );
    // parse_qsl("a=1::b=2:::c=3", separator="::", max_num_fields=2) raises; 3 passes
    assert!(parse_qsl("a=1::b=2:::c=3", &limit(2, "::")).is_err());
    assert!(parse_qsl("a=1::b=2:::c=3", &limit(3, "::")).is_ok());
}

#[test]
fn strict_parsing_refuses_a_field_without_equals_and_names_it() {
    // parse_qsl("a&b=1", strict_parsing=True): ValueError("bad query field: 'a'")
    for keep in [false, true] {
        assert_eq!(
            parse_qsl("a&b=1", &strict(keep)),
            Err(QueryError::BadField { field: "a".into() })
        );
    }
    let error = parse_qsl("a&b=1", &strict(false)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "bad query field \"a\": strict parsing wants every field as name=value"
    );
}

#[test]
fn strict_parsing_refuses_empty_fields() {
    // parse_qsl("a=1&&b=2" / "&" / "a=1&", strict_parsing=True): bad query field: ''
    for query in ["a=1&&b=2", "&", "a=1&"] {
        assert_eq!(
            parse_qsl(query, &strict(false)),
            Err(QueryError::BadField { field: "".into() }),
            "{query:?}"
        );
    }
}

#[test]
fn strict_parsing_accepts_what_has_equals() {
    // parse_qsl("", strict_parsing=True) == []
    assert_eq!(parse_qsl("", &strict(false)), Ok(vec![]));
    // parse_qsl("=a", strict_parsing=True) == [('', 'a')]
    assert_eq!(parse_qsl("=a", &strict(false)), Ok(pairs(&[("", "a")])));
    // parse_qsl("a=1;b=2", strict_parsing=True) == [('a', '1;b=2')]
    assert_eq!(
        parse_qsl("a=1;b=2", &strict(false)),
        Ok(pairs(&[("a", "1;b=2")]))
    );
    // parse_qsl("a=&b=1", strict_parsing=True) == [('b', '1')]: blank, not bad
    assert_eq!(
        parse_qsl("a=&b=1", &strict(false)),
        Ok(pairs(&[("b", "1")]))
    );
}

#[test]
fn percent_escapes_decode_as_utf8_with_replacement() {
    // parse_qsl(q, keep_blank_values=True) for each q
    let cases = [
        ("a=%C3%A9", "é"),
        ("a=%e2%82%ac", "€"),
        ("a=%E9", "\u{FFFD}"),
        ("a=caf%C3", "caf\u{FFFD}"),
        ("a=%F0%9F%98", "\u{FFFD}"),
        ("a=%ED%A0%80", "\u{FFFD}\u{FFFD}\u{FFFD}"),
        ("a=%C0%AF", "\u{FFFD}\u{FFFD}"),
        ("a=%C3é%A9", "\u{FFFD}é\u{FFFD}"),
        ("a=%zz%4", "%zz%4"),
        ("a=%%41", "%A"),
        ("a=%00", "\0"),
    ];
    for (query, value) in cases {
        assert_eq!(
            parse_qsl(query, &blank(true)),
            Ok(pairs(&[("a", value)])),
            "{query:?}"
        );
    }
}

#[test]
fn names_are_decoded_like_values_and_split_on_the_first_equals() {
    // parse_qsl("a%20b=c+d") == [('a b', 'c d')]; parse_qsl("a=1+2%2B3") == [('a', '1 2+3')]
    assert_eq!(
        parse_qsl("a%20b=c+d", &blank(false)),
        Ok(pairs(&[("a b", "c d")]))
    );
    assert_eq!(
        parse_qsl("a=1+2%2B3", &blank(false)),
        Ok(pairs(&[("a", "1 2+3")]))
    );
    // parse_qsl("a=b=c") == [('a', 'b=c')]; parse_qsl("é=%A9") == [('é', '\ufffd')]
    assert_eq!(
        parse_qsl("a=b=c", &blank(false)),
        Ok(pairs(&[("a", "b=c")]))
    );
    assert_eq!(
        parse_qsl("é=%A9", &blank(false)),
        Ok(pairs(&[("é", "\u{FFFD}")]))
    );
}

#[test]
fn environ_query_is_parse_qs_of_query_string_with_defaults() {
    // parse_qs("q=rust&tag=a&tag=b&blank=") == {'q': ['rust'], 'tag': ['a', 'b']}
    let environ = Environ::builder()
        .uri("/?q=rust&tag=a&tag=b&blank=")
        .build();
    let query = environ.query();
    assert_eq!(
        format!("{query:?}"),
        r#"{"q": ["rust"], "tag": ["a", "b"]}"#
    );
    assert!(Environ::builder().build().query().is_empty());
}
