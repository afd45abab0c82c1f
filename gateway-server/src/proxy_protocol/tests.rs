use super::*;

fn read(bytes: &[u8], max_size: usize) -> (Result<ProxyHeader, ProxyError>, usize) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut reader = bytes;
    let result = runtime.block_on(read_header(&mut reader, max_size));
    (result, reader.len())
}

fn proxied(source: &str, destination: &str) -> ProxyHeader {
    ProxyHeader::Proxied {
        source: source.parse().unwrap(),
        destination: destination.parse().unwrap(),
    }
}

/// A v2 header: `command` (0 LOCAL, 1 PROXY), `family` byte, address block and TLVs.
fn v2(command: u8, family: u8, block: &[u8]) -> Vec<u8> {
    let mut header = V2_SIGNATURE.to_vec();
    header.push(0x20 | command);
    header.push(family);
    header.extend_from_slice(&(block.len() as u16).to_be_bytes());
    header.extend_from_slice(block);
    header
}

fn v4_block() -> Vec<u8> {
    let mut block = vec![192, 0, 2, 1, 10, 0, 0, 1];
    block.extend_from_slice(&56324u16.to_be_bytes());
    block.extend_from_slice(&443u16.to_be_bytes());
    block
}

#[test]
fn v1_tcp4_and_tcp6_give_the_client_and_leave_the_request() {
    let mut bytes = b"PROXY TCP4 192.0.2.1 10.0.0.1 56324 443\r\n".to_vec();
    bytes.extend_from_slice(b"GET / HTTP/1.1\r\n\r\n");
    let (header, left) = read(&bytes, 8192);
    assert_eq!(header.unwrap(), proxied("192.0.2.1:56324", "10.0.0.1:443"));
    assert_eq!(left, 18, "the request is still in the stream");

    let line = b"PROXY TCP6 2001:db8::1 2001:db8::2 4711 80\r\n";
    assert_eq!(
        read(line, 8192).0.unwrap(),
        proxied("[2001:db8::1]:4711", "[2001:db8::2]:80")
    );
    let shortest = b"PROXY TCP6 :: :: 1 1\r\nGET";
    let (header, left) = read(shortest, 8192);
    assert_eq!(header.unwrap(), proxied("[::]:1", "[::]:1"));
    assert_eq!(left, 3);
    let shortest = b"PROXY TCP4 1.1.1.1 1.1.1.1 1 1\r\nGET";
    let (header, left) = read(shortest, 8192);
    assert_eq!(header.unwrap(), proxied("1.1.1.1:1", "1.1.1.1:1"));
    assert_eq!(left, 3);
}

#[test]
fn v1_unknown_is_the_balancers_own_connection() {
    let (header, left) = read(b"PROXY UNKNOWN\r\nGET", 8192);
    assert_eq!(header.unwrap(), ProxyHeader::Local);
    assert_eq!(left, 3);
    let (header, _) = read(b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", 8192);
    assert_eq!(header.unwrap(), ProxyHeader::Local);
}

#[test]
fn v1_mistakes_are_named() {
    for (line, problem) in [
        (
            &b"PROXY TCP4 192.0.2.1 10.0.0.1 56324\r\n"[..],
            "five fields",
        ),
        (
            b"PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n",
            "does not match its protocol",
        ),
        (
            b"PROXY TCP4 192.0.2.1 10.0.0.1 65536 2\r\n",
            "from 0 to 65535",
        ),
        (b"PROXY TCP4 192.0.2.1 10.0.0.1 -1 2\r\n", "from 0 to 65535"),
        (
            b"PROXY UDP4 192.0.2.1 10.0.0.1 1 2\r\n",
            "not TCP4, TCP6 or UNKNOWN",
        ),
        (b"PROXY TCP4  192.0.2.1 10.0.0.1 1 2\r\n", "five fields"),
    ] {
        let message = read(line, 8192).0.unwrap_err().to_string();
        assert!(message.contains(problem), "{line:?}: {message}");
    }
    let endless = [b"PROXY TCP4 ".as_slice(), &[b'1'; 200]].concat();
    assert_eq!(
        read(&endless, 8192).0.unwrap_err().to_string(),
        "a PROXY protocol v1 header has no line end within its 107 bytes"
    );
}

#[test]
fn v2_proxy_gives_ipv4_and_ipv6_clients_and_skips_tlvs() {
    let mut bytes = v2(1, 0x11, &v4_block());
    bytes.extend_from_slice(b"GET");
    let (header, left) = read(&bytes, 8192);
    assert_eq!(header.unwrap(), proxied("192.0.2.1:56324", "10.0.0.1:443"));
    assert_eq!(left, 3);

    let mut block = Vec::new();
    block.extend_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
    block.extend_from_slice(&"2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
    block.extend_from_slice(&4711u16.to_be_bytes());
    block.extend_from_slice(&80u16.to_be_bytes());
    block.extend_from_slice(&[0x04, 0x00, 0x02, b'o', b'k']); // a NOOP TLV
    assert_eq!(
        read(&v2(1, 0x21, &block), 8192).0.unwrap(),
        proxied("[2001:db8::1]:4711", "[2001:db8::2]:80")
    );
}

#[test]
fn v2_local_unspec_and_unix_keep_the_sockets_addresses() {
    assert_eq!(
        read(&v2(0, 0x11, &v4_block()), 8192).0.unwrap(),
        ProxyHeader::Local
    );
    assert_eq!(read(&v2(1, 0x00, &[]), 8192).0.unwrap(), ProxyHeader::Local);
    assert_eq!(
        read(&v2(1, 0x31, &[0; 216]), 8192).0.unwrap(),
        ProxyHeader::Local
    );
}

#[test]
fn v2_mistakes_are_named() {
    let mut bad_version = v2(1, 0x11, &v4_block());
    bad_version[12] = 0x11;
    assert!(read(&bad_version, 8192)
        .0
        .unwrap_err()
        .to_string()
        .contains("version is not 2"));
    assert!(read(&v2(2, 0x11, &v4_block()), 8192)
        .0
        .unwrap_err()
        .to_string()
        .contains("neither LOCAL nor PROXY"));
    assert!(read(&v2(1, 0x11, &[1, 2, 3]), 8192)
        .0
        .unwrap_err()
        .to_string()
        .contains("too short for its family"));
    assert!(read(&v2(1, 0x51, &v4_block()), 8192)
        .0
        .unwrap_err()
        .to_string()
        .contains("family is unknown"));
    assert_eq!(
        read(&v2(1, 0x11, &[0; 9000]), 8192)
            .0
            .unwrap_err()
            .to_string(),
        "a PROXY protocol v2 header of 9016 bytes arrived, over the limit of 8192 \
         (--max-head-size)"
    );
}

#[test]
fn a_connection_without_the_header_is_refused_with_what_arrived() {
    let message = read(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 8192)
        .0
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "this listener expects a PROXY protocol header first (,proxy-protocol); an HTTP request \
         arrived instead"
    );
    let message = read(b"GET /", 8192).0.unwrap_err().to_string();
    assert!(message.contains("an HTTP request arrived"), "{message}");
    let message = read(
        &[0x16, 3, 1, 0, 0x40, 1, 0, 0, 0x3c, 3, 3, 0, 0, 0, 0, 0],
        8192,
    )
    .0
    .unwrap_err()
    .to_string();
    assert!(message.contains("a TLS handshake arrived"), "{message}");
}

#[test]
fn a_connection_that_ends_early_says_so() {
    assert!(matches!(read(b"", 8192).0, Err(ProxyError::Closed)));
    assert!(matches!(
        read(b"PROXY TCP4 1.2", 8192).0,
        Err(ProxyError::Truncated)
    ));
    let cut = v2(1, 0x11, &v4_block());
    assert!(matches!(
        read(&cut[..20], 8192).0,
        Err(ProxyError::Truncated)
    ));
}

#[test]
fn random_and_cut_headers_never_panic() {
    let samples = [
        b"PROXY TCP4 192.0.2.1 10.0.0.1 56324 443\r\n".to_vec(),
        b"PROXY TCP6 2001:db8::1 2001:db8::2 4711 80\r\n".to_vec(),
        v2(1, 0x11, &v4_block()),
        v2(1, 0x21, &[7; 40]),
    ];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..20_000 {
        let mut bytes = samples[round % samples.len()].clone();
        match next() % 3 {
            0 => bytes.truncate((next() % bytes.len() as u64) as usize),
            1 => {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = next() as u8;
            }
            _ => bytes = (0..next() % 120).map(|_| next() as u8).collect(),
        }
        let (result, _) = read(&bytes, 1024);
        if let Err(error) = result {
            assert!(!error.to_string().is_empty());
        }
    }
}
