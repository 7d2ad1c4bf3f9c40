//! OpenID Provider metadata (OIDC Discovery 1.0 section 3) and the JWKS (RFC 7517 section 5).

use axum::Json;
use axum::extract::State;
use jsonwebtoken::jwk::JwkSet;
use oidc_protocol::{ProviderMetadata, ResponseType};

use crate::client_auth::ClientAuthMethod;
use crate::grant::OIDC_SCOPES;
use crate::state::SharedState;

/// The claims this tenant can put in ID tokens and `/userinfo` answers.
const CLAIMS_SUPPORTED: [&str; 13] = [
    "aud",
    "auth_time",
    "email",
    "email_verified",
    "exp",
    "iat",
    "iss",
    "name",
    "nickname",
    "picture",
    "sid",
    "sub",
    "updated_at",
];

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

/// `GET /.well-known/openid-configuration`, shaped like Auth0's.
pub async fn openid_configuration(State(state): State<SharedState>) -> Json<ProviderMetadata> {
    let issuer = &state.config.issuer;
    let mut scopes = strings(&OIDC_SCOPES);
    for api in &state.config.apis {
        for scope in &api.scopes {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
    }
    Json(ProviderMetadata {
        issuer: issuer.clone(),
        authorization_endpoint: format!("{issuer}authorize"),
        token_endpoint: Some(format!("{issuer}oauth/token")),
        userinfo_endpoint: Some(format!("{issuer}userinfo")),
        jwks_uri: format!("{issuer}.well-known/jwks.json"),
        end_session_endpoint: Some(format!("{issuer}oidc/logout")),
        revocation_endpoint: Some(format!("{issuer}oauth/revoke")),
        scopes_supported: scopes,
        response_types_supported: [
            ResponseType::Code,
            ResponseType::TokenIdToken,
            ResponseType::IdToken,
        ]
        .map(|response_type| response_type.as_str().to_owned())
        .to_vec(),
        response_modes_supported: strings(&["query", "fragment", "web_message"]),
        grant_types_supported: strings(&[
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
        ]),
        code_challenge_methods_supported: strings(&["S256"]),
        subject_types_supported: strings(&["public"]),
        id_token_signing_alg_values_supported: strings(&["RS256"]),
        token_endpoint_auth_methods_supported: ClientAuthMethod::ALL
            .map(|method| method.as_str().to_owned())
            .to_vec(),
        claims_supported: strings(&CLAIMS_SUPPORTED),
        request_uri_parameter_supported: Some(false),
        request_parameter_supported: Some(false),
        // Every authorization response, success or error, carries `iss` (RFC 9207 section 3).
        authorization_response_iss_parameter_supported: Some(true),
    })
}

/// `GET /.well-known/jwks.json`: every public key, the old ones too after a rotation.
pub async fn jwks(State(state): State<SharedState>) -> Json<JwkSet> {
    Json(state.keys.jwks())
}
