//! The `WWW-Authenticate: Bearer` challenge (RFC 6750 section 3) and the grammar of its values.

use std::sync::Arc;

use axum::http::HeaderValue;

/// The realm when none is configured.
const DEFAULT_REALM: &str = "api";

/// Why a text cannot be a realm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RealmError {
    /// Empty, or has a byte outside printable ASCII, or a `"` or `\`.
    #[error("must be non-empty printable ASCII without quotes or backslashes")]
    InvalidText,
}

/// The `realm` attribute of every challenge (RFC 6750 section 3, RFC 7235 section 2.2); `api`
/// unless configured. Cheap to clone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm(Arc<str>);

impl Realm {
    /// A realm of printable ASCII without `"` or `\`, so it needs no escaping in the header.
    ///
    /// # Errors
    /// [`RealmError::InvalidText`] for an empty text or one with other characters.
    pub fn new(realm: &str) -> Result<Self, RealmError> {
        if realm.is_empty() || !is_quoted_text(realm) {
            return Err(RealmError::InvalidText);
        }
        Ok(Self(Arc::from(realm)))
    }

    /// The realm as it appears between the quotes.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Realm {
    fn default() -> Self {
        Self(Arc::from(DEFAULT_REALM))
    }
}

/// The error part of a challenge: `error`, `error_description` and, for `insufficient_scope`,
/// `scope` (RFC 6750 section 3).
pub(crate) struct ChallengeError<'a> {
    pub(crate) code: &'static str,
    pub(crate) description: &'a str,
    pub(crate) scope: Option<&'a str>,
}

/// `Bearer realm="..."[, error="...", error_description="..."[, scope="..."]]`. A description or
/// scope that does not fit its grammar is left out rather than break the header; the ones this
/// crate sends always fit (its tests check every one).
pub(crate) fn bearer_challenge(realm: &Realm, error: Option<ChallengeError<'_>>) -> HeaderValue {
    let mut challenge = format!("Bearer realm=\"{}\"", realm.as_str());
    if let Some(error) = error {
        challenge.push_str(&format!(", error=\"{}\"", error.code));
        if is_quoted_text(error.description) {
            challenge.push_str(&format!(", error_description=\"{}\"", error.description));
        }
        if let Some(scope) = error.scope.filter(|scope| is_scope_token(scope)) {
            challenge.push_str(&format!(", scope=\"{scope}\""));
        }
    }
    // Every part is printable ASCII by now, which is always a valid header value.
    HeaderValue::from_str(&challenge).unwrap_or(HeaderValue::from_static("Bearer"))
}

/// `%x20-21 / %x23-5B / %x5D-7E`: the characters RFC 6750 section 3 allows in
/// `error_description`, used for the realm too so that no value needs escaping.
pub(crate) fn is_quoted_text(text: &str) -> bool {
    text.bytes()
        .all(|byte| matches!(byte, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )` (RFC 6749 section 3.3).
pub(crate) fn is_scope_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| matches!(byte, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_challenge_names_only_the_realm() {
        assert_eq!(
            bearer_challenge(&Realm::default(), None),
            "Bearer realm=\"api\""
        );
    }

    #[test]
    fn error_challenge_carries_code_description_and_scope() {
        let challenge = bearer_challenge(
            &Realm::new("messages").unwrap(),
            Some(ChallengeError {
                code: "insufficient_scope",
                description: "the read:messages scope is required",
                scope: Some("read:messages"),
            }),
        );
        assert_eq!(
            challenge,
            "Bearer realm=\"messages\", error=\"insufficient_scope\", error_description=\"the read:messages scope is required\", scope=\"read:messages\""
        );
    }

    #[test]
    fn values_outside_their_grammar_are_left_out_of_the_challenge() {
        let challenge = bearer_challenge(
            &Realm::default(),
            Some(ChallengeError {
                code: "insufficient_scope",
                description: "quote \" inside",
                scope: Some("two words"),
            }),
        );
        assert_eq!(
            challenge,
            "Bearer realm=\"api\", error=\"insufficient_scope\""
        );
    }

    #[test]
    fn realm_must_need_no_escaping() {
        for realm in ["", "a\"b", "a\\b", "tab\there", "caf\u{e9}"] {
            assert_eq!(Realm::new(realm), Err(RealmError::InvalidText), "{realm:?}");
        }
        assert_eq!(Realm::new("my api").unwrap().as_str(), "my api");
    }

    #[test]
    fn scope_token_is_one_non_empty_word_without_quotes_or_backslashes() {
        assert!(is_scope_token("read:messages"));
        for text in ["", "a b", "a\"b", "a\\b", "a\u{7f}"] {
            assert!(!is_scope_token(text), "{text:?}");
        }
    }
}
