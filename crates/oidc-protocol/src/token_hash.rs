//! `at_hash` and `c_hash` (OIDC Core 3.1.3.6, 3.2.2.9, 3.3.2.11): the base64url of the left half
//! of the hash of the access token or code, which binds them to the signed ID token. For RS256
//! the hash is SHA-256, so the value is 16 bytes, 22 characters.

use sha2::{Digest, Sha256};

use crate::base64url;

/// The RS256 `at_hash` (or `c_hash`) of `value`.
pub fn left_half_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    base64url::encode(&digest[..16])
}

/// Whether `claimed` is the RS256 hash of `value`.
pub fn matches_left_half_hash(claimed: &str, value: &str) -> bool {
    left_half_hash(value) == claimed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_oidc_core_appendix_a_3() {
        // OIDC Core A.3: the example's access token and the at_hash of its ID token.
        let access_token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(left_half_hash(access_token), "77QmUPtjPfzWtF2AnpK9RQ");
        assert!(matches_left_half_hash(
            "77QmUPtjPfzWtF2AnpK9RQ",
            access_token
        ));
        assert!(!matches_left_half_hash(
            "77QmUPtjPfzWtF2AnpK9RA",
            access_token
        ));
    }

    #[test]
    fn c_hash_matches_oidc_core_appendix_a_4() {
        // OIDC Core A.4: the example's code and the c_hash of its ID token.
        let code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk";
        assert_eq!(left_half_hash(code), "LDktKdoQak3Pk0cnXxCltA");
    }
}
