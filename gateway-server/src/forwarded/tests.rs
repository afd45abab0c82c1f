use super::*;
use http::HeaderValue;

fn nets(list: &[&str]) -> TrustedProxies {
    TrustedProxies::new(list.iter().map(|net| net.parse().unwrap()).collect())
}

fn loopback() -> TrustedProxies {
    nets(&["127.0.0.1", "::1"])
}

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn networks_match_by_prefix_and_star_matches_everyone() {
    let net: ProxyNet = "10.0.0.0/8".parse().unwrap();
    assert!(net.contains(ip("10.1.2.3")));
    assert!(!net.contains(ip("11.0.0.1")));
    assert!(
        net.contains(ip("::ffff:10.0.0.1")),
        "IPv4-mapped IPv6 counts as IPv4"
    );
    let v6: ProxyNet = "fd00::/8".parse().unwrap();
    assert!(v6.contains(ip("fd12::1")));
    assert!(!v6.contains(ip("10.0.0.1")));
    let zero: ProxyNet = "0.0.0.0/0".parse().unwrap();
    assert!(zero.contains(ip("8.8.8.8")));
    assert!("*".parse::<ProxyNet>().unwrap().contains(ip("2001:db8::1")));
    assert_eq!(net.to_string(), "10.0.0.0/8");
    assert_eq!("::1".parse::<ProxyNet>().unwrap().to_string(), "::1");
}

#[test]
fn bad_networks_say_what_was_expected() {
    assert!("localhost"
        .parse::<ProxyNet>()
        .unwrap_err()
        .contains("expected an IP address"));
    assert!("10.0.0.0/33"
        .parse::<ProxyNet>()
        .unwrap_err()
        .contains("0 to 32"));
}

#[test]
fn a_trusted_proxy_sets_the_client_and_the_scheme() {
    let request = headers(&[
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
    ]);
    let forwarded = loopback().resolve(ip("127.0.0.1"), &request);
    assert_eq!(forwarded.client, Some((ip("203.0.113.7"), None)));
    assert_eq!(forwarded.https, Some(true));
}

#[test]
fn an_untrusted_peer_cannot_spoof_its_address_or_scheme() {
    let request = headers(&[
        ("x-forwarded-for", "10.9.9.9"),
        ("x-forwarded-proto", "https"),
        ("forwarded", "for=10.9.9.9;proto=https"),
    ]);
    let forwarded = loopback().resolve(ip("198.51.100.20"), &request);
    assert_eq!(forwarded, Forwarded::default());
}

#[test]
fn a_client_cannot_spoof_through_a_trusted_proxy_that_appends() {
    // The client sent `X-Forwarded-For: 127.0.0.1` itself; nginx appended the real address.
    let request = headers(&[("x-forwarded-for", "127.0.0.1, 198.51.100.20")]);
    let forwarded = loopback().resolve(ip("127.0.0.1"), &request);
    assert_eq!(forwarded.client, Some((ip("198.51.100.20"), None)));
}

#[test]
fn trusted_hops_are_skipped_from_the_nearest_outwards() {
    let proxies = nets(&["127.0.0.1", "10.0.0.0/8"]);
    let request = headers(&[
        ("x-forwarded-for", "198.51.100.1, 203.0.113.9"),
        ("x-forwarded-for", "10.0.0.2"),
    ]);
    let forwarded = proxies.resolve(ip("127.0.0.1"), &request);
    assert_eq!(forwarded.client, Some((ip("203.0.113.9"), None)));
    let all_trusted = headers(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]);
    let forwarded = proxies.resolve(ip("127.0.0.1"), &all_trusted);
    assert_eq!(forwarded.client, Some((ip("10.0.0.3"), None)));
}

#[test]
fn garbage_in_the_chain_leaves_the_client_unknown() {
    let request = headers(&[("x-forwarded-for", "not-an-ip")]);
    assert_eq!(loopback().resolve(ip("127.0.0.1"), &request).client, None);
    let request = headers(&[("x-forwarded-proto", "gopher")]);
    assert_eq!(loopback().resolve(ip("127.0.0.1"), &request).https, None);
}

#[test]
fn protos_line_up_with_hops_when_every_proxy_appended_one() {
    let proxies = nets(&["127.0.0.1", "10.0.0.0/8"]);
    let request = headers(&[
        ("x-forwarded-for", "203.0.113.9, 10.0.0.2"),
        ("x-forwarded-proto", "https, http"),
    ]);
    let forwarded = proxies.resolve(ip("127.0.0.1"), &request);
    assert_eq!(forwarded.client, Some((ip("203.0.113.9"), None)));
    assert_eq!(forwarded.https, Some(true));
}

#[test]
fn rfc_7239_forwarded_is_used_when_there_is_no_x_forwarded_header() {
    let request = headers(&[(
        "forwarded",
        "for=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.1",
    )]);
    let forwarded = loopback().resolve(ip("::1"), &request);
    assert_eq!(
        forwarded.client,
        Some((ip("2001:db8:cafe::17"), Some(4711)))
    );
    assert_eq!(forwarded.https, Some(true));
    let request = headers(&[("forwarded", "for=192.0.2.60;proto=http, for=127.0.0.1")]);
    let forwarded = loopback().resolve(ip("127.0.0.1"), &request);
    assert_eq!(forwarded.client, Some((ip("192.0.2.60"), None)));
    assert_eq!(forwarded.https, Some(false));
    let unknown = headers(&[("forwarded", "for=unknown")]);
    assert_eq!(loopback().resolve(ip("127.0.0.1"), &unknown).client, None);
}

#[test]
fn x_forwarded_headers_win_over_forwarded() {
    let request = headers(&[
        ("forwarded", "for=192.0.2.60"),
        ("x-forwarded-for", "198.51.100.1"),
    ]);
    let forwarded = loopback().resolve(ip("127.0.0.1"), &request);
    assert_eq!(forwarded.client, Some((ip("198.51.100.1"), None)));
}

#[test]
fn a_request_without_forwarding_headers_says_nothing() {
    let forwarded = loopback().resolve(ip("127.0.0.1"), &HeaderMap::new());
    assert_eq!(forwarded, Forwarded::default());
}
