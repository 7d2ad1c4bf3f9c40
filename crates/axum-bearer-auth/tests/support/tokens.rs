//! Minting compact JWS tokens with any header and claims.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::Algorithm;
use oidc_protocol::base64url;
use serde_json::{Value, json};

use super::keys::TestKey;

pub const AUDIENCE: &str = "https://quickstarts/api";

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

pub fn rs256_header(kid: &str) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": kid})
}

/// Claims that pass every check for `issuer`, with the `read:messages` scope.
pub fn valid_claims(issuer: &str) -> Value {
    let now = now();
    json!({
        "iss": issuer,
        "sub": "auth0|reader",
        "aud": [AUDIENCE, format!("{issuer}userinfo")],
        "iat": now,
        "exp": now + 600,
        "scope": "openid profile read:messages",
    })
}

/// Signs `header.claims` with RS256 whatever the header says, as an attacker could.
pub fn sign(header: &Value, claims: &Value, key: &TestKey) -> String {
    let message = format!(
        "{}.{}",
        base64url::encode(header.to_string()),
        base64url::encode(claims.to_string())
    );
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key.encoding, Algorithm::RS256)
        .expect("rs256 signing");
    format!("{message}.{signature}")
}
