//! Who the client is, for per-address limits and logs: the connection's peer, unless the peer
//! is a configured trusted proxy, in which case the right-most address of `X-Forwarded-For`
//! (or of `Forwarded: for=`) that is not itself a trusted proxy. Forwarding headers from any
//! other peer are ignored: a client cannot choose the address it is counted under.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

/// The client address of one request, as limits and logs count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub IpAddr);

/// The proxies whose forwarding headers are believed (`http.trusted_proxies`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`127.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`).
    ///
    /// # Errors
    /// The first entry that is neither, named.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "http.trusted_proxies: `{entry}` is not an IP address or CIDR block"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        let addr = canonical(addr);
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client of a request that came from `peer` with these `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_hops(headers);
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                // An unreadable hop ends the walk: the proxy that wrote it is the client.
                None => break,
                Some(addr) => {
                    client = canonical(*addr);
                    if !self.trusts(client) {
                        break;
                    }
                }
            }
        }
        client
    }
}

/// The forwarding chain, left (original client) to right (nearest proxy): every
/// `X-Forwarded-For` header, or when there is none, every `for=` of `Forwarded`.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .map(|v| v.to_str().map(str::to_owned).unwrap_or_default())
            .flat_map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|s| !s.is_empty())
            .collect()
    };
    let xff = joined("x-forwarded-for");
    if !xff.is_empty() {
        return xff.iter().map(|hop| parse_hop(hop)).collect();
    }
    joined("forwarded")
        .iter()
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_hop(value.trim().trim_matches('"')))
            })
        })
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse::<IpAddr>().ok())
        })
}

/// An IPv4 address written as IPv6 (`::ffff:1.2.3.4`) is the IPv4 address.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    }
}

/// The key a client address is counted under: IPv4 addresses one by one, IPv6 by /64 (one
/// subscriber usually holds a whole /64, so counting single addresses would be no limit).
pub fn limit_key(addr: IpAddr) -> IpAddr {
    match canonical(addr) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    fn ip(raw: &str) -> IpAddr {
        raw.parse().expect("ip")
    }

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&entries.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>())
            .expect("valid")
    }

    #[test]
    fn without_trusted_proxies_forwarding_headers_are_ignored() {
        let h = headers(&[("x-forwarded-for", "9.9.9.9"), ("forwarded", "for=8.8.8.8")]);
        assert_eq!(
            TrustedProxies::default().client(ip("203.0.113.7"), &h),
            ip("203.0.113.7")
        );
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client(ip("203.0.113.7"), &h),
            ip("203.0.113.7"),
            "a peer outside the trusted blocks is the client whatever it claims"
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // The client forged the first entry; the two proxies appended the real hops.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.4, 10.0.0.2")]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &h), ip("198.51.100.4"));
        let split = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.4:5000"),
        ]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &split), ip("198.51.100.4"));
        let all_trusted = headers(&[("x-forwarded-for", "10.0.0.9, 10.0.0.2")]);
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &all_trusted),
            ip("10.0.0.9")
        );
        let garbage = headers(&[("x-forwarded-for", "1.1.1.1, not-an-ip")]);
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &garbage),
            ip("127.0.0.1"),
            "an unreadable hop is not believed"
        );
        let none = HeaderMap::new();
        assert_eq!(trusted.client(ip("127.0.0.1"), &none), ip("127.0.0.1"));
    }

    #[test]
    fn the_forwarded_header_is_read_when_there_is_no_x_forwarded_for() {
        let trusted = proxies(&["127.0.0.1/32"]);
        let h = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &h), ip("2001:db8:cafe::17"));
    }

    #[test]
    fn bad_entries_are_refused_by_name_and_mapped_addresses_are_ipv4() {
        let err = TrustedProxies::parse(&["10.0.0.0/8".into(), "proxy.local".into()])
            .expect_err("not an address");
        assert!(err.contains("`proxy.local`"), "{err}");
        assert_eq!(
            proxies(&["127.0.0.1"]).client(
                ip("::ffff:127.0.0.1"),
                &headers(&[("x-forwarded-for", "5.6.7.8")])
            ),
            ip("5.6.7.8")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64_block() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa::1")),
            limit_key(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            limit_key(ip("2001:db8:1:2::1")),
            limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
