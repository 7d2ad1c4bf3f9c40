//! Base64url without padding (RFC 4648 section 5), as JWTs and PKCE use it (RFC 7515
//! section 2, RFC 7636 appendix A). Small on purpose: a general base64 library costs more
//! download than this whole module.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Why text is not canonical unpadded base64url.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum Base64Error {
    /// A character outside the base64url alphabet (padding `=` included).
    #[error("invalid base64url character")]
    Character,
    /// A length that no byte sequence encodes to, or unused bits that are not zero.
    #[error("invalid base64url length or trailing bits")]
    NotCanonical,
}

/// Encodes `bytes` without padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (index, byte)| {
            group | u32::from(*byte) << (16 - 8 * index)
        });
        for index in 0..=chunk.len() {
            out.push(char::from(
                ALPHABET[(group >> (18 - 6 * index) & 0x3f) as usize],
            ));
        }
    }
    out
}

fn sextet(character: u8) -> Result<u32, Base64Error> {
    let value = match character {
        b'A'..=b'Z' => character - b'A',
        b'a'..=b'z' => character - b'a' + 26,
        b'0'..=b'9' => character - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return Err(Base64Error::Character),
    };
    Ok(u32::from(value))
}

/// Decodes unpadded base64url, refusing anything that is not its canonical encoding.
///
/// # Errors
/// [`Base64Error`] for foreign characters, impossible lengths or non-zero unused bits.
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return Err(Base64Error::NotCanonical);
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut group = 0u32;
        for (index, character) in chunk.iter().enumerate() {
            group |= sextet(*character)? << (18 - 6 * index);
        }
        let byte_count = chunk.len() - 1;
        let unused_bits = group & (0x00ff_ffff >> (8 * byte_count));
        if unused_bits != 0 {
            return Err(Base64Error::NotCanonical);
        }
        for index in 0..byte_count {
            out.push((group >> (16 - 8 * index)) as u8);
        }
    }
    Ok(out)
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
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn the_url_safe_alphabet_is_used() {
        assert_eq!(encode([0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(decode("-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn every_byte_value_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        for length in 0..bytes.len() {
            assert_eq!(decode(&encode(&bytes[..length])).unwrap(), &bytes[..length]);
        }
    }

    #[test]
    fn padding_foreign_characters_and_odd_lengths_are_refused() {
        assert_eq!(decode("Zg=="), Err(Base64Error::Character));
        assert_eq!(decode("Zm9v+A"), Err(Base64Error::Character));
        assert_eq!(decode("Zm9v/A"), Err(Base64Error::Character));
        assert_eq!(decode("Zm9vY"), Err(Base64Error::NotCanonical));
        assert_eq!(decode("Zh"), Err(Base64Error::NotCanonical));
        assert_eq!(decode("Zm9"), Err(Base64Error::NotCanonical));
    }
}
