//! `application/x-www-form-urlencoded` (WHATWG URL, section 5): authorization request URLs,
//! token request bodies and callback parameters.

/// Percent-encodes one component, keeping only the RFC 3986 unreserved characters as they are.
pub fn encode_component(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(char::from(byte));
            }
            _ => {
                encoded.push('%');
                encoded.push(char::from(HEX[usize::from(byte >> 4)]));
                encoded.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
    encoded
}

/// Encodes name/value pairs as a query string or form body (without a leading `?`).
pub fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    let mut encoded = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            encoded.push('&');
        }
        encoded.push_str(&encode_component(name));
        encoded.push('=');
        encoded.push_str(&encode_component(value));
    }
    encoded
}

/// Decodes a query string, fragment or form body (without its `?` or `#`) into pairs, in order.
///
/// `+` means a space; malformed percent escapes are kept literally and invalid UTF-8 is
/// replaced, as browsers do.
pub fn decode_pairs(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (decode_component(name), decode_component(value)),
            None => (decode_component(pair), String::new()),
        })
        .collect()
}

fn decode_component(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => decoded.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                match (hex_value(bytes[index + 1]), hex_value(bytes[index + 2])) {
                    (Some(high), Some(low)) => {
                        decoded.push(high << 4 | low);
                        index += 2;
                    }
                    _ => decoded.push(b'%'),
                }
            }
            other => decoded.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_percent_encoded() {
        assert_eq!(
            encode_component("openid profile read:messages"),
            "openid%20profile%20read%3Amessages"
        );
        assert_eq!(encode_component("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode_component("é/&=+"), "%C3%A9%2F%26%3D%2B");
        assert_eq!(
            encode_pairs(&[("a", "1"), ("b c", "2&3")]),
            "a=1&b%20c=2%263"
        );
    }

    #[test]
    fn decoding_reverses_encoding_and_accepts_plus_as_space() {
        let pairs = decode_pairs("code=a%2Fb&state=x+y&empty=&flag&bad=%zz%4&end=%41");
        assert_eq!(
            pairs,
            vec![
                ("code".to_owned(), "a/b".to_owned()),
                ("state".to_owned(), "x y".to_owned()),
                ("empty".to_owned(), String::new()),
                ("flag".to_owned(), String::new()),
                ("bad".to_owned(), "%zz%4".to_owned()),
                ("end".to_owned(), "A".to_owned()),
            ]
        );
    }

    #[test]
    fn every_string_round_trips() {
        for value in ["", "plain", "a b+c", "100%", "é ü 😀", "&=?#/"] {
            let encoded = encode_pairs(&[("k", value)]);
            assert_eq!(
                decode_pairs(&encoded),
                vec![("k".to_owned(), value.to_owned())]
            );
        }
    }
}
