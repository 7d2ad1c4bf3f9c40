//! Opaque secrets (authorization codes, refresh tokens, session ids, CSRF tokens): 256 random
//! bits each, compared with `oidc_protocol::constant_time::constant_time_eq` where presented;
//! and 128-bit random identifiers for what only needs to be unique (refresh-token families).

use oidc_protocol::base64url;
use rand::RngCore;

/// 256 random bits from the operating system, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64url::encode(bytes)
}

/// 128 random bits from the operating system, base64url without padding (22 characters).
pub fn random_identifier() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64url::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_base64url(text: &str) -> bool {
        text.bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    }

    #[test]
    fn tokens_are_long_url_safe_and_distinct() {
        let first = random_token();
        assert_eq!(first.len(), 43);
        assert!(is_base64url(&first));
        assert_ne!(first, random_token());
    }

    #[test]
    fn identifiers_are_128_bits_url_safe_and_distinct() {
        let first = random_identifier();
        assert_eq!(first.len(), 22);
        assert!(is_base64url(&first));
        assert_ne!(first, random_identifier());
    }
}
