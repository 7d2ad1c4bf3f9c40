//! The realm every `WWW-Authenticate: Bearer` challenge names (RFC 6750 section 3).

use std::sync::Arc;

use oidc_protocol::challenge::is_challenge_text;

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
        if realm.is_empty() || !is_challenge_text(realm) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realm_must_need_no_escaping() {
        for realm in ["", "a\"b", "a\\b", "tab\there", "caf\u{e9}"] {
            assert_eq!(Realm::new(realm), Err(RealmError::InvalidText), "{realm:?}");
        }
        assert_eq!(Realm::new("my api").unwrap().as_str(), "my api");
    }
}
