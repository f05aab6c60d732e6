//! Who the client is: the peer address, or the first untrusted hop of `X-Forwarded-For` when
//! the peer is a trusted proxy.

use actix_web::http::header::HeaderMap;
use actix_web::{HttpMessage, HttpRequest};
use std::net::{IpAddr, SocketAddr};

/// The client's address, found once per request by the outermost middleware (see
/// `client_of`): throttles, audit rows, logs and sessions all use it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

pub fn client_ip(req: &HttpRequest) -> IpAddr {
    req.extensions()
        .get::<ClientIp>()
        .map(|c| c.0)
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

/// Hops read from the right of a forwarding chain: a chain longer than this is read from its
/// right end (where the trusted proxies wrote), the rest is the client's to forge anyway.
const MAX_HOPS: usize = 32;

/// Who the client is. A peer that is not a trusted proxy is the client, whatever headers it
/// sends. Behind trusted proxies the client is the right-most hop of the forwarding chain
/// (`X-Forwarded-For`, else `Forwarded: for=`) that parses and is not itself a trusted proxy:
/// each proxy appends the address it saw, so hops left of it may be forged. Hops that do not
/// parse (`unknown`, garbage, empty) are passed over one by one, never taken for the peer; a
/// chain of trusted proxies only is its left-most.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    let mut leftmost = None;
    for hop in chain
        .iter()
        .rev()
        .take(MAX_HOPS)
        .filter_map(|h| parse_hop(h))
    {
        if !is_trusted(&hop) {
            return hop;
        }
        leftmost = Some(hop);
    }
    leftmost.unwrap_or(peer)
}

/// The raw hops of the forwarding chain, oldest first (`X-Forwarded-For` if present, else the
/// `for=` of each `Forwarded` element); header values that are not text are left out.
fn forwarded_chain(headers: &HeaderMap) -> Vec<&str> {
    let xff: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !xff.is_empty() {
        return xff
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
    }
    headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|element| {
            element
                .split(';')
                .map(str::trim)
                .find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim().eq_ignore_ascii_case("for").then_some(v.trim())
                })
                .unwrap_or("")
        })
        .collect()
}

/// One hop: `203.0.113.7`, `2001:db8::1`, `"[2001:db8::1]:4711"`, `198.51.100.1:80`.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let hop = raw.trim().trim_matches('"');
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap_or(HeaderName::from_static("x")),
                HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
            );
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn the_client_behind_trusted_proxies() {
        let trusted = crate::config::parse_networks("10.0.0.0/8, ::1").unwrap_or_default();
        let peer = ip("10.0.0.2");
        // An untrusted peer is the client, whatever it claims.
        let forged = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(
            client_of(ip("198.51.100.9"), &forged, &trusted),
            ip("198.51.100.9")
        );
        // A chain: the right-most untrusted hop; forged entries to its left do not count.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.5")]);
        assert_eq!(client_of(peer, &chain, &trusted), ip("203.0.113.7"));
        // Several headers form one chain.
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.8"),
        ]);
        assert_eq!(client_of(peer, &split, &trusted), ip("203.0.113.8"));
        // IPv6, and the standard header.
        let v6 = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https")]);
        assert_eq!(client_of(ip("::1"), &v6, &trusted), ip("2001:db8::7"));
        let v4 = headers(&[("forwarded", "for=192.0.2.60;proto=http, for=10.0.0.3")]);
        assert_eq!(client_of(peer, &v4, &trusted), ip("192.0.2.60"));
        // Only proxies in the chain: the left-most.
        let inside = headers(&[("x-forwarded-for", "10.1.1.1, 10.0.0.9")]);
        assert_eq!(client_of(peer, &inside, &trusted), ip("10.1.1.1"));
        // Hops that do not parse are passed over, one by one; the proxy is never the client.
        for (chain, client) in [
            ("garbage, 203.0.113.50", "203.0.113.50"),
            ("unknown, 203.0.113.51", "203.0.113.51"),
            ("203.0.113.52, garbage", "203.0.113.52"),
            ("203.0.113.53, unknown, 10.0.0.7", "203.0.113.53"),
            ("1.2.3.4,,5.6.7.8", "5.6.7.8"),
            ("a,,b, 203.0.113.54", "203.0.113.54"),
        ] {
            let h = headers(&[("x-forwarded-for", chain)]);
            assert_eq!(client_of(peer, &h, &trusted), ip(client), "{chain:?}");
        }
        // Nothing that parses: the peer.
        for bad in ["garbage", "", "unknown", "a,,b"] {
            let h = headers(&[("x-forwarded-for", bad)]);
            assert_eq!(client_of(peer, &h, &trusted), peer, "{bad:?}");
        }
        // A long chain is read from its right end.
        let mut long = vec!["6.6.6.6"; 32];
        long.push("203.0.113.1");
        assert_eq!(
            client_of(
                peer,
                &headers(&[("x-forwarded-for", &long.join(","))]),
                &trusted
            ),
            ip("203.0.113.1")
        );
        assert_eq!(client_of(peer, &HeaderMap::new(), &trusted), peer);
        assert_eq!(
            client_of(peer, &forged, &[]),
            peer,
            "nobody trusted by default"
        );
    }
}
