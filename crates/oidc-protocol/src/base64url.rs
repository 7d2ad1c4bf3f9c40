//! Base64url without padding (RFC 4648 section 5), as JWTs, JWKs and PKCE use it (RFC 7515
//! section 2, RFC 7636 appendix A). Decoding accepts only the canonical spelling: no padding, no
//! characters of the standard alphabet, no non-zero unused bits, so every byte string has one
//! accepted encoding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why text is not canonical unpadded base64url.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    /// A character outside the base64url alphabet (padding `=` included), an impossible length,
    /// or unused bits that are not zero.
    #[error("not canonical unpadded base64url")]
    NotCanonical,
}

/// Encodes `bytes` without padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url.
///
/// # Errors
/// [`Base64Error::NotCanonical`] for foreign characters, padding, impossible lengths or
/// non-zero unused bits.
pub fn decode(text: impl AsRef<[u8]>) -> Result<Vec<u8>, Base64Error> {
    // The engine's configuration refuses padding and non-zero trailing bits.
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| Base64Error::NotCanonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4648 section 10, without padding.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ];

    #[test]
    fn rfc4648_vectors_encode_and_decode() {
        for (plain, encoded) in VECTORS {
            assert_eq!(encode(plain), encoded);
            assert_eq!(decode(encoded), Ok(plain.as_bytes().to_vec()));
        }
    }

    #[test]
    fn the_url_safe_alphabet_is_used() {
        assert_eq!(encode([0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(decode("-_-_"), Ok(vec![0xfb, 0xff, 0xbf]));
    }

    #[test]
    fn every_byte_value_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        for length in 0..bytes.len() {
            assert_eq!(
                decode(encode(&bytes[..length])),
                Ok(bytes[..length].to_vec())
            );
        }
    }

    #[test]
    fn padding_foreign_characters_odd_lengths_and_trailing_bits_are_refused() {
        for text in ["Zg==", "Zm9v+A", "Zm9v/A", "Zm9vY", "Zh", "Zm9", "Zm 9v"] {
            assert_eq!(decode(text), Err(Base64Error::NotCanonical), "{text:?}");
        }
    }
}
