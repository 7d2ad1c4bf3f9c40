//! OpenID Provider metadata (OIDC Discovery 1.0 section 3) and the JWKS (RFC 7517 section 5).

use axum::Json;
use axum::extract::State;
use jsonwebtoken::jwk::JwkSet;
use serde_json::{Value, json};

use crate::grant::OIDC_SCOPES;
use crate::state::SharedState;

/// `GET /.well-known/openid-configuration`, shaped like Auth0's.
pub async fn openid_configuration(State(state): State<SharedState>) -> Json<Value> {
    let issuer = &state.config.issuer;
    let mut scopes: Vec<&str> = OIDC_SCOPES.to_vec();
    for api in &state.config.apis {
        for scope in &api.scopes {
            if !scopes.contains(&scope.as_str()) {
                scopes.push(scope);
            }
        }
    }
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}authorize"),
        "token_endpoint": format!("{issuer}oauth/token"),
        "userinfo_endpoint": format!("{issuer}userinfo"),
        "jwks_uri": format!("{issuer}.well-known/jwks.json"),
        "end_session_endpoint": format!("{issuer}oidc/logout"),
        "scopes_supported": scopes,
        "response_types_supported": ["code", "token id_token", "id_token"],
        "response_modes_supported": ["query", "fragment", "web_message"],
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "claims_supported": [
            "aud", "auth_time", "email", "email_verified", "exp", "iat", "iss", "name",
            "nickname", "picture", "sid", "sub", "updated_at"
        ],
        "request_uri_parameter_supported": false,
        "request_parameter_supported": false,
    }))
}

/// `GET /.well-known/jwks.json`: every public key, the old ones too after a rotation.
pub async fn jwks(State(state): State<SharedState>) -> Json<JwkSet> {
    Json(state.keys.jwks())
}
