//! Expected values come from CPython 3.11.7: `c = SimpleCookie(); c[name] = value`, the
//! attributes set on `c[name]`, then `c[name].OutputString()`; several are from its own
//! `Lib/test/test_http_cookies.py`.

use super::*;
use crate::forms::Cookies;

fn value(cookie: SetCookie) -> String {
    cookie.header().expect("a cookie that can be sent").1
}

#[test]
fn a_plain_value_goes_out_as_it_is() {
    assert_eq!(
        SetCookie::new("a", "b").header(),
        Ok(("Set-Cookie", "a=b".to_owned()))
    );
    // c['key:term'] = 'value:term' -> 'key:term=value:term'
    assert_eq!(
        value(SetCookie::new("key:term", "value:term")),
        "key:term=value:term"
    );
}

#[test]
fn other_values_are_quoted_as_python_quotes_them() {
    // test_extended_encode: c['val'] = "some,funky;stuff"
    assert_eq!(
        value(SetCookie::new("val", "some,funky;stuff")),
        r#"val="some\054funky\073stuff""#
    );
    // test_comment_quoting: c['foo'] = '\N{COPYRIGHT SIGN}'
    assert_eq!(value(SetCookie::new("foo", "\u{a9}")), r#"foo="\251""#);
    let cases = [
        ("", r#"a="""#),
        ("b c;d,e\"f\\g", r#"a="b c\073d\054e\"f\\g""#),
        (
            "tab\there\r\nx\x7f\u{e9}",
            r#"a="tab\011here\015\012x\177\351""#,
        ),
        ("(x)/<y>=?@[z]{w}", r#"a="(x)/<y>=?@[z]{w}""#),
    ];
    for (text, expected) in cases {
        assert_eq!(value(SetCookie::new("a", text)), expected, "{text:?}");
    }
}

#[test]
fn quoted_values_read_back_to_the_same_text() {
    for text in [
        "",
        "a b;c",
        "quote\" and \\",
        "line\r\nbreak",
        "caf\u{e9}",
        "x=y, z",
    ] {
        let header = value(SetCookie::new("n", text));
        assert_eq!(Cookies::parse(&header).get("n"), Some(text), "{header}");
    }
}

#[test]
fn attributes_come_in_python_order() {
    // c['session'] = 'abc'; path, domain, max-age, secure, httponly, samesite, expires
    let cookie = SetCookie::new("session", "abc")
        .path("/")
        .domain("example.com")
        .max_age(3600)
        .secure(true)
        .http_only(true)
        .same_site(SameSite::Lax)
        .expires(UNIX_EPOCH + Duration::from_secs(1_445_412_480));
    assert_eq!(
        value(cookie),
        "session=abc; Domain=example.com; expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly; \
         Max-Age=3600; Path=/; SameSite=Lax; Secure"
    );
}

#[test]
fn cpython_attribute_cases() {
    // test_special_attrs: c['Customer']['max-age'] = 10
    assert_eq!(
        value(SetCookie::new("Customer", "WILE_E_COYOTE").max_age(10)),
        "Customer=WILE_E_COYOTE; Max-Age=10"
    );
    // test_set_secure_httponly_attrs
    assert_eq!(
        value(
            SetCookie::new("Customer", "WILE_E_COYOTE")
                .secure(true)
                .http_only(true)
        ),
        "Customer=WILE_E_COYOTE; HttpOnly; Secure"
    );
    // test_samesite_attrs
    assert_eq!(
        value(SetCookie::new("Customer", "WILE_E_COYOTE").same_site(SameSite::Strict)),
        "Customer=WILE_E_COYOTE; SameSite=Strict"
    );
    // c['id']['domain'] = 'example.com'; secure; samesite = 'None'; max-age = 0
    let cookie = SetCookie::new("id", "a3fWa")
        .domain("example.com")
        .secure(true)
        .same_site(SameSite::None)
        .max_age(0);
    assert_eq!(
        value(cookie),
        "id=a3fWa; Domain=example.com; Max-Age=0; SameSite=None; Secure"
    );
    // an empty attribute is left out: c['a']['path'] = '' -> 'a=b'
    assert_eq!(
        value(SetCookie::new("a", "b").path("").max_age(-1)),
        "a=b; Max-Age=-1"
    );
}

#[test]
fn expires_outside_http_dates_is_clamped() {
    let before = UNIX_EPOCH - Duration::from_secs(1);
    assert_eq!(
        value(SetCookie::new("a", "b").expires(before)),
        "a=b; expires=Thu, 01 Jan 1970 00:00:00 GMT"
    );
    let after = UNIX_EPOCH + Duration::from_secs(300_000_000_000);
    assert_eq!(
        value(SetCookie::new("a", "b").expires(after)),
        "a=b; expires=Fri, 31 Dec 9999 23:59:59 GMT"
    );
}

#[test]
fn python_refuses_illegal_and_reserved_names() {
    // c['a b'] = 'b': CookieError("Illegal key 'a b'"); likewise '' and 'a='
    for name in ["a b", "", "a=", "a;b", "a\r\nSet-Cookie: x"] {
        assert_eq!(
            SetCookie::new(name, "b").header(),
            Err(CookieError::IllegalName { name: name.into() })
        );
    }
    // c['path'] = 'b', c['Max-Age'] = 'b': CookieError("Attempt to set a reserved key ...")
    for name in ["path", "Max-Age", "SameSite"] {
        assert_eq!(
            SetCookie::new(name, "b").header(),
            Err(CookieError::ReservedName { name: name.into() })
        );
    }
}

#[test]
fn what_would_break_the_header_is_refused() {
    assert_eq!(
        SetCookie::new("a", "5 €").header(),
        Err(CookieError::ValueOutsideLatin1 {
            name: "a".into(),
            character: '€'
        })
    );
    for path in ["/a;Domain=evil", "/a\r\nX: y", "/caf\u{e9}"] {
        assert!(matches!(
            SetCookie::new("a", "b").path(path).header(),
            Err(CookieError::InvalidAttribute {
                attribute: "Path",
                ..
            })
        ));
    }
    let error = SetCookie::new("a", "b").domain("x;y").header().unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid Domain \"x;y\" for cookie \"a\": it must be printable ASCII without ';'"
    );
}

#[test]
fn same_site_none_needs_secure() {
    let error = SetCookie::new("a", "b")
        .same_site(SameSite::None)
        .header()
        .unwrap_err();
    assert_eq!(
        error,
        CookieError::SameSiteNoneWithoutSecure { name: "a".into() }
    );
    assert!(error.to_string().contains("add .secure(true)"));
}
