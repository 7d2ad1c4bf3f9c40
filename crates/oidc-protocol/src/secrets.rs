//! Bearer secrets: access, ID and refresh tokens and authorization codes. Each has a private
//! field, a `secret()` accessor for the few places that must send or store it, and a `Debug`
//! that never prints it. Serialisation writes the plain string, for token responses and storage.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret received from the tenant or read back from storage.
            pub fn new(secret: impl Into<String>) -> Self {
                Self(secret.into())
            }

            /// The secret itself: only for sending or storing it, never for logging.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret!(
    /// An OAuth 2.0 access token for the API (RFC 6750 bearer token).
    AccessToken
);
secret!(
    /// An OpenID Connect ID token: a signed JWT about the user (OIDC Core 2).
    IdToken
);
secret!(
    /// An OAuth 2.0 refresh token (RFC 6749 section 1.5).
    RefreshToken
);
secret!(
    /// An OAuth 2.0 authorization code (RFC 6749 section 4.1.2), good for one exchange.
    AuthorizationCode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_secrets_is_redacted() {
        assert_eq!(
            format!("{:?}", AccessToken::new("eyJ.a.b")),
            "AccessToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", IdToken::new("eyJ.c.d")),
            "IdToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", RefreshToken::new("r")),
            "RefreshToken([redacted])"
        );
        assert_eq!(
            format!("{:?}", Some(AuthorizationCode::new("code"))),
            "Some(AuthorizationCode([redacted]))"
        );
        assert_eq!(AccessToken::new("eyJ.a.b").secret(), "eyJ.a.b");
    }

    #[test]
    fn secrets_serialize_as_plain_strings() {
        let token = AccessToken::new("abc");
        assert_eq!(serde_json::to_string(&token).unwrap(), r#""abc""#);
        assert_eq!(
            serde_json::from_str::<AccessToken>(r#""abc""#).unwrap(),
            token
        );
    }
}
