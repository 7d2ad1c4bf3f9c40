//! OAuth 2.0 and OpenID Connect as data and rules, with no I/O: the one definition of each
//! protocol concept that the client library, the bearer-token library, the API and the local
//! tenant share. Builds for `wasm32-unknown-unknown` and native targets.
//!
//! | module | what it owns | specification |
//! |---|---|---|
//! | [`base64url`] | canonical unpadded base64url | RFC 4648 section 5 |
//! | [`identifiers`] | [`ClientId`], [`Audience`], [`Issuer`] | OIDC Core 2, RFC 7519 4.1 |
//! | [`scope`] | [`Scope`] lists and scope tokens | RFC 6749 section 3.3 |
//! | [`http_url`] | strict `http(s)` URLs and [`Origin`]s | RFC 3986, RFC 6454 |
//! | [`loopback`] | where plain `http` is acceptable | RFC 8252 section 8.3 |
//! | [`form`] | `application/x-www-form-urlencoded` | WHATWG URL 5 |
//! | [`secrets`] | token and code newtypes with redacted `Debug` | RFC 6749, RFC 6750 |
//! | [`pkce`] | S256 verifiers and challenges | RFC 7636 |
//! | [`token_hash`] | `at_hash`, `c_hash` | OIDC Core 3.1.3.6, 3.2.2.9 |
//! | [`jwt`] | compact JWS form and JOSE header rules | RFC 7515, RFC 7519 |
//! | [`jwk`] | RS256 verification keys in a JWKS, thumbprints | RFC 7517, 7518, 7638 |
//! | [`claims`] | `aud`, ID token, profile, access token claims | RFC 7519, OIDC Core 2, 5.1 |
//! | [`id_token`] | ID token claim checks | OIDC Core 3.1.3.7 |
//! | [`discovery`] | provider metadata | OIDC Discovery 1.0 section 3 |
//! | [`response_type`] | `response_type` values | OAuth 2.0 Multiple Response Types |
//! | [`token_response`] | token endpoint answers and OAuth errors | RFC 6749 5.1, 5.2 |
//! | [`bearer`] | the `Authorization: Bearer` header | RFC 6750 section 2.1 |
//! | [`challenge`] | `WWW-Authenticate: Bearer` and error bodies | RFC 6750 section 3 |
//! | [`constant_time`] | comparing secrets | |

#![warn(missing_docs)]

pub mod base64url;
pub mod bearer;
pub mod challenge;
pub mod claims;
pub mod constant_time;
pub mod discovery;
pub mod form;
pub mod http_url;
pub mod id_token;
pub mod identifiers;
pub mod jwk;
pub mod jwt;
pub mod loopback;
pub mod pkce;
pub mod response_type;
pub mod scope;
pub mod secrets;
pub mod token_hash;
pub mod token_response;

pub use bearer::{CredentialsError, bearer_token};
pub use challenge::{BearerChallenge, BearerErrorBody, BearerErrorCode};
pub use claims::{AccessTokenClaims, AudienceClaim, IdTokenClaims, StandardClaims, UserInfo};
pub use discovery::{DiscoveryError, ProviderMetadata, response_issuer_acceptable};
pub use http_url::{HttpUrl, Origin, Scheme, UrlError};
pub use id_token::{
    IdTokenClaimsError, IdTokenExpectations, check_access_token_hash, check_id_token_claims,
};
pub use identifiers::{Audience, ClientId, Issuer, IssuerError};
pub use jwk::{
    JwksError, KeyRejection, RsaVerificationKey, VerificationKeys, rs256_verification_keys,
};
pub use jwt::{JwtError, UnverifiedJwt};
pub use loopback::is_loopback_host;
pub use pkce::{PkceChallenge, PkceError, PkceVerifier};
pub use response_type::ResponseType;
pub use scope::Scope;
pub use secrets::{AccessToken, AuthorizationCode, IdToken, RefreshToken};
pub use token_response::{OAuthErrorResponse, TokenResponse};
