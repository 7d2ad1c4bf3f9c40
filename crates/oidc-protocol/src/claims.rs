//! The claims of the tokens and of `/userinfo`: `aud` (RFC 7519 section 4.1.3), the ID token
//! (OIDC Core 2), the profile claims (OIDC Core 5.1) and Auth0's access token profile.
//!
//! Issuers serialise them; clients and APIs deserialise them. A claim of the wrong JSON type
//! makes deserialising fail, so a token can never be read in two ways.

use serde::ser::SerializeSeq;
use serde::{Deserialize, Serialize};

use crate::identifiers::ClientId;
use crate::scope::Scope;

/// `aud`: one string, or an array of strings (RFC 7519 section 4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudienceClaim {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl AudienceClaim {
    /// Whether `audience` is one of them, compared byte for byte.
    pub fn contains(&self, audience: &str) -> bool {
        self.iter().any(|one| one == audience)
    }

    /// Whether there is more than one audience (then `azp` matters, OIDC Core 3.1.3.7 step 4).
    pub fn is_multiple(&self) -> bool {
        matches!(self, Self::Many(many) if many.len() > 1)
    }

    /// The audiences.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many) = match self {
            Self::One(one) => (Some(one.as_str()), &[][..]),
            Self::Many(many) => (None, many.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }

    /// All audiences joined with `", "`, for display.
    pub fn joined(&self) -> String {
        self.iter().collect::<Vec<_>>().join(", ")
    }
}

impl Serialize for AudienceClaim {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::One(one) => serializer.serialize_str(one),
            Self::Many(many) => {
                let mut seq = serializer.serialize_seq(Some(many.len()))?;
                for item in many {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

// Hand-written rather than `#[serde(untagged)]`, whose buffering deserializer is large in wasm
// and whose errors say nothing.
impl<'de> Deserialize<'de> for AudienceClaim {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;

        impl<'de> serde::de::Visitor<'de> for AudienceVisitor {
            type Value = AudienceClaim;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a string or an array of strings")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<AudienceClaim, E> {
                Ok(AudienceClaim::One(value.to_owned()))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<AudienceClaim, A::Error> {
                let mut many = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    many.push(item);
                }
                Ok(AudienceClaim::Many(many))
            }
        }

        deserializer.deserialize_any(AudienceVisitor)
    }
}

/// The standard profile claims (OIDC Core 5.1) that the `profile` and `email` scopes release
/// (OIDC Core 5.4), in ID tokens and in `/userinfo` answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardClaims {
    /// Full name (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Casual name (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    /// Profile picture URL (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// When the profile last changed, as Auth0 writes it (an ISO 8601 string) (`profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Email address (`email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the address was verified (`email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

/// A `/userinfo` answer (OIDC Core 5.3.2): the subject and the released profile claims.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The subject; must equal the ID token's `sub` (OIDC Core 5.3.4).
    pub sub: String,
    /// The released profile claims.
    #[serde(flatten)]
    pub profile: StandardClaims,
}

/// The claims of an ID token (OIDC Core 2) that clients check, plus the profile claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// Issuer, compared byte for byte with the configured one.
    pub iss: String,
    /// Subject, the user id; required, and refused when empty.
    #[serde(default)]
    pub sub: String,
    /// Audience: must contain the client id.
    pub aud: AudienceClaim,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// When the user authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
    /// The authorization request's nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party: the client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Access token hash (OIDC Core 3.2.2.10), required in implicit responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// The tenant's session id (OIDC Front-Channel Logout 1.0 section 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The released profile claims.
    #[serde(flatten)]
    pub profile: StandardClaims,
}

/// The claims of an access token in Auth0's JWT profile for APIs, with RBAC's `permissions`.
///
/// The claims a validator requires (`iss`, `sub`, `aud`, `exp`) are `Option` so that an absent
/// claim is told apart from one of the wrong type; validators refuse both.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Subject: the user id, or `<client_id>@clients` for client credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The API, plus `<issuer>userinfo` when `openid` was granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<AudienceClaim>,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// Not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// The client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<ClientId>,
    /// Granted scopes, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Auth0 RBAC: the caller's permissions for this API, when "Add Permissions in the Access
    /// Token" is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_are_one_string_or_an_array_of_strings() {
        let one: AudienceClaim = serde_json::from_str(r#""a""#).unwrap();
        let many: AudienceClaim = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert_eq!(one, AudienceClaim::One("a".into()));
        assert!(one.contains("a") && !one.contains("b") && !one.is_multiple());
        assert!(many.contains("b") && many.is_multiple());
        assert_eq!(many.joined(), "a, b");
        for wrong in ["[1]", "{}", "1", "null", r#"["a",null]"#] {
            assert!(
                serde_json::from_str::<AudienceClaim>(wrong).is_err(),
                "{wrong}"
            );
        }
        assert_eq!(serde_json::to_string(&one).unwrap(), r#""a""#);
        assert_eq!(serde_json::to_string(&many).unwrap(), r#"["a","b"]"#);
    }

    #[test]
    fn userinfo_carries_the_subject_and_only_the_released_claims() {
        let info = UserInfo {
            sub: "auth0|1".into(),
            profile: StandardClaims {
                email: Some("a@example.com".into()),
                ..StandardClaims::default()
            },
        };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"sub": "auth0|1", "email": "a@example.com"})
        );
        let back: UserInfo = serde_json::from_value(json).unwrap();
        assert_eq!(back, info);
    }

    #[test]
    fn id_token_claims_round_trip_with_profile_claims_at_the_top_level() {
        let json = serde_json::json!({
            "iss": "https://t/", "sub": "u", "aud": "c", "exp": 10, "iat": 1,
            "nonce": "n", "name": "Ann", "extra": true
        });
        let claims: IdTokenClaims = serde_json::from_value(json).unwrap();
        assert_eq!(claims.profile.name.as_deref(), Some("Ann"));
        assert_eq!(claims.nonce.as_deref(), Some("n"));
        let out = serde_json::to_value(&claims).unwrap();
        assert_eq!(out["name"], "Ann");
        assert!(out.get("extra").is_none() && out.get("at_hash").is_none());
    }

    #[test]
    fn access_token_claims_of_the_wrong_type_do_not_deserialize() {
        for wrong in [
            serde_json::json!({"permissions": "read:messages"}),
            serde_json::json!({"permissions": [1]}),
            serde_json::json!({"scope": ["read:messages"]}),
            serde_json::json!({"exp": "10"}),
            serde_json::json!({"sub": 5}),
        ] {
            assert!(
                serde_json::from_value::<AccessTokenClaims>(wrong.clone()).is_err(),
                "{wrong}"
            );
        }
        let claims: AccessTokenClaims =
            serde_json::from_value(serde_json::json!({"permissions": ["read:messages"]})).unwrap();
        assert_eq!(claims.permissions, Some(vec!["read:messages".to_owned()]));
        assert_eq!(claims.sub, None);
    }
}
