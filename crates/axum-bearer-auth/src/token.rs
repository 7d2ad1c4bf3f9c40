//! Verifying an RS256 access token: header rules, key by `kid`, signature, then claims.
//!
//! Checks, in order: compact JWS form with canonical base64url segments and a header and
//! payload that are JSON objects (RFC 7515 section 7.1); `alg` exactly `RS256` (the token never
//! chooses the algorithm), a string `kid`, and none of `crit`, `jwk`, `jku`, `x5u`, `x5c` (RFC
//! 7515 section 4.1: no extensions are supported and keys come only from the issuer's JWKS),
//! both as oidc-protocol's [`UnverifiedJwt`] defines them; the signature with the issuer's key
//! (ring, see [`crate::rs256`]); then each claim of its JSON type, `exp`, `iss`, `aud` and `sub`
//! present, `exp` in the future and `nbf` in the past (within the leeway), `iss` exact, `aud`
//! containing ours, `sub` not empty.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oidc_protocol::bearer::MAX_TOKEN_BYTES;
use oidc_protocol::{Audience, AudienceClaim, ClientId, Issuer, JwtError, Scope, UnverifiedJwt};
use serde::de::{Error as _, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::claims::{Claims, PermissionsClaim};
use crate::config::BearerAuthConfig;
use crate::error::AuthErrorKind;
use crate::jwks::{JwksCache, KeyLookupError, KeyStatus};
use crate::metrics::{AuthMetrics, Counters, Outcome};
use crate::permission::PermissionSource;
use crate::realm::Realm;
use crate::verified_cache::{TokenDigest, VerifiedTokenCache, token_digest};

/// Why a token is not acceptable. Each `Display` text is the `error_description` sent to the
/// client: short, fixed, never containing anything from the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three canonical base64url segments, a header or payload that is not a JSON object,
    /// or a header that names a parameter twice or has a `cty`, `x5t` or `x5t#S256` that is not
    /// a string.
    #[error("malformed token")]
    Malformed,
    /// The header carries `crit`, `jwk`, `jku`, `x5u` or `x5c`.
    #[error("unsupported token header")]
    ForbiddenHeader,
    /// `alg` is not `RS256`.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The header has no string `kid`.
    #[error("missing key id")]
    MissingKeyId,
    /// The issuer does not list the `kid`.
    #[error("unknown signing key")]
    UnknownKeyId,
    /// The signature does not verify with the issuer's key.
    #[error("invalid signature")]
    BadSignature,
    /// `exp` has passed (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("invalid issuer")]
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    #[error("invalid audience")]
    WrongAudience,
    /// A required claim (`iss`, `aud`, `exp`, `sub`) is absent or empty.
    #[error("missing required claim")]
    MissingClaim,
    /// A claim has the wrong JSON type.
    #[error("invalid claim format")]
    InvalidClaim,
}

impl From<JwtError> for TokenError {
    fn from(error: JwtError) -> Self {
        match error {
            JwtError::Malformed => TokenError::Malformed,
            JwtError::ForbiddenHeader => TokenError::ForbiddenHeader,
            JwtError::UnsupportedAlgorithm => TokenError::UnsupportedAlgorithm,
            JwtError::MissingKeyId => TokenError::MissingKeyId,
            JwtError::Claims => TokenError::InvalidClaim,
        }
    }
}

/// The claims as they must appear: those of oidc-protocol's [`AccessTokenClaims`](oidc_protocol::AccessTokenClaims), each of its
/// type there, so that a claim of another JSON type makes deserialising fail, and so does a
/// duplicate of any of them. The required ones are `Option` so that their absence is reported
/// as such rather than as a format error.
///
/// The same fields as `AccessTokenClaims` rather than that struct flattened beside
/// `permissions`: `#[serde(flatten)]` makes serde buffer every claim of every new token as
/// generic content before reading it again, which cost a server more than the whole check of
/// the claims. A test holds the two to the same claims.
///
/// `permissions` is the exception, read leniently rather than as in `AccessTokenClaims`
/// (which would refuse the whole token): a wrong type is recorded, and only an error where the
/// claim is consulted. A duplicate of it is still refused outright.
#[derive(Deserialize)]
struct TokenClaims {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    aud: Option<AudienceClaim>,
    /// Read for its type only.
    #[serde(default, rename = "iat")]
    _iat: Option<u64>,
    #[serde(default)]
    exp: Option<u64>,
    #[serde(default)]
    nbf: Option<u64>,
    /// Read for its type only.
    #[serde(default, rename = "azp")]
    _azp: Option<ClientId>,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default, deserialize_with = "permissions_claim")]
    permissions: PermissionsClaim,
}

/// Any JSON value is accepted here; only an array of strings grants anything.
fn permissions_claim<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<PermissionsClaim, D::Error> {
    let Value::Array(entries) = Value::deserialize(deserializer)? else {
        return Ok(PermissionsClaim::Invalid);
    };
    let permissions = entries
        .into_iter()
        .map(|entry| match entry {
            Value::String(permission) => Some(permission),
            _ => None,
        })
        .collect::<Option<Vec<String>>>();
    Ok(permissions.map_or(PermissionsClaim::Invalid, PermissionsClaim::Granted))
}

/// Verifies access tokens for one issuer and audience.
pub(crate) struct TokenVerifier {
    issuer: Issuer,
    audience: Audience,
    leeway_seconds: u64,
    permission_source: PermissionSource,
    realm: Realm,
    keys: JwksCache,
    verified: VerifiedTokenCache,
    counters: Arc<Counters>,
}

impl TokenVerifier {
    /// The rules of one configuration: RS256 only, its issuer and audience, its leeway.
    pub(crate) fn new(config: &BearerAuthConfig) -> Self {
        let counters = Arc::new(Counters::default());
        Self {
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            leeway_seconds: config.clock_leeway.as_secs(),
            permission_source: config.permission_source,
            realm: config.realm.clone(),
            keys: JwksCache::new(
                config.issuer.clone(),
                config.jwks.clone(),
                Arc::clone(&counters),
            ),
            verified: VerifiedTokenCache::new(
                config.verified_token_ttl,
                config.verified_token_capacity,
            ),
            counters,
        }
    }

    /// The realm errors name.
    pub(crate) fn realm(&self) -> &Realm {
        &self.realm
    }

    /// Counts a refusal that happened before a token reached this verifier.
    pub(crate) fn count_refusal(&self, kind: &AuthErrorKind) {
        self.counters.count_refusal(kind);
    }

    /// The counters so far, with the state of the keys.
    pub(crate) fn metrics(&self) -> AuthMetrics {
        self.counters.snapshot(self.keys.status(), self.keys.age())
    }

    /// Whether the keys in hand could verify a token now; never fetches.
    pub(crate) fn key_status(&self) -> KeyStatus {
        self.keys.status()
    }

    /// As [`TokenVerifier::key_status`], after one rate-limited fetch when the keys are not
    /// usable.
    pub(crate) async fn checked_key_status(&self) -> KeyStatus {
        self.keys.checked_status().await
    }

    /// Verifies `token` and returns its claims.
    ///
    /// # Errors
    /// [`AuthErrorKind::InvalidToken`] with the reason, or [`AuthErrorKind::KeysUnavailable`].
    pub(crate) async fn verify(&self, token: &str) -> Result<Claims, AuthErrorKind> {
        if token.len() > MAX_TOKEN_BYTES {
            let refused = AuthErrorKind::from(TokenError::Malformed);
            self.counters.count_refusal(&refused);
            return Err(refused);
        }
        let digest = token_digest(token.as_bytes());
        if let Some(claims) = self.remembered(&digest) {
            return Ok(claims);
        }
        self.verify_unremembered(token, digest).await
    }

    /// The claims of the token with this digest, if it was verified earlier and its entry is
    /// still fresh; a hit is counted as [`Outcome::CacheHit`].
    pub(crate) fn remembered(&self, digest: &TokenDigest) -> Option<Claims> {
        let claims = self.verified.get(digest, Instant::now(), unix_now())?;
        self.counters.count(Outcome::CacheHit);
        Some(claims)
    }

    /// As [`TokenVerifier::verify`], for a token of at most [`MAX_TOKEN_BYTES`] that
    /// [`TokenVerifier::remembered`] did not know under `digest`, its digest. The outcome is
    /// counted.
    ///
    /// # Errors
    /// As [`TokenVerifier::verify`].
    pub(crate) async fn verify_unremembered(
        &self,
        token: &str,
        digest: TokenDigest,
    ) -> Result<Claims, AuthErrorKind> {
        let verified = self.check(token, digest).await;
        match &verified {
            Ok(_) => self.counters.count(Outcome::Verified),
            Err(kind) => self.counters.count_refusal(kind),
        }
        verified
    }

    async fn check(&self, token: &str, digest: TokenDigest) -> Result<Claims, AuthErrorKind> {
        let jwt = UnverifiedJwt::parse(token).map_err(TokenError::from)?;
        if !header_members_are_well_formed(jwt.header_json()) {
            return Err(TokenError::Malformed.into());
        }
        let kid = jwt.rs256_key_id().map_err(TokenError::from)?;
        let key = self.keys.key(kid).await.map_err(|error| match error {
            KeyLookupError::UnknownKeyId => TokenError::UnknownKeyId.into(),
            KeyLookupError::Unavailable => AuthErrorKind::KeysUnavailable,
        })?;
        key.key
            .verify(jwt.signing_input().as_bytes(), jwt.signature())?;
        let claims = jwt.claims::<TokenClaims>().map_err(TokenError::from)?;
        let permissions = claims.permissions;
        let (Some(subject), Some(expires_at), Some(issuer), Some(audience)) =
            (claims.sub, claims.exp, &claims.iss, &claims.aud)
        else {
            return Err(TokenError::MissingClaim.into());
        };
        let unix_now = self::unix_now();
        check_times(expires_at, claims.nbf, unix_now, self.leeway_seconds)?;
        if issuer != self.issuer.as_str() {
            return Err(TokenError::WrongIssuer.into());
        }
        if !audience.contains(self.audience.as_str()) {
            return Err(TokenError::WrongAudience.into());
        }
        if subject.is_empty() {
            return Err(TokenError::MissingClaim.into());
        }
        // The configured source reads `permissions` on every request, so a malformed one
        // invalidates the token everywhere (and is never remembered as verified).
        if self.permission_source.reads_permissions() && permissions == PermissionsClaim::Invalid {
            return Err(TokenError::InvalidClaim.into());
        }
        let verified = Claims::new(
            subject,
            claims.scope,
            permissions,
            expires_at,
            self.permission_source,
            self.realm.clone(),
        );
        self.verified.insert(
            digest,
            verified.clone(),
            Instant::now(),
            unix_now,
            key.trusted_until,
        );
        Ok(verified)
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// Header parameters that are strings when present (RFC 7515 sections 4.1.10, 4.1.7, 4.1.8),
/// beyond those oidc-protocol checks.
const STRING_HEADER_PARAMETERS: [&str; 3] = ["cty", "x5t", "x5t#S256"];

/// True when no member name of the JSON object `json` appears twice and the parameters of
/// [`STRING_HEADER_PARAMETERS`] are strings. RFC 7515 section 4 lets a parser either refuse
/// duplicate header parameter names or read only the last of each; this one refuses, so that a
/// header never means one thing here and another to some other reader.
fn header_members_are_well_formed(json: &str) -> bool {
    struct HeaderMembers;

    impl<'de> Visitor<'de> for HeaderMembers {
        type Value = ();

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a JSON object without duplicate member names")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<(), A::Error> {
            let mut names = HashSet::new();
            while let Some(name) = members.next_key::<String>()? {
                if STRING_HEADER_PARAMETERS.contains(&name.as_str()) {
                    members.next_value::<String>()?;
                } else {
                    members.next_value::<IgnoredAny>()?;
                }
                if !names.insert(name) {
                    return Err(A::Error::custom("duplicate member name"));
                }
            }
            Ok(())
        }
    }

    serde_json::Deserializer::from_str(json)
        .deserialize_map(HeaderMembers)
        .is_ok()
}

/// `exp` must be strictly after `now - leeway` (a token is expired at its `exp` second, RFC 7519
/// section 4.1.4), `nbf` at most `now + leeway`. Stricter at the boundary than jsonwebtoken.
fn check_times(exp: u64, nbf: Option<u64>, now: u64, leeway: u64) -> Result<(), TokenError> {
    if exp <= now.saturating_sub(leeway) {
        return Err(TokenError::Expired);
    }
    if nbf.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(TokenError::NotYetValid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::base64url;

    fn segment(value: &Value) -> String {
        base64url::encode(value.to_string())
    }

    fn token_with_header(header: Value) -> String {
        format!(
            "{}.{}.c2ln",
            segment(&header),
            segment(&serde_json::json!({"sub": "x"}))
        )
    }

    /// Checks the form and header of `token` and returns its `kid`; nothing is trusted yet.
    fn checked_key_id(token: &str) -> Result<String, TokenError> {
        Ok(UnverifiedJwt::parse(token)?.rs256_key_id()?.to_owned())
    }

    fn permissions_of(claims: Value) -> PermissionsClaim {
        serde_json::from_value::<TokenClaims>(claims)
            .map(|claims| claims.permissions)
            .unwrap()
    }

    #[test]
    fn expiry_is_exclusive_at_the_leeway_boundary() {
        assert_eq!(check_times(995, None, 1000, 5), Err(TokenError::Expired));
        assert_eq!(check_times(996, None, 1000, 5), Ok(()));
        assert_eq!(check_times(1000, None, 1000, 0), Err(TokenError::Expired));
        assert_eq!(check_times(1001, None, 1000, 0), Ok(()));
    }

    #[test]
    fn not_before_is_honoured_within_leeway() {
        assert_eq!(check_times(2000, Some(1005), 1000, 5), Ok(()));
        assert_eq!(
            check_times(2000, Some(1006), 1000, 5),
            Err(TokenError::NotYetValid)
        );
    }

    #[test]
    fn key_id_is_taken_from_a_clean_rs256_header() {
        let token =
            token_with_header(serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": "k1"}));
        assert_eq!(checked_key_id(&token), Ok("k1".to_owned()));
    }

    #[test]
    fn form_and_header_errors_keep_the_descriptions_of_the_protocol_rules() {
        for error in [
            JwtError::Malformed,
            JwtError::ForbiddenHeader,
            JwtError::UnsupportedAlgorithm,
            JwtError::MissingKeyId,
            JwtError::Claims,
        ] {
            assert_eq!(TokenError::from(error).to_string(), error.to_string());
        }
        let token = token_with_header(serde_json::json!({"alg": "HS256", "kid": "k1"}));
        assert_eq!(
            checked_key_id(&token),
            Err(TokenError::UnsupportedAlgorithm)
        );
        assert_eq!(checked_key_id("a.b"), Err(TokenError::Malformed));
    }

    #[test]
    fn header_member_names_must_be_unique_even_when_escaped() {
        assert!(header_members_are_well_formed(
            r#"{"alg":"RS256","kid":"k1","cty":"JWT","x5t":"a","x5t#S256":"b"}"#
        ));
        assert!(header_members_are_well_formed(r#"{"a":{"b":1,"b":2}}"#));
        for duplicated in [
            r#"{"alg":"none","alg":"RS256"}"#,
            r#"{"kid":"a","alg":"RS256","kid":"b"}"#,
            r#"{"alg":"RS256","al\u0067":"RS256"}"#,
        ] {
            assert!(!header_members_are_well_formed(duplicated), "{duplicated}");
        }
        assert!(!header_members_are_well_formed("[]"));
    }

    #[test]
    fn content_type_and_thumbprints_must_be_strings() {
        for header in [
            r#"{"alg":"RS256","kid":"k1","cty":1}"#,
            r#"{"alg":"RS256","kid":"k1","x5t":["a"]}"#,
            r#"{"alg":"RS256","kid":"k1","x5t#S256":null}"#,
        ] {
            assert!(!header_members_are_well_formed(header), "{header}");
        }
    }

    #[test]
    fn permissions_claim_grants_only_as_an_array_of_strings() {
        assert_eq!(
            permissions_of(serde_json::json!({})),
            PermissionsClaim::Absent
        );
        assert_eq!(
            permissions_of(serde_json::json!({"permissions": ["read:messages", "x"]})),
            PermissionsClaim::Granted(vec!["read:messages".to_owned(), "x".to_owned()])
        );
        assert_eq!(
            permissions_of(serde_json::json!({"permissions": []})),
            PermissionsClaim::Granted(Vec::new())
        );
        for wrong in [
            serde_json::json!("read:messages"),
            serde_json::json!(["read:messages", 1]),
            serde_json::json!([["read:messages"]]),
            serde_json::json!({"read:messages": true}),
            serde_json::json!(null),
            serde_json::json!(true),
        ] {
            assert_eq!(
                permissions_of(serde_json::json!({"permissions": wrong})),
                PermissionsClaim::Invalid,
                "{wrong}"
            );
        }
    }

    #[test]
    fn permissions_of_the_wrong_type_leave_the_other_claims_readable() {
        let claims = serde_json::from_value::<TokenClaims>(serde_json::json!({
            "sub": "auth0|reader", "scope": "openid read:messages", "permissions": "read:messages"
        }))
        .unwrap();
        assert_eq!(claims.permissions, PermissionsClaim::Invalid);
        assert_eq!(claims.sub.as_deref(), Some("auth0|reader"));
        assert!(claims.scope.unwrap().contains("read:messages"));
    }

    #[test]
    fn duplicates_of_any_claim_read_are_refused_and_of_others_ignored() {
        for (name, value) in [
            ("iss", r#""https://t/""#),
            ("sub", r#""u""#),
            ("aud", r#""a""#),
            ("exp", "1"),
            ("nbf", "1"),
            ("iat", "1"),
            ("azp", r#""c""#),
            ("scope", r#""s""#),
        ] {
            let text = format!(r#"{{"{name}":{value},"{name}":{value}}}"#);
            assert!(
                serde_json::from_str::<TokenClaims>(&text).is_err(),
                "{text}"
            );
        }
        assert!(serde_json::from_str::<TokenClaims>(r#"{"extra":1,"extra":2}"#).is_ok());
    }

    #[test]
    fn an_authorized_party_that_is_not_a_string_is_refused() {
        for azp in [serde_json::json!(1), serde_json::json!(["c"])] {
            assert!(
                serde_json::from_value::<TokenClaims>(serde_json::json!({"azp": azp})).is_err(),
                "{azp}"
            );
        }
    }

    #[test]
    fn every_claim_of_access_token_claims_is_read_here_with_the_same_type() {
        let full = oidc_protocol::AccessTokenClaims {
            iss: Some("https://t/".to_owned()),
            sub: Some("u".to_owned()),
            aud: Some(AudienceClaim::One("a".to_owned())),
            iat: Some(1),
            exp: Some(2),
            nbf: Some(1),
            azp: Some(ClientId::new("c")),
            scope: Some(Scope::new("s")),
            permissions: Some(vec!["p".to_owned()]),
        };
        let Value::Object(claims) = serde_json::to_value(&full).unwrap() else {
            panic!("claims are an object");
        };
        assert_eq!(
            claims.len(),
            9,
            "a claim was added to AccessTokenClaims: {claims:?}"
        );
        // Each claim with values of every JSON type, and its right value: accepted and refused
        // alike by both. `permissions` is read leniently here on purpose.
        let values = [
            "null", "true", "1", "-1", "1.5", r#""s""#, r#"["s"]"#, "[1]", "{}",
        ];
        for (name, good) in claims.iter().filter(|(name, _)| *name != "permissions") {
            let good = good.to_string();
            for value in values.iter().copied().chain([good.as_str()]) {
                let text = format!(r#"{{"{name}":{value}}}"#);
                assert_eq!(
                    serde_json::from_str::<TokenClaims>(&text).is_ok(),
                    serde_json::from_str::<oidc_protocol::AccessTokenClaims>(&text).is_ok(),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn duplicate_permissions_claims_are_refused_outright() {
        let parsed = serde_json::from_str::<TokenClaims>(
            r#"{"permissions":["a"],"permissions":["read:messages"]}"#,
        );
        assert!(parsed.is_err());
    }
}
