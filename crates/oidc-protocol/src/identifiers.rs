//! Protocol strings that are easy to mix up, each its own type: the client id (the ID token's
//! `aud`), the API identifier (the access token's `aud`) and the issuer (`iss`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::http_url::{HttpUrl, UrlError};

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value; it is compared byte for byte, so nothing is trimmed or folded.
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

identifier!(
    /// An OAuth 2.0 `client_id` (RFC 6749 section 2.2): the ID token's `aud` and the access
    /// token's `azp`.
    ClientId
);
identifier!(
    /// An API identifier, sent as `audience` to Auth0 and carried in the access token's `aud`
    /// (RFC 7519 section 4.1.3).
    Audience
);

/// Why a text is not an acceptable issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IssuerError {
    /// Not an acceptable absolute URL.
    #[error("invalid issuer url")]
    Url(#[from] UrlError),
}

/// An issuer identifier (OIDC Core 2, `iss`; RFC 8414 section 2): an `https` URL (plain `http`
/// only on loopback hosts) without query or fragment, ending in `/` as Auth0 writes it, and
/// compared byte for byte with the `iss` of every token (OIDC Core 3.1.3.7 step 2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Issuer(String);

impl Issuer {
    /// Parses an issuer URL, appending the trailing `/` when it is missing.
    ///
    /// # Errors
    /// [`IssuerError`] unless the value is an `https` URL (or `http` on a loopback host) in
    /// canonical form (lowercase host, no default port) without user information, query or
    /// fragment.
    pub fn parse(text: &str) -> Result<Self, IssuerError> {
        let mut text = text.trim().to_owned();
        if !text.ends_with('/') {
            text.push('/');
        }
        let url = HttpUrl::parse(&text)?.require_secure_or_loopback()?;
        if url.has_query_or_fragment() {
            return Err(UrlError::QueryOrFragment.into());
        }
        // `iss` is compared byte for byte, so a path with dot segments (which a URL parser
        // would resolve away) is not an issuer anyone writes in a token.
        let path = url.path();
        if path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(UrlError::Path.into());
        }
        Ok(Self(text))
    }

    /// Accepts a bare Auth0 domain (`tenant.auth0.com` means `https://tenant.auth0.com/`) or a
    /// URL, as Auth0's quickstarts configure it.
    ///
    /// # Errors
    /// As [`Issuer::parse`].
    pub fn from_domain(domain: &str) -> Result<Self, IssuerError> {
        let domain = domain.trim();
        if domain.contains("://") {
            Self::parse(domain)
        } else {
            Self::parse(&format!("https://{}/", domain.trim_end_matches('/')))
        }
    }

    /// The issuer exactly as tokens carry it in `iss`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<issuer>path`: an endpoint below the issuer, e.g. `endpoint("oauth/token")`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{}", self.0, path.trim_start_matches('/'))
    }

    /// `<issuer>.well-known/openid-configuration` (OpenID Connect Discovery 1.0 section 4).
    pub fn discovery_url(&self) -> String {
        self.endpoint(".well-known/openid-configuration")
    }

    /// `<issuer>.well-known/jwks.json`, where Auth0 publishes its keys.
    pub fn default_jwks_url(&self) -> String {
        self.endpoint(".well-known/jwks.json")
    }

    /// The issuer without its trailing `/`, as Auth0's SDKs call the "domain" URL.
    pub fn base_url(&self) -> &str {
        self.0.strip_suffix('/').unwrap_or(&self.0)
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Issuer {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl<'de> Deserialize<'de> for Issuer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_serialize_as_plain_strings_and_compare_with_str() {
        let client_id = ClientId::from("local-spa-client");
        assert_eq!(
            serde_json::to_string(&client_id).unwrap(),
            r#""local-spa-client""#
        );
        let audience: Audience = serde_json::from_str(r#""https://quickstarts/api""#).unwrap();
        assert_eq!(audience, "https://quickstarts/api");
        assert_ne!(audience, "https://quickstarts/api/");
    }

    #[test]
    fn bare_domain_means_https_with_exactly_one_trailing_slash() {
        for domain in [
            "tenant.eu.auth0.com",
            "tenant.eu.auth0.com/",
            " tenant.eu.auth0.com ",
        ] {
            assert_eq!(
                Issuer::from_domain(domain).unwrap().as_str(),
                "https://tenant.eu.auth0.com/"
            );
        }
    }

    #[test]
    fn loopback_http_issuer_gets_a_trailing_slash() {
        assert_eq!(
            Issuer::from_domain("http://localhost:3002")
                .unwrap()
                .as_str(),
            "http://localhost:3002/"
        );
        assert_eq!(
            Issuer::parse("http://127.0.0.1:9/").unwrap().as_str(),
            "http://127.0.0.1:9/"
        );
    }

    #[test]
    fn unacceptable_issuers_are_refused_with_the_reason() {
        for (text, reason) in [
            ("http://tenant.auth0.com", UrlError::InsecureHttp),
            ("ftp://tenant.auth0.com/", UrlError::Scheme),
            ("https://Tenant.auth0.com/", UrlError::Host),
            ("https://tenant.auth0.com:443/", UrlError::Port),
            ("https://user@tenant.auth0.com/", UrlError::UserInfo),
            ("https://tenant.auth0.com/?x=1", UrlError::QueryOrFragment),
            ("https://tenant.auth0.com/#x", UrlError::QueryOrFragment),
            ("https://t.com/a/../b/", UrlError::Path),
            ("https://t.com/./", UrlError::Path),
        ] {
            assert_eq!(Issuer::parse(text), Err(IssuerError::Url(reason)), "{text}");
        }
    }

    #[test]
    fn endpoints_hang_below_the_issuer() {
        let issuer = Issuer::parse("https://tenant.auth0.com/").unwrap();
        assert_eq!(
            issuer.endpoint("oauth/token"),
            "https://tenant.auth0.com/oauth/token"
        );
        assert_eq!(
            issuer.endpoint("/authorize"),
            "https://tenant.auth0.com/authorize"
        );
        assert_eq!(
            issuer.discovery_url(),
            "https://tenant.auth0.com/.well-known/openid-configuration"
        );
        assert_eq!(
            issuer.default_jwks_url(),
            "https://tenant.auth0.com/.well-known/jwks.json"
        );
        assert_eq!(issuer.base_url(), "https://tenant.auth0.com");
    }

    #[test]
    fn issuers_deserialize_only_when_valid() {
        assert!(serde_json::from_str::<Issuer>(r#""https://t.auth0.com/""#).is_ok());
        assert!(serde_json::from_str::<Issuer>(r#""http://t.auth0.com/""#).is_err());
    }
}
