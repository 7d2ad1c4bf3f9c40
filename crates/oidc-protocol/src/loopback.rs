//! Loopback hosts: the only hosts where plain `http` is acceptable for a tenant, an API or a
//! redirect, because the traffic never leaves the machine (RFC 8252 section 8.3).

use std::net::IpAddr;

/// True for `localhost` and loopback IP addresses (`127.0.0.0/8`, `::1`, bracketed or not).
/// Names are compared case-insensitively; `localhost.` and subdomains of `localhost` are not
/// accepted, since resolvers may send them to the network.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_and_addresses_are_recognised() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.8.9.10",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn look_alikes_are_not_loopback() {
        for host in [
            "localhost.",
            "localhost.example",
            "evil.localhost",
            "127.0.0.1.example",
            "128.0.0.1",
            "0.0.0.0",
            "[::2]",
            "::ffff:8.8.8.8",
            "",
            "[::1",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
