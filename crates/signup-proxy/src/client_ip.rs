//! Who is calling: the client IP for rate limiting and the audit trail.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// The client's IP: the peer address, or, behind `trusted_proxies` proxies, the rightmost
/// `X-Forwarded-For` hop they did not add.
///
/// Each trusted proxy appends the address it received the request from, so with N of them the
/// N-th entry from the right is the first one a client could not forge; anything a client
/// puts to the left of it is ignored, so a spoofed header cannot buy a fresh rate-limit bucket.
/// A request with fewer hops than trusted proxies did not come through them all: it is
/// counted against its peer.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted_proxies: usize) -> IpAddr {
    if trusted_proxies == 0 {
        return peer.ip();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .rev()
        .nth(trusted_proxies - 1)
        .and_then(|hop| hop.parse().ok())
        .unwrap_or(peer.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(peer: &str, xff: &[&str], trusted: usize) -> String {
        let mut headers = HeaderMap::new();
        for value in xff {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        client_ip(format!("{peer}:1234").parse().unwrap(), &headers, trusted).to_string()
    }

    #[test]
    fn takes_the_rightmost_untrusted_hop() {
        assert_eq!(ip("10.0.0.1", &["203.0.113.9"], 0), "10.0.0.1");
        assert_eq!(ip("10.0.0.1", &["203.0.113.9"], 1), "203.0.113.9");
        // A client-sent "1.2.3.4" stays to the left of what the proxy appended.
        assert_eq!(ip("10.0.0.1", &["1.2.3.4, 203.0.113.9"], 1), "203.0.113.9");
        assert_eq!(
            ip("10.0.0.1", &["1.2.3.4", "203.0.113.9, 10.0.0.2"], 2),
            "203.0.113.9"
        );
        assert_eq!(ip("10.0.0.1", &[], 1), "10.0.0.1");
        assert_eq!(ip("10.0.0.1", &["not an ip"], 1), "10.0.0.1");
    }
}
