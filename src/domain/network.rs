//! Who sent a request, for the submission rate limit only (never stored or logged): the client's
//! address behind zero or more trusted reverse proxies, and the group it is counted in.
//!
//! `X-Forwarded-For` is written left to right: the client may put anything in it, and each proxy
//! appends the address it received the request from. Only the entries the *trusted* proxies
//! appended can be believed, so the client is the rightmost hop that is not a trusted proxy —
//! never the leftmost entry, which the client writes itself. [`TrustProxy`] says which hops are
//! trusted: the last `n` of them (a hop count), or those inside given networks.
//!
//! IPv6 clients are grouped by their /64: one subscriber or office usually holds a whole /64 and
//! can pick any address in it, so keying the full address would let one phone act as 2^64
//! clients.

use std::net::IpAddr;

use ipnet::IpNet;

/// Which hops before the service are trusted reverse proxies (`INTEGRITAS_TRUST_PROXY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustProxy {
    /// The last `n` hops (the peer counts as the first): `0` ignores `X-Forwarded-For`.
    Hops(usize),
    /// Hops whose address lies in one of these networks.
    Networks(Vec<IpNet>),
}

impl TrustProxy {
    /// Reads `false`/`true` (0 and 1 hop, as before), a hop count (`2`), or a comma-separated
    /// list of proxy addresses or networks (`10.0.0.0/8, 2001:db8::/32, 192.0.2.7`).
    pub fn parse(s: &str) -> Result<TrustProxy, String> {
        let s = s.trim();
        match s.to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "off" => return Ok(TrustProxy::Hops(0)),
            "true" | "yes" | "on" => return Ok(TrustProxy::Hops(1)),
            _ => {}
        }
        if let Ok(n) = s.parse::<usize>() {
            return if n <= 10 {
                Ok(TrustProxy::Hops(n))
            } else {
                Err(format!("`{n}` proxies in a row is not a real deployment (at most 10)"))
            };
        }
        let mut nets = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let net = part
                .parse::<IpNet>()
                .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{part}` is not a hop count, true/false, or a proxy address or network like 10.0.0.0/8"))?;
            nets.push(net);
        }
        Ok(TrustProxy::Networks(nets))
    }

    fn trusts(&self, ip: IpAddr, from_right: usize) -> bool {
        match self {
            TrustProxy::Hops(n) => from_right < *n,
            TrustProxy::Networks(nets) => nets.iter().any(|n| n.contains(&unmap(ip))),
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as the IPv4 address it is.
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One `X-Forwarded-For` entry as an address: `192.0.2.1`, `2001:db8::1`, with a port
/// (`192.0.2.1:443`, `[2001:db8::1]:443`) or in brackets.
fn entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
        .map(unmap)
}

/// The client's address: walking from the peer leftwards through the `X-Forwarded-For` entries
/// (`forwarded`, every header's entries in order), the first hop that is not a trusted proxy.
/// When every hop is trusted, the leftmost one. An entry that is no address stops the walk at the
/// hop to its right: whatever wrote it was not a proxy of ours.
pub fn client_of<'a>(peer: Option<IpAddr>, forwarded: impl IntoIterator<Item = &'a str>, trust: &TrustProxy) -> Option<IpAddr> {
    let peer = peer.map(unmap);
    if trust == &TrustProxy::Hops(0) {
        return peer;
    }
    let mut chain: Vec<&str> = forwarded.into_iter().flat_map(|h| h.split(',')).collect();
    chain.reverse();
    let mut current = peer?;
    for (from_right, next) in chain.into_iter().enumerate() {
        if !trust.trusts(current, from_right) {
            return Some(current);
        }
        match entry(next) {
            Some(ip) => current = ip,
            None => return Some(current),
        }
    }
    Some(current)
}

/// The group a client is counted in: its IPv4 address, or its IPv6 /64.
pub fn client_group(ip: IpAddr) -> IpAddr {
    match unmap(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_setting_reads_as_before_and_as_a_count_or_networks() {
        assert_eq!(TrustProxy::parse("false").unwrap(), TrustProxy::Hops(0));
        assert_eq!(TrustProxy::parse("true").unwrap(), TrustProxy::Hops(1));
        assert_eq!(TrustProxy::parse("2").unwrap(), TrustProxy::Hops(2));
        let TrustProxy::Networks(n) = TrustProxy::parse("10.0.0.0/8, 192.0.2.7,2001:db8::/32").unwrap() else {
            panic!()
        };
        assert_eq!(n.len(), 3);
        assert!(TrustProxy::parse("proxy.example").is_err());
        assert!(TrustProxy::parse("99").is_err());
    }

    #[test]
    fn a_spoofed_leftmost_entry_is_not_the_client() {
        let proxy = Some(ip("10.0.0.2"));
        // The client wrote "1.2.3.4"; the proxy appended the address it saw.
        let xff = ["1.2.3.4, 198.51.100.7"];
        assert_eq!(client_of(proxy, xff, &TrustProxy::Hops(1)), Some(ip("198.51.100.7")));
        let nets = TrustProxy::parse("10.0.0.0/8").unwrap();
        assert_eq!(client_of(proxy, xff, &nets), Some(ip("198.51.100.7")));
        // Two proxies: a CDN and the local one.
        let two = ["1.2.3.4, 198.51.100.7, 203.0.113.9"];
        assert_eq!(client_of(proxy, two, &TrustProxy::Hops(2)), Some(ip("198.51.100.7")));
        let nets = TrustProxy::parse("10.0.0.0/8, 203.0.113.0/24").unwrap();
        assert_eq!(client_of(proxy, two, &nets), Some(ip("198.51.100.7")));
        // Several headers are one list, in order.
        assert_eq!(
            client_of(proxy, ["1.2.3.4", "198.51.100.7"], &TrustProxy::Hops(1)),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn untrusted_peers_and_junk_entries() {
        let peer = Some(ip("198.51.100.7"));
        // Not through a trusted proxy: the header is ignored.
        assert_eq!(client_of(peer, ["1.2.3.4"], &TrustProxy::Hops(0)), peer);
        assert_eq!(client_of(peer, ["1.2.3.4"], &TrustProxy::parse("10.0.0.0/8").unwrap()), peer);
        // Junk written by the client stops the walk at the proxy.
        let proxy = Some(ip("10.0.0.2"));
        assert_eq!(client_of(proxy, ["not-an-ip"], &TrustProxy::Hops(1)), proxy);
        // No header: the peer itself.
        assert_eq!(client_of(proxy, [], &TrustProxy::Hops(1)), proxy);
        // Ports and brackets.
        assert_eq!(
            client_of(proxy, ["[2001:db8::1]:443"], &TrustProxy::Hops(1)),
            Some(ip("2001:db8::1"))
        );
        assert_eq!(client_of(proxy, ["192.0.2.1:80"], &TrustProxy::Hops(1)), Some(ip("192.0.2.1")));
        assert_eq!(
            client_of(Some(ip("::ffff:192.0.2.1")), [], &TrustProxy::Hops(0)),
            Some(ip("192.0.2.1"))
        );
    }

    #[test]
    fn ipv6_is_grouped_by_its_64() {
        assert_eq!(client_group(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_group(ip("2001:db8:1:2:ffff::9")), ip("2001:db8:1:2::"));
        assert_ne!(client_group(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_group(ip("192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(client_group(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
    }
}
