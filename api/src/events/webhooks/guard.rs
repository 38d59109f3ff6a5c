//! Where a webhook may go (SSRF protection): the URL's scheme and form, and the addresses its
//! host resolves to. Loopback, link-local, private, shared (CGNAT), unspecified, multicast,
//! broadcast, reserved and documentation ranges are refused — also when IPv6 carries them
//! (IPv4-mapped, NAT64) — unless the host is named in `events.webhooks.allow_private_hosts`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::Url;

/// Why an IPv4 address is not a public destination, if it is not.
fn v4_range(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (0, _, _) => Some("an unspecified"),
        (127, _, _) => Some("a loopback"),
        (10, _, _) | (192, 168, _) => Some("a private"),
        (172, b, _) if (16..=31).contains(&b) => Some("a private"),
        (169, 254, _) => Some("a link-local"),
        (100, b, _) if (64..=127).contains(&b) => Some("a shared (CGNAT)"),
        (192, 0, 0) => Some("a reserved"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Some("a documentation"),
        (198, 18 | 19, _) => Some("a benchmarking"),
        _ if ip.is_broadcast() => Some("a broadcast"),
        (224..=239, _, _) => Some("a multicast"),
        (240..=255, _, _) => Some("a reserved"),
        _ => None,
    }
}

/// Why an IPv6 address is not a public destination, if it is not.
fn v6_range(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_range(v4);
    }
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_range(Ipv4Addr::from((u32::from(s[6]) << 16) | u32::from(s[7])));
    }
    if ip.is_unspecified() {
        Some("an unspecified")
    } else if ip.is_loopback() {
        Some("a loopback")
    } else if s[0] & 0xfe00 == 0xfc00 {
        Some("a private (ULA)")
    } else if s[0] & 0xffc0 == 0xfe80 || s[0] & 0xffc0 == 0xfec0 {
        Some("a link-local")
    } else if s[0] & 0xff00 == 0xff00 {
        Some("a multicast")
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        Some("a documentation")
    } else if s[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated): never a public destination.
        Some("a reserved")
    } else {
        None
    }
}

/// Why `ip` is not a public destination, as "a private" / "a loopback" …, if it is not.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_range(v4),
        IpAddr::V6(v6) => v6_range(v6),
    }
}

/// The host of `url` as the allow lists name it: lower case, IPv6 without brackets.
pub fn host_key(url: &Url) -> Option<String> {
    url.host_str().map(|h| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase()
    })
}

fn listed(list: &[String], host: &str) -> bool {
    list.iter().any(|h| {
        h.trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .eq_ignore_ascii_case(host)
    })
}

/// The allow lists, as configured.
#[derive(Debug, Clone, Default)]
pub struct Allowances {
    /// Hosts that may be called over `http`.
    pub http_hosts: Vec<String>,
    /// Hosts that may resolve to non-public addresses.
    pub private_hosts: Vec<String>,
}

impl Allowances {
    /// The allow lists of `[events.webhooks]`.
    pub fn from_settings(settings: &crate::config::WebhookSettings) -> Self {
        Self {
            http_hosts: settings.allow_http_hosts.clone(),
            private_hosts: settings.allow_private_hosts.clone(),
        }
    }

    /// Checks a URL's form: it parses, is `https` (or `http` for a listed host), has a host
    /// and no user name or password. The answer is the parsed URL and its host key.
    ///
    /// # Errors
    /// A short message fit for the caller (and the delivery log).
    pub fn check_url(&self, raw: &str) -> Result<(Url, String), String> {
        let url = Url::parse(raw.trim()).map_err(|e| format!("is not a valid URL ({e})"))?;
        let host = host_key(&url).ok_or_else(|| "has no host".to_owned())?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password".to_owned());
        }
        match url.scheme() {
            "https" => {}
            "http" if listed(&self.http_hosts, &host) => {}
            "http" => {
                return Err(format!(
                    "must use https ({host} is not in events.webhooks.allow_http_hosts)"
                ));
            }
            other => return Err(format!("must use https, not {other}")),
        }
        Ok((url, host))
    }

    /// Whether `host` may resolve to non-public addresses.
    pub fn private_allowed(&self, host: &str) -> bool {
        listed(&self.private_hosts, host)
    }

    /// Refuses any address `host` resolved to that is not public (unless the host is
    /// allowed): one bad address among several refuses the lot (DNS answers can be mixed to
    /// rebind).
    ///
    /// # Errors
    /// "destination 10.0.0.5 is a private address (allow it in …)".
    pub fn vet(&self, host: &str, addrs: &[IpAddr]) -> Result<(), String> {
        if self.private_allowed(host) {
            return Ok(());
        }
        for ip in addrs {
            if let Some(range) = non_public(*ip) {
                return Err(format!(
                    "destination {ip} is {range} address (allow it in events.webhooks.allow_private_hosts)"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn every_non_public_range_is_refused_and_public_addresses_pass() {
        for (addr, range) in [
            ("0.0.0.0", "an unspecified"),
            ("127.0.0.1", "a loopback"),
            ("127.255.1.2", "a loopback"),
            ("10.0.0.5", "a private"),
            ("172.16.0.1", "a private"),
            ("172.31.255.255", "a private"),
            ("192.168.1.1", "a private"),
            ("169.254.169.254", "a link-local"),
            ("100.64.0.1", "a shared (CGNAT)"),
            ("100.127.255.255", "a shared (CGNAT)"),
            ("192.0.2.10", "a documentation"),
            ("198.51.100.7", "a documentation"),
            ("203.0.113.9", "a documentation"),
            ("198.18.0.1", "a benchmarking"),
            ("224.0.0.1", "a multicast"),
            ("255.255.255.255", "a broadcast"),
            ("240.0.0.1", "a reserved"),
            ("::", "an unspecified"),
            ("::1", "a loopback"),
            ("fd00::1", "a private (ULA)"),
            ("fc12::1", "a private (ULA)"),
            ("fe80::1", "a link-local"),
            ("ff02::1", "a multicast"),
            ("2001:db8::1", "a documentation"),
            ("::ffff:10.0.0.5", "a private"),
            ("::ffff:127.0.0.1", "a loopback"),
            ("64:ff9b::a9fe:a9fe", "a link-local"),
        ] {
            assert_eq!(non_public(ip(addr)), Some(range), "{addr}");
        }
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(non_public(ip(addr)), None, "{addr}");
        }
    }

    #[test]
    fn urls_must_be_https_without_userinfo_unless_allowed() {
        let allow = Allowances {
            http_hosts: vec!["Receiver.Local".into(), "[::1]".into()],
            private_hosts: vec!["127.0.0.1".into()],
        };
        assert!(allow.check_url("https://example.com/hook").is_ok());
        assert!(allow.check_url("http://receiver.local:8080/x").is_ok());
        assert!(allow.check_url("http://[::1]:9/x").is_ok());
        let err = allow.check_url("http://example.com/").expect_err("http");
        assert!(err.contains("allow_http_hosts"), "{err}");
        assert!(allow.check_url("ftp://example.com/").is_err());
        assert!(allow.check_url("https://user:pw@example.com/").is_err());
        assert!(allow.check_url("not a url").is_err());
        let err = allow
            .vet("example.com", &[ip("8.8.8.8"), ip("10.0.0.5")])
            .expect_err("mixed answer");
        assert_eq!(
            err,
            "destination 10.0.0.5 is a private address (allow it in events.webhooks.allow_private_hosts)"
        );
        assert!(allow.vet("127.0.0.1", &[ip("127.0.0.1")]).is_ok());
        assert!(allow.vet("localhost", &[ip("127.0.0.1")]).is_err());
    }
}
