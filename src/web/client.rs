//! Who is asking: the client's address, for the sign-in limiter. Behind a reverse proxy every request comes from the
//! proxy, so the address the proxy saw (`X-Forwarded-For`) is taken — but only when the peer is one of the configured
//! trusted proxies (`AFTERSALES_TRUSTED_PROXIES`), or anyone could name any address and walk around the limit.

use actix_web::HttpRequest;
use std::net::IpAddr;

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most address of
/// `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the address it saw; the left part is
/// whatever the client wrote).
pub fn address(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req.headers().get_all("X-Forwarded-For").filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
    Some(from_chain(peer, &forwarded.join(","), trusted))
}

fn from_chain(peer: IpAddr, chain: &str, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer;
    for hop in chain.rsplit(',').map(str::trim) {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            // Garbage in the chain: trust nothing further left of it.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::from_chain;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let proxy = ip("127.0.0.1");
        let trusted = [proxy, ip("10.0.0.5")];
        assert_eq!(from_chain(proxy, "203.0.113.7", &trusted), ip("203.0.113.7"));
        // A client that writes its own header cannot choose its address: the proxy appended the real one.
        assert_eq!(from_chain(proxy, "1.1.1.1, 203.0.113.7", &trusted), ip("203.0.113.7"));
        // Two trusted proxies in a row.
        assert_eq!(from_chain(proxy, "203.0.113.7, 10.0.0.5", &trusted), ip("203.0.113.7"));
        // No header, or garbage: the proxy itself.
        assert_eq!(from_chain(proxy, "", &trusted), proxy);
        assert_eq!(from_chain(proxy, "not-an-address", &trusted), proxy);
        assert_eq!(from_chain(proxy, "2001:db8::1", &trusted), ip("2001:db8::1"));
    }
}
