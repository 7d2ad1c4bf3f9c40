//! `response_type` values (OAuth 2.0 Multiple Response Type Encoding Practices, section 5).

/// The response types this project's clients and tenant know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseType {
    /// Authorization code (with PKCE): the recommended flow (RFC 9700 section 2.1.1).
    Code,
    /// Implicit, ID token only.
    IdToken,
    /// Implicit, access and ID token in the fragment: legacy (RFC 9700 section 2.1.2).
    TokenIdToken,
}

impl ResponseType {
    /// The parameter value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::IdToken => "id_token",
            Self::TokenIdToken => "token id_token",
        }
    }

    /// Reads a `response_type`; the space-separated values may come in any order.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts: Vec<&str> = value.split(' ').collect();
        parts.sort_unstable();
        match parts.as_slice() {
            ["code"] => Some(Self::Code),
            ["id_token"] => Some(Self::IdToken),
            ["id_token", "token"] => Some(Self::TokenIdToken),
            _ => None,
        }
    }

    /// Whether tokens come back in the redirect (the implicit flow).
    pub const fn is_implicit(self) -> bool {
        !matches!(self, Self::Code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_types_parse_in_any_order_and_round_trip() {
        for response_type in [
            ResponseType::Code,
            ResponseType::IdToken,
            ResponseType::TokenIdToken,
        ] {
            assert_eq!(
                ResponseType::parse(response_type.as_str()),
                Some(response_type)
            );
        }
        assert_eq!(
            ResponseType::parse("id_token token"),
            Some(ResponseType::TokenIdToken)
        );
        for unknown in ["token", "code id_token", "", "code ", "CODE"] {
            assert_eq!(ResponseType::parse(unknown), None, "{unknown:?}");
        }
    }
}
