//! The token mix the load generator sends: valid, expired, bad-signature, unknown-key, garbage
//! and missing credentials, minted before the run so that signing costs nothing during it,
//! and chosen by a fixed pattern so that every run sends the same proportions.

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::http::HeaderValue;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oidc_protocol::base64url;
use serde_json::{Value, json};

use crate::keys::{KeyError, SigningKey};

/// Distinct valid tokens per key: many users repeating their tokens, as browsers do, so most
/// valid requests are answered from the API's verified-token cache.
const VALID_PER_KEY: usize = 64;
/// Distinct expired and bad-signature tokens per key; these are verified on every request.
const INVALID_PER_KEY: usize = 12;
/// Distinct tokens naming a key the issuer never published.
const UNKNOWN_KEY_TOKENS: usize = 8;
/// Valid tokens live this long: longer than the longest run.
const VALID_LIFETIME_SECONDS: u64 = 3600;

/// What a request's credentials are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenClass {
    /// Signed by a published key, for this API, unexpired, with `read:messages`.
    Valid,
    /// As valid, but `exp` an hour ago.
    Expired,
    /// Naming a published key but not signed by it: another key's signature, a changed
    /// signature, or a payload the signature is not for.
    BadSignature,
    /// Naming a key id the issuer never published, signed by a key it does not have.
    UnknownKey,
    /// Not a usable RS256 JWT at all, within the bearer grammar (RFC 6750 section 2.1).
    Garbage,
    /// No `Authorization` header, or another scheme.
    Missing,
}

impl TokenClass {
    /// Every class, in report order.
    pub const ALL: [TokenClass; 6] = [
        TokenClass::Valid,
        TokenClass::Expired,
        TokenClass::BadSignature,
        TokenClass::UnknownKey,
        TokenClass::Garbage,
        TokenClass::Missing,
    ];

    /// The class's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            TokenClass::Valid => "valid",
            TokenClass::Expired => "expired",
            TokenClass::BadSignature => "bad signature",
            TokenClass::UnknownKey => "unknown key",
            TokenClass::Garbage => "garbage",
            TokenClass::Missing => "missing",
        }
    }

    /// Its position in [`TokenClass::ALL`].
    pub fn index(self) -> usize {
        match self {
            TokenClass::Valid => 0,
            TokenClass::Expired => 1,
            TokenClass::BadSignature => 2,
            TokenClass::UnknownKey => 3,
            TokenClass::Garbage => 4,
            TokenClass::Missing => 5,
        }
    }
}

/// The mix, one pattern of 20 requests: half valid, the rest spread over the refusals.
const MIX: [TokenClass; 20] = {
    use TokenClass::*;
    [
        Valid,
        BadSignature,
        Valid,
        Garbage,
        Valid,
        Expired,
        Valid,
        Missing,
        Valid,
        BadSignature,
        Valid,
        UnknownKey,
        Valid,
        Expired,
        Valid,
        Garbage,
        Valid,
        BadSignature,
        Valid,
        Missing,
    ]
};

/// One request's credentials and what the oracle needs to know about them.
#[derive(Clone)]
pub struct Credential {
    /// Its class.
    pub class: TokenClass,
    /// The published key its header names (index into the issuer's keys), if any.
    pub key: Option<usize>,
    /// The `Authorization` value, or none.
    pub authorization: Option<HeaderValue>,
}

/// The tokens of one issuer key.
struct KeyTokens {
    valid: Vec<HeaderValue>,
    expired: Vec<HeaderValue>,
    bad_signature: Vec<HeaderValue>,
}

/// Every token the run sends, by class and key.
pub struct TokenPools {
    per_key: Vec<KeyTokens>,
    unknown_key: Vec<HeaderValue>,
    garbage: Vec<HeaderValue>,
    missing: Vec<Option<HeaderValue>>,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

fn bearer(token: &str) -> Result<HeaderValue, KeyError> {
    Ok(HeaderValue::from_str(&format!("Bearer {token}"))?)
}

fn claims(issuer: &str, audience: &str, user: usize, expires_at: u64, issued_at: u64) -> Value {
    json!({
        "iss": issuer,
        "sub": format!("auth0|soak-user-{user}"),
        "aud": [audience],
        "iat": issued_at,
        "exp": expires_at,
        "scope": "openid profile read:messages",
    })
}

/// `token` with one character of its signature changed, so that the signature bytes differ
/// (a character in the middle: the last one may only carry padding bits).
fn with_changed_signature(token: &str) -> String {
    let signature_start = token.rfind('.').map_or(0, |dot| dot + 1);
    let position = signature_start + (token.len() - signature_start) / 2;
    let mut bytes = token.as_bytes().to_vec();
    bytes[position] = if bytes[position] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap_or_default()
}

/// The header and signature of `signed` around the payload of `other`.
fn with_payload_of(signed: &str, other: &str) -> String {
    let mut parts = signed.split('.');
    let other_payload = other.split('.').nth(1).unwrap_or_default();
    let header = parts.next().unwrap_or_default();
    let signature = parts.nth(1).unwrap_or_default();
    format!("{header}.{other_payload}.{signature}")
}

impl TokenPools {
    /// Mints every token: for each of `keys` valid, expired and bad-signature ones, and
    /// unknown-key, garbage and missing credentials; `foreign` signs what no published key
    /// signed.
    ///
    /// # Errors
    /// [`KeyError::Sign`] when a token cannot be signed.
    pub fn mint(
        issuer: &str,
        audience: &str,
        keys: &[SigningKey],
        foreign: &SigningKey,
    ) -> Result<Self, KeyError> {
        let now = unix_now();
        let valid_until = now + VALID_LIFETIME_SECONDS;
        let mut per_key = Vec::with_capacity(keys.len());
        for (key_index, key) in keys.iter().enumerate() {
            let user_base = key_index * VALID_PER_KEY;
            let valid_tokens = (0..VALID_PER_KEY)
                .map(|user| {
                    key.sign(&claims(
                        issuer,
                        audience,
                        user_base + user,
                        valid_until,
                        now,
                    ))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let expired = (0..INVALID_PER_KEY)
                .map(|user| key.sign(&claims(issuer, audience, user, now - 3600, now - 7200)))
                .map(|token| token.and_then(|token| bearer(&token)))
                .collect::<Result<Vec<_>, _>>()?;
            let mut bad_signature = Vec::with_capacity(INVALID_PER_KEY);
            for user in 0..INVALID_PER_KEY {
                let token = match user % 3 {
                    0 => foreign
                        .sign_as(key.kid(), &claims(issuer, audience, user, valid_until, now))?,
                    1 => with_changed_signature(&valid_tokens[user]),
                    _ => with_payload_of(
                        &valid_tokens[user],
                        &valid_tokens[(user + 1) % valid_tokens.len()],
                    ),
                };
                bad_signature.push(bearer(&token)?);
            }
            let valid = valid_tokens
                .iter()
                .map(|token| bearer(token))
                .collect::<Result<Vec<_>, _>>()?;
            per_key.push(KeyTokens {
                valid,
                expired,
                bad_signature,
            });
        }
        let unknown_key = (0..UNKNOWN_KEY_TOKENS)
            .map(|user| {
                foreign.sign_as(
                    &format!("soak-never-published-{user}"),
                    &claims(issuer, audience, user, valid_until, now),
                )
            })
            .map(|token| token.and_then(|token| bearer(&token)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            per_key,
            unknown_key,
            garbage: garbage(issuer, audience, keys, now)?,
            missing: vec![
                None,
                Some(HeaderValue::from_static("Basic c29hazpwYXNzd29yZA==")),
            ],
        })
    }

    /// The credentials of request number `sequence` of a worker, while the issuer publishes
    /// its first `published` keys (at least one): valid tokens alternate between the newest
    /// key, which the issuer now signs with, and older ones, which earlier tokens carry.
    pub fn pick(&self, sequence: u64, published: usize) -> Credential {
        let published = published.clamp(1, self.per_key.len());
        let class = MIX[(sequence % MIX.len() as u64) as usize];
        let round = (sequence / MIX.len() as u64) as usize;
        let spread_key = round % published;
        let (key, authorization) = match class {
            TokenClass::Valid => {
                let key = if round.is_multiple_of(2) {
                    published - 1
                } else {
                    (round / 2) % published
                };
                let pool = &self.per_key[key].valid;
                (Some(key), Some(pool[round % pool.len()].clone()))
            }
            TokenClass::Expired => {
                let pool = &self.per_key[spread_key].expired;
                (Some(spread_key), Some(pool[round % pool.len()].clone()))
            }
            TokenClass::BadSignature => {
                let pool = &self.per_key[spread_key].bad_signature;
                (Some(spread_key), Some(pool[round % pool.len()].clone()))
            }
            TokenClass::UnknownKey => (
                None,
                Some(self.unknown_key[round % self.unknown_key.len()].clone()),
            ),
            TokenClass::Garbage => (None, Some(self.garbage[round % self.garbage.len()].clone())),
            TokenClass::Missing => (None, self.missing[round % self.missing.len()].clone()),
        };
        Credential {
            class,
            key,
            authorization,
        }
    }
}

/// Tokens within the bearer grammar that are refused before any key is looked up: not three
/// segments, segments that are not base64url JSON, and JWTs whose header names no RS256 key.
fn garbage(
    issuer: &str,
    audience: &str,
    keys: &[SigningKey],
    now: u64,
) -> Result<Vec<HeaderValue>, KeyError> {
    let claims = claims(issuer, audience, 0, now + VALID_LIFETIME_SECONDS, now);
    let payload = base64url::encode(claims.to_string());
    let alg_none = format!(
        "{}.{payload}.",
        base64url::encode(r#"{"alg":"none","typ":"JWT"}"#)
    );
    let first_kid = keys.first().map(SigningKey::kid).unwrap_or("none");
    // Key confusion: an HMAC "signature" keyed with public data, under a published kid.
    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = Some(first_kid.to_owned());
    let hs256 = jsonwebtoken::encode(&hs256, &claims, &EncodingKey::from_secret(b"public"))
        .map_err(KeyError::Sign)?;
    let no_kid = match keys.first() {
        Some(key) => {
            let header = base64url::encode(r#"{"alg":"RS256","typ":"JWT"}"#);
            let signed = key.sign(&claims)?;
            let signature = signed.rsplit('.').next().unwrap_or_default().to_owned();
            format!("{header}.{payload}.{signature}")
        }
        None => "no.keys.here".to_owned(),
    };
    let long: String = std::iter::repeat_n("QUJD", 1500).collect();
    [
        "garbage".to_owned(),
        "a.b.c".to_owned(),
        "a.b.c.d".to_owned(),
        base64url::encode([7_u8; 32]),
        format!(
            "{}.{}.{}",
            base64url::encode("not json"),
            base64url::encode("{}"),
            base64url::encode("signature")
        ),
        "~~~~.~~~~.~~~~".to_owned(),
        alg_none,
        hs256,
        no_kid,
        long,
    ]
    .iter()
    .map(|token| bearer(token))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_half_valid_and_sends_every_class() {
        let valid = MIX
            .iter()
            .filter(|class| **class == TokenClass::Valid)
            .count();
        assert_eq!(valid * 2, MIX.len());
        for class in TokenClass::ALL {
            assert!(MIX.contains(&class), "{class:?}");
            assert_eq!(TokenClass::ALL[class.index()], class);
        }
    }

    #[test]
    fn a_changed_signature_differs_only_in_the_signature() {
        let token = "aGVhZGVy.cGF5bG9hZA.c2lnbmF0dXJlQUFB";
        let changed = with_changed_signature(token);
        assert_ne!(changed, token);
        assert!(changed.starts_with("aGVhZGVy.cGF5bG9hZA."));
        assert_eq!(changed.len(), token.len());
    }

    #[test]
    fn a_swapped_payload_keeps_header_and_signature() {
        assert_eq!(with_payload_of("h.p.s", "H.P.S"), "h.P.s");
    }
}
