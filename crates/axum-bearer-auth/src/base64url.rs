//! Canonical unpadded base64url (RFC 4648 section 5, as JWS uses it: RFC 7515 section 2).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why a segment is not canonical base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Base64UrlError {
    /// The text is empty, padded, uses another alphabet, or has non-zero trailing bits.
    #[error("not canonical unpadded base64url")]
    NotCanonical,
}

/// Decodes `text`; the engine refuses padding and non-zero trailing bits, so each byte string
/// has exactly one accepted spelling. Empty text is refused too: no JWS segment or JWK member
/// this crate reads may be empty.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, Base64UrlError> {
    if text.is_empty() {
        return Err(Base64UrlError::NotCanonical);
    }
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Base64UrlError::NotCanonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_decodes() {
        assert_eq!(decode("c2ln"), Ok(b"sig".to_vec()));
        assert_eq!(decode("-_8"), Ok(vec![0xfb, 0xff]));
    }

    #[test]
    fn padding_other_alphabets_trailing_bits_and_empty_text_are_refused() {
        for text in ["", "c2ln=", "c2k=", "+/8", "YR", "c2l n"] {
            assert_eq!(decode(text), Err(Base64UrlError::NotCanonical), "{text:?}");
        }
    }
}
