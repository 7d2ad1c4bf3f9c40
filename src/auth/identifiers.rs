//! Newtypes for protocol strings that are easy to mix up: client id, audience, scope, issuer.

use std::fmt;

macro_rules! protocol_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value that has already been validated by the configuration.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

protocol_string!(
    /// The OAuth 2.0 `client_id` of this SPA at the tenant.
    ClientId
);
protocol_string!(
    /// The API identifier asked for as `audience`, which becomes the access token's `aud`.
    Audience
);
protocol_string!(
    /// A space-separated OAuth 2.0 scope list (RFC 6749 section 3.3).
    Scope
);
protocol_string!(
    /// The tenant's issuer identifier, compared byte for byte with `iss` (OIDC Core 3.1.3.7).
    Issuer
);

impl Scope {
    /// Whether the list holds exactly this scope token (not a prefix or look-alike).
    pub fn contains(&self, scope: &str) -> bool {
        self.0.split_ascii_whitespace().any(|item| item == scope)
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
    }
}
