//! Where the signed-in user's profile is read: the provider's UserInfo endpoint (OIDC Core 5.3)
//! when the session's access token is meant for it, else the claims of the verified ID token.
//!
//! Auth0 issues one access token for the API and `/userinfo` together (its `aud` names both).
//! A provider that follows RFC 8707 issues the API's access token for the API alone, and its
//! UserInfo endpoint, itself a protected resource, refuses a token whose audience is another
//! (RFC 9068 section 4): oidc-provider answers `invalid_token`. Such a provider puts the
//! profile claims in the ID token instead.

use oidc_protocol::{AudienceClaim, UnverifiedJwt};
use serde::Deserialize;

use crate::config::{AuthConfig, ProviderKind};
use crate::discovery::ProviderError;
use crate::endpoints::Endpoints;
use crate::session::Session;

/// Where the profile comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileSource {
    /// The UserInfo endpoint at this URL, which accepts the session's access token.
    UserInfo(String),
    /// The ID token's claims ([`Session::id_token_claims`]), for this reason.
    IdToken(IdTokenProfile),
}

/// Why the profile comes from the ID token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdTokenProfile {
    /// The provider has no UserInfo endpoint.
    NoUserInfoEndpoint,
    /// The access token's `aud` does not name the UserInfo endpoint: it is for these audiences
    /// only, joined with `", "`.
    AccessTokenForOthers(String),
}

/// The one claim of an access token read here; reading no others keeps the download small.
#[derive(Deserialize)]
struct Audience {
    aud: Option<AudienceClaim>,
}

/// Decides by the access token's `aud` (RFC 9068 section 3), given the UserInfo endpoint: a
/// token without one, or not a JWT, is tried there.
pub fn profile_source_for(userinfo_endpoint: Option<&str>, session: &Session) -> ProfileSource {
    let Some(endpoint) = userinfo_endpoint else {
        return ProfileSource::IdToken(IdTokenProfile::NoUserInfoEndpoint);
    };
    let audience = UnverifiedJwt::parse(session.access_token().secret())
        .ok()
        .and_then(|jwt| jwt.claims::<Audience>().ok())
        .and_then(|claims| claims.aud);
    match audience {
        Some(audience) if !audience.contains(endpoint) => {
            ProfileSource::IdToken(IdTokenProfile::AccessTokenForOthers(audience.joined()))
        }
        _ => ProfileSource::UserInfo(endpoint.to_owned()),
    }
}

/// Where `session`'s profile is read at `config`'s provider: always `/userinfo` for a `domain`
/// (Auth0's access tokens name it), and for an `issuer` as [`profile_source_for`] decides with
/// the discovery document's `userinfo_endpoint`.
///
/// # Errors
/// [`ProviderError`] when an `issuer`'s discovery document cannot be fetched or used.
pub async fn profile_source(
    config: &AuthConfig,
    session: &Session,
) -> Result<ProfileSource, ProviderError> {
    let endpoints = Endpoints::of(config).await?;
    Ok(match (&config.provider, endpoints.userinfo) {
        (ProviderKind::Auth0, Some(userinfo)) => ProfileSource::UserInfo(userinfo),
        (_, userinfo) => profile_source_for(userinfo.as_deref(), session),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use oidc_protocol::{AccessToken, IdToken, base64url};

    fn session_with_audience(aud: serde_json::Value) -> Session {
        let access_token = format!(
            "{}.{}.{}",
            base64url::encode(r#"{"alg":"RS256","typ":"at+jwt","kid":"k"}"#),
            base64url::encode(serde_json::json!({"sub": "reader", "aud": aud}).to_string()),
            base64url::encode("signature")
        );
        Session::new(AccessToken::new(access_token), IdToken::new("i.d.t"), 1)
    }

    const USERINFO: &str = "http://localhost:4000/oidc/me";

    #[test]
    fn an_access_token_whose_audience_names_the_userinfo_endpoint_reads_it() {
        let session =
            session_with_audience(serde_json::json!(["https://quickstarts/api", USERINFO]));
        assert_eq!(
            profile_source_for(Some(USERINFO), &session),
            ProfileSource::UserInfo(USERINFO.to_owned())
        );
    }

    #[test]
    fn an_access_token_for_the_api_alone_reads_the_id_token() {
        let session = session_with_audience(serde_json::json!("https://quickstarts/api"));
        assert_eq!(
            profile_source_for(Some(USERINFO), &session),
            ProfileSource::IdToken(IdTokenProfile::AccessTokenForOthers(
                "https://quickstarts/api".to_owned()
            ))
        );
    }

    #[test]
    fn without_a_userinfo_endpoint_the_id_token_is_read() {
        let session = session_with_audience(serde_json::json!(USERINFO));
        assert_eq!(
            profile_source_for(None, &session),
            ProfileSource::IdToken(IdTokenProfile::NoUserInfoEndpoint)
        );
    }

    #[test]
    fn an_access_token_without_an_audience_or_not_a_jwt_is_tried_at_the_endpoint() {
        let opaque = Session::new(AccessToken::new("opaque"), IdToken::new("i.d.t"), 1);
        assert_eq!(
            profile_source_for(Some(USERINFO), &opaque),
            ProfileSource::UserInfo(USERINFO.to_owned())
        );
        let no_audience = Session::new(
            AccessToken::new(format!(
                "{}.{}.{}",
                base64url::encode(r#"{"alg":"RS256"}"#),
                base64url::encode(r#"{"sub":"reader"}"#),
                base64url::encode("signature")
            )),
            IdToken::new("i.d.t"),
            1,
        );
        assert_eq!(
            profile_source_for(Some(USERINFO), &no_audience),
            ProfileSource::UserInfo(USERINFO.to_owned())
        );
    }
}
