//! Where the provider's endpoints are: Auth0's paths below a `domain`'s issuer, known without a
//! request, or the members of an `issuer`'s discovery document.

use oidc_protocol::{Issuer, ProviderMetadata};

use crate::config::{AuthConfig, ProviderKind};
use crate::discovery::{ProviderError, discover};

/// The endpoints the login, the renewal and the logout use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    /// Where the login starts (OIDC Core 3.1.2).
    pub authorization: String,
    /// Where codes and refresh tokens are spent (RFC 6749 section 3.2); absent at an
    /// implicit-only provider.
    pub token: Option<String>,
    /// The UserInfo endpoint (OIDC Core 5.3), if the provider has one.
    pub userinfo: Option<String>,
    /// RFC 7009 revocation, if the provider has it: without it a logout cannot revoke the
    /// refresh token, which is then only forgotten here.
    pub revocation: Option<String>,
    /// RP-Initiated Logout 1.0, if the provider has it.
    pub end_session: Option<String>,
}

impl Endpoints {
    /// Auth0's endpoints below `issuer`. Its own logout is `/v2/logout`, not an end-session
    /// endpoint (see [`auth0_logout_url`](crate::auth0_logout_url)).
    pub fn auth0(issuer: &Issuer) -> Self {
        Self {
            authorization: issuer.endpoint("authorize"),
            token: Some(issuer.endpoint("oauth/token")),
            userinfo: Some(issuer.endpoint("userinfo")),
            revocation: Some(issuer.endpoint("oauth/revoke")),
            end_session: None,
        }
    }

    /// The endpoints a discovery document names.
    pub fn discovered(metadata: &ProviderMetadata) -> Self {
        Self {
            authorization: metadata.authorization_endpoint.clone(),
            token: metadata.token_endpoint.clone(),
            userinfo: metadata.userinfo_endpoint.clone(),
            revocation: metadata.revocation_endpoint.clone(),
            end_session: metadata.end_session_endpoint.clone(),
        }
    }

    /// The endpoints of `config`'s provider when they are known without a request: a
    /// `domain`'s.
    pub fn known(config: &AuthConfig) -> Option<Self> {
        match config.provider {
            ProviderKind::Auth0 => Some(Self::auth0(&config.issuer)),
            ProviderKind::Discovered { .. } => None,
        }
    }

    /// The endpoints of `config`'s provider: a `domain`'s at once, an `issuer`'s from its
    /// discovery document (read once per page load).
    ///
    /// # Errors
    /// [`ProviderError`] when the discovery document cannot be fetched or used.
    pub async fn of(config: &AuthConfig) -> Result<Self, ProviderError> {
        match Self::known(config) {
            Some(known) => Ok(known),
            None => Ok(Self::discovered(&*discover(config).await?)),
        }
    }

    /// The token endpoint.
    ///
    /// # Errors
    /// [`ProviderError::Missing`] naming `token_endpoint` when the provider has none.
    pub fn token(&self) -> Result<&str, ProviderError> {
        self.token
            .as_deref()
            .ok_or(ProviderError::Missing("token_endpoint"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth0_endpoints_hang_below_the_issuer_and_its_logout_is_not_an_end_session_endpoint() {
        let endpoints = Endpoints::auth0(&Issuer::parse("https://t.auth0.com/").unwrap());
        assert_eq!(endpoints.authorization, "https://t.auth0.com/authorize");
        assert_eq!(
            endpoints.token().ok(),
            Some("https://t.auth0.com/oauth/token")
        );
        assert_eq!(
            endpoints.userinfo.as_deref(),
            Some("https://t.auth0.com/userinfo")
        );
        assert_eq!(
            endpoints.revocation.as_deref(),
            Some("https://t.auth0.com/oauth/revoke")
        );
        assert_eq!(endpoints.end_session, None);
    }

    #[test]
    fn discovered_endpoints_are_the_documents_and_a_missing_token_endpoint_is_named() {
        let metadata = ProviderMetadata {
            issuer: "http://localhost:4000/oidc/".into(),
            authorization_endpoint: "http://localhost:4000/oidc/auth".into(),
            end_session_endpoint: Some("http://localhost:4000/oidc/session/end".into()),
            jwks_uri: "http://localhost:4000/oidc/jwks".into(),
            ..ProviderMetadata::default()
        };
        let endpoints = Endpoints::discovered(&metadata);
        assert_eq!(endpoints.authorization, "http://localhost:4000/oidc/auth");
        assert_eq!(
            endpoints.end_session.as_deref(),
            Some("http://localhost:4000/oidc/session/end")
        );
        assert_eq!(endpoints.revocation, None);
        assert!(matches!(
            endpoints.token(),
            Err(ProviderError::Missing("token_endpoint"))
        ));
    }
}
