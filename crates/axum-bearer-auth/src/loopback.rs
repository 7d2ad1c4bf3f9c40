//! Which hosts count as this machine, where plain `http` is acceptable for an issuer or JWKS.

use std::net::IpAddr;

/// True for `localhost` and loopback IP addresses (`127.0.0.0/8`, `[::1]`).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_and_loopback_addresses_are_loopback() {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"] {
            assert!(is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_not_loopback() {
        for host in [
            "localhost.evil.example",
            "10.0.0.1",
            "0.0.0.0",
            "[::]",
            "example.com",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
