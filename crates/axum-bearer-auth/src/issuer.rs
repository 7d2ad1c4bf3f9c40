//! The issuer identifier: an absolute URL, Auth0 style with a trailing `/`, compared byte-exact.

use url::Url;

use crate::loopback::is_loopback_host;

/// Why a text is not an acceptable issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IssuerError {
    /// The text does not parse as an absolute URL.
    #[error("not an absolute URL")]
    NotAbsolute,
    /// The URL has no host.
    #[error("no host")]
    NoHost,
    /// The scheme is neither `https` nor `http`.
    #[error("scheme must be https")]
    UnsupportedScheme,
    /// Plain `http` on a host other than a loopback one.
    #[error("http is only allowed for loopback hosts")]
    PlainHttp,
    /// The URL carries a user name or password.
    #[error("credentials are not allowed")]
    Credentials,
    /// The URL carries a query or a fragment.
    #[error("query and fragment are not allowed")]
    QueryOrFragment,
    /// The URL parser would spell it differently (upper-case host, default port, ...).
    #[error("not in canonical form (lowercase host, no default port)")]
    NotCanonical,
}

/// The issuer identifier, Auth0 style: an absolute URL ending in `/`, compared byte-exact
/// with the token's `iss` (RFC 7519 section 4.1.1). Its keys are looked up from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    text: String,
    discovery_url: Url,
    jwks_url: Url,
}

impl Issuer {
    /// Parses an issuer URL such as `https://tenant.eu.auth0.com/`, appending the trailing `/`
    /// when it is missing.
    ///
    /// # Errors
    /// An [`IssuerError`] unless the value is an `https` URL (or `http` on a loopback host)
    /// without credentials, query or fragment, written as the URL parser would write it.
    pub fn parse(value: &str) -> Result<Self, IssuerError> {
        let mut text = value.trim().to_owned();
        if !text.ends_with('/') {
            text.push('/');
        }
        let url = Url::parse(&text).map_err(|_| IssuerError::NotAbsolute)?;
        let host = url.host_str().ok_or(IssuerError::NoHost)?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(host) => {}
            "http" => return Err(IssuerError::PlainHttp),
            _ => return Err(IssuerError::UnsupportedScheme),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(IssuerError::Credentials);
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(IssuerError::QueryOrFragment);
        }
        // Keep the text as written (plus the slash): `iss` is compared byte-exact, and the URL
        // parser would silently normalise case or default ports.
        if url.as_str() != text {
            return Err(IssuerError::NotCanonical);
        }
        let well_known = |name: &str| {
            url.join(&format!(".well-known/{name}"))
                .map_err(|_| IssuerError::NotAbsolute)
        };
        Ok(Self {
            discovery_url: well_known("openid-configuration")?,
            jwks_url: well_known("jwks.json")?,
            text,
        })
    }

    /// Accepts a bare Auth0 domain (`tenant.auth0.com` means `https://tenant.auth0.com/`) or,
    /// when the value has a scheme, an issuer URL as [`Issuer::parse`] does.
    ///
    /// # Errors
    /// As [`Issuer::parse`].
    pub fn from_domain(domain: &str) -> Result<Self, IssuerError> {
        let domain = domain.trim();
        if domain.contains("://") {
            Self::parse(domain)
        } else {
            // `tenant.auth0.com/` is as common as `tenant.auth0.com`; both mean one issuer.
            let host = domain.strip_suffix('/').unwrap_or(domain);
            Self::parse(&format!("https://{host}/"))
        }
    }

    /// The issuer exactly as tokens must carry it in `iss`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `<issuer>.well-known/openid-configuration` (OpenID Connect Discovery 1.0 section 4).
    pub(crate) fn discovery_url(&self) -> &Url {
        &self.discovery_url
    }

    /// `<issuer>.well-known/jwks.json`, where Auth0 publishes its keys.
    pub(crate) fn default_jwks_url(&self) -> &Url {
        &self.jwks_url
    }
}

impl std::fmt::Display for Issuer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_domain_means_https_with_trailing_slash() {
        let issuer = Issuer::from_domain("tenant.eu.auth0.com").unwrap();
        assert_eq!(issuer.as_str(), "https://tenant.eu.auth0.com/");
    }

    #[test]
    fn bare_domain_with_a_trailing_slash_gets_exactly_one() {
        let issuer = Issuer::from_domain("tenant.eu.auth0.com/").unwrap();
        assert_eq!(issuer.as_str(), "https://tenant.eu.auth0.com/");
    }

    #[test]
    fn loopback_http_issuer_gets_trailing_slash() {
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
    fn plain_http_issuer_off_loopback_is_refused() {
        assert_eq!(
            Issuer::parse("http://tenant.auth0.com/"),
            Err(IssuerError::PlainHttp)
        );
        assert_eq!(
            Issuer::from_domain("http://tenant.auth0.com"),
            Err(IssuerError::PlainHttp)
        );
    }

    #[test]
    fn non_canonical_issuer_is_refused() {
        let cases = [
            ("https://Tenant.auth0.com/", IssuerError::NotCanonical),
            ("https://tenant.auth0.com:443/", IssuerError::NotCanonical),
            ("https://u:p@t.com/", IssuerError::Credentials),
            ("https://t.com/?a=1", IssuerError::QueryOrFragment),
            ("https://t.com/#a", IssuerError::QueryOrFragment),
            ("ftp://t.com/", IssuerError::UnsupportedScheme),
            ("not a url", IssuerError::NotAbsolute),
        ];
        for (value, expected) in cases {
            assert_eq!(Issuer::parse(value), Err(expected), "{value}");
        }
    }

    #[test]
    fn well_known_locations_hang_off_the_issuer_path() {
        let issuer = Issuer::parse("https://login.example/tenant/").unwrap();
        assert_eq!(
            issuer.discovery_url().as_str(),
            "https://login.example/tenant/.well-known/openid-configuration"
        );
        assert_eq!(
            issuer.default_jwks_url().as_str(),
            "https://login.example/tenant/.well-known/jwks.json"
        );
    }
}
