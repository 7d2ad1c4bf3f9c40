//! The `WWW-Authenticate: Bearer` challenge and JSON error body of RFC 6750 section 3: built by
//! resource servers, read by clients.

use serde::{Deserialize, Serialize};

/// The error codes of RFC 6750 section 3.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerErrorCode {
    /// 400: the request is malformed (a broken `Authorization` header, a token sent twice).
    InvalidRequest,
    /// 401: the token is expired, revoked, malformed or invalid.
    InvalidToken,
    /// 403: the token lacks the scope the resource requires.
    InsufficientScope,
}

impl BearerErrorCode {
    /// The code as written in challenges and bodies.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }

    /// The HTTP status RFC 6750 section 3.1 gives it.
    pub const fn status(self) -> u16 {
        match self {
            Self::InvalidRequest => 400,
            Self::InvalidToken => 401,
            Self::InsufficientScope => 403,
        }
    }
}

/// Whether `text` may appear in a quoted challenge parameter: `error_description` and `scope`
/// allow %x20-21 / %x23-5B / %x5D-7E only (RFC 6750 section 3), so no quote or backslash.
pub fn is_challenge_text(text: &str) -> bool {
    text.bytes()
        .all(|byte| matches!(byte, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// A `Bearer` challenge (RFC 6750 section 3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BearerChallenge {
    /// The protection space (RFC 9110 section 11.5).
    pub realm: Option<String>,
    /// The error code; absent when the request had no credentials (section 3.1: "SHOULD NOT
    /// include an error code").
    pub error: Option<String>,
    /// A human-readable explanation for developers.
    pub error_description: Option<String>,
    /// The scope the resource requires.
    pub scope: Option<String>,
}

impl BearerChallenge {
    /// A challenge without an error, for a request that carried no credentials.
    pub fn new(realm: &str) -> Self {
        Self {
            realm: Some(realm.to_owned()),
            ..Self::default()
        }
    }

    /// A challenge with an error code and description.
    pub fn with_error(realm: &str, error: BearerErrorCode, description: &str) -> Self {
        Self {
            realm: Some(realm.to_owned()),
            error: Some(error.as_str().to_owned()),
            error_description: Some(description.to_owned()),
            scope: None,
        }
    }

    /// The same challenge naming the scope the resource requires.
    #[must_use]
    pub fn with_scope(mut self, scope: &str) -> Self {
        self.scope = Some(scope.to_owned());
        self
    }

    /// The header value. Parameters whose text the grammar does not allow are left out rather
    /// than written broken, so a description can never inject another parameter.
    pub fn to_header_value(&self) -> String {
        let mut value = String::from("Bearer");
        let parameters = [
            ("realm", &self.realm),
            ("error", &self.error),
            ("error_description", &self.error_description),
            ("scope", &self.scope),
        ];
        let mut first = true;
        for (name, text) in parameters {
            let Some(text) = text.as_deref().filter(|text| is_challenge_text(text)) else {
                continue;
            };
            value.push_str(if first { " " } else { ", " });
            first = false;
            value.push_str(name);
            value.push_str("=\"");
            value.push_str(text);
            value.push('"');
        }
        value
    }

    /// Reads a challenge such as `Bearer realm="api", error="invalid_token"`; `None` when the
    /// value is not a `Bearer` challenge. Quoted and token values are accepted, escapes inside
    /// quotes are undone, unknown parameters are ignored.
    pub fn parse(header: &str) -> Option<Self> {
        let header = header.trim();
        let rest = header
            .get(..6)
            .filter(|scheme| scheme.eq_ignore_ascii_case("bearer"))
            .map(|_| &header[6..])?;
        if !rest.is_empty() && !rest.starts_with([' ', ',']) {
            return None;
        }
        let mut challenge = Self::default();
        for (name, value) in challenge_parameters(rest) {
            let slot = match name.as_str() {
                "realm" => &mut challenge.realm,
                "error" => &mut challenge.error,
                "error_description" => &mut challenge.error_description,
                "scope" => &mut challenge.scope,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        Some(challenge)
    }
}

fn challenge_parameters(rest: &str) -> Vec<(String, String)> {
    let mut parameters = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let name: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if name.trim().is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    other => value.push(other),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied().filter(|c| *c != ',') {
                value.push(c);
                chars.next();
            }
            value = value.trim().to_owned();
        }
        parameters.push((name.trim().to_ascii_lowercase(), value));
    }
    parameters
}

/// The JSON error body resource servers send beside the challenge:
/// `{"error", "error_description"[, "scope"]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BearerErrorBody {
    /// The error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// The scope the resource requires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_without_credentials_names_only_the_realm() {
        assert_eq!(
            BearerChallenge::new("api").to_header_value(),
            "Bearer realm=\"api\""
        );
    }

    #[test]
    fn errors_and_scope_are_written_in_order() {
        let challenge = BearerChallenge::with_error(
            "api",
            BearerErrorCode::InsufficientScope,
            "the read:messages scope is required",
        )
        .with_scope("read:messages");
        assert_eq!(
            challenge.to_header_value(),
            "Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"the read:messages scope is required\", scope=\"read:messages\""
        );
    }

    #[test]
    fn text_outside_the_grammar_is_left_out_rather_than_injected() {
        let challenge = BearerChallenge::with_error(
            "api",
            BearerErrorCode::InvalidToken,
            "bad\", error=\"insufficient_scope",
        );
        assert_eq!(
            challenge.to_header_value(),
            "Bearer realm=\"api\", error=\"invalid_token\""
        );
        assert!(
            !is_challenge_text("a\\b") && !is_challenge_text("é") && is_challenge_text("a b!~")
        );
    }

    #[test]
    fn challenges_are_parsed_with_quotes_escapes_and_tokens() {
        let challenge = BearerChallenge::parse(
            r#"Bearer realm="api", error="invalid_token", error_description="The \"token\" expired", scope=read:messages"#,
        )
        .unwrap();
        assert_eq!(challenge.realm.as_deref(), Some("api"));
        assert_eq!(challenge.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            challenge.error_description.as_deref(),
            Some("The \"token\" expired")
        );
        assert_eq!(challenge.scope.as_deref(), Some("read:messages"));
        assert_eq!(
            BearerChallenge::parse("bearer"),
            Some(BearerChallenge::default())
        );
        assert_eq!(BearerChallenge::parse("Basic realm=\"x\""), None);
        assert_eq!(BearerChallenge::parse("Bearerx realm=\"x\""), None);
    }

    #[test]
    fn built_challenges_parse_back() {
        let built = BearerChallenge::with_error(
            "api",
            BearerErrorCode::InvalidRequest,
            "malformed authorization header",
        );
        assert_eq!(
            BearerChallenge::parse(&built.to_header_value()),
            Some(built)
        );
    }

    #[test]
    fn codes_carry_their_status() {
        assert_eq!(BearerErrorCode::InvalidRequest.status(), 400);
        assert_eq!(BearerErrorCode::InvalidToken.status(), 401);
        assert_eq!(BearerErrorCode::InsufficientScope.status(), 403);
    }
}
