//! Newtypes for the protocol identifiers that are all strings and easy to swap by mistake: the
//! client id (the ID token's `aud`) and the API identifier (the access token's `aud`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A registered client's `client_id`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(String);

/// A registered API's identifier, used as `audience` and as the access token's `aud`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Audience(String);

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// The identifier as sent on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(ClientId);
string_newtype!(Audience);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_serialize_as_plain_strings() {
        let client_id = ClientId::from("local-spa-client");
        assert_eq!(
            serde_json::to_string(&client_id).ok().as_deref(),
            Some(r#""local-spa-client""#)
        );
        let audience: Audience =
            serde_json::from_str(r#""https://quickstarts/api""#).expect("a string");
        assert_eq!(audience, "https://quickstarts/api");
    }
}
