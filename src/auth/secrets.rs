//! Bearer secrets: the access token and the ID token, with a `Debug` that never prints them.

use std::fmt;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a token received from the tenant or read back from storage.
            pub fn new(secret: impl Into<String>) -> Self {
                Self(secret.into())
            }

            /// The token itself; only for sending it or storing it, never for logging.
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

secret_string!(
    /// An OAuth 2.0 access token for the API (RFC 6750 bearer token).
    AccessToken
);
secret_string!(
    /// An OpenID Connect ID token (a signed JWT about the user).
    IdToken
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_of_tokens_is_redacted() {
        let access_token = AccessToken::new("eyJ.secret.value");
        let id_token = IdToken::new("eyJ.other.secret");
        assert_eq!(format!("{access_token:?}"), "AccessToken([redacted])");
        assert_eq!(format!("{id_token:?}"), "IdToken([redacted])");
        assert_eq!(access_token.secret(), "eyJ.secret.value");
    }
}
