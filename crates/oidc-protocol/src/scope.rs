//! Scopes (RFC 6749 section 3.3): a space-separated list of case-sensitive scope tokens.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether `token` is a valid scope token: `1*( %x21 / %x23-5B / %x5D-7E )` (RFC 6749
/// section 3.3), so no spaces, quotes or backslashes.
pub fn is_scope_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|byte| matches!(byte, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// A scope list as sent in `scope` and carried in the access token's `scope` claim.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Scope(String);

impl Scope {
    /// Wraps a space-separated list as written.
    pub fn new(list: impl Into<String>) -> Self {
        Self(list.into())
    }

    /// A list of the given tokens, in order, without repeats.
    pub fn from_tokens<'a>(tokens: impl IntoIterator<Item = &'a str>) -> Self {
        let mut list: Vec<&str> = Vec::new();
        for token in tokens {
            if !token.is_empty() && !list.contains(&token) {
                list.push(token);
            }
        }
        Self(list.join(" "))
    }

    /// The list as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The scope tokens; runs of separators yield no empty tokens.
    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|token| !token.is_empty())
    }

    /// Whether the list holds exactly this token: no prefix, case variant or look-alike.
    pub fn contains(&self, token: &str) -> bool {
        self.tokens().any(|item| item == token)
    }

    /// Whether every token is a valid scope token and the separators are single spaces.
    pub fn is_well_formed(&self) -> bool {
        self.0.split(' ').all(is_scope_token)
    }

    /// This list plus `token` at the end, unless it is already present.
    #[must_use]
    pub fn with(&self, token: &str) -> Self {
        Self::from_tokens(self.tokens().chain(std::iter::once(token)))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_contains_whole_tokens_only() {
        let scope = Scope::new("openid profile read:messagesX");
        assert!(scope.contains("openid"));
        assert!(!scope.contains("read:messages"));
        assert!(!scope.contains("OPENID"));
        assert!(!Scope::new("read:messages,write:messages").contains("read:messages"));
        assert!(!Scope::new("").contains(""));
    }

    #[test]
    fn tokens_skip_empty_runs_and_lists_are_built_without_repeats() {
        let scope = Scope::new(" openid  profile ");
        assert_eq!(scope.tokens().collect::<Vec<_>>(), ["openid", "profile"]);
        assert!(!scope.is_well_formed());
        let built = Scope::from_tokens(["openid", "profile", "openid", ""]);
        assert_eq!(built.as_str(), "openid profile");
        assert!(built.is_well_formed());
        assert_eq!(
            built.with("offline_access").as_str(),
            "openid profile offline_access"
        );
        assert_eq!(built.with("openid").as_str(), "openid profile");
    }

    #[test]
    fn scope_tokens_follow_rfc6749_section_3_3() {
        for token in ["openid", "read:messages", "https://api/x.y", "!#[]~"] {
            assert!(is_scope_token(token), "{token}");
        }
        for token in ["", "a b", "a\"b", "a\\b", "é", "a\tb"] {
            assert!(!is_scope_token(token), "{token:?}");
        }
    }
}
