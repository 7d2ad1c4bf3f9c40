//! A small notes service mounting the library as an app would: its own state struct (the
//! validator reached through `FromRef`), a `Claims` route and `RequirePermission` routes with
//! each kind of source.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_bearer_auth::{
    AuthError, BearerAuth, BearerAuthConfig, Claims, FromPermissions, FromScopeOrPermissions,
    Permission, PermissionSource, RequirePermission, RequireScope,
};
use serde_json::{Value, json};

/// The app's own state; the validator is one field of it.
#[derive(Clone)]
pub struct NotesState {
    pub auth: BearerAuth,
    pub shelf: &'static str,
}

impl FromRef<NotesState> for BearerAuth {
    fn from_ref(state: &NotesState) -> Self {
        state.auth.clone()
    }
}

pub struct ReadNotes;
impl Permission for ReadNotes {
    const NAME: &'static str = "read:notes";
}

pub struct WriteNotes;
impl Permission for WriteNotes {
    const NAME: &'static str = "write:notes";
}

pub struct ArchiveNotes;
impl Permission for ArchiveNotes {
    const NAME: &'static str = "archive:notes";
}

/// Who is calling, as the claims say.
async fn whoami(State(state): State<NotesState>, claims: Claims) -> Json<Value> {
    let permissions = claims
        .permissions()
        .map(|permissions| json!(permissions))
        .unwrap_or(Value::Null);
    Json(json!({
        "shelf": state.shelf,
        "sub": claims.subject(),
        "scopes": claims.scopes().collect::<Vec<_>>(),
        "permissions": permissions,
        "exp": claims.expires_at(),
    }))
}

/// The configured source.
async fn list(caller: RequirePermission<ReadNotes>) -> String {
    format!("notes of {}", caller.subject())
}

/// `permissions` only, whatever is configured.
async fn write(caller: RequirePermission<WriteNotes, FromPermissions>) -> String {
    format!("written by {}", caller.subject())
}

/// `scope` only, whatever is configured.
async fn search(caller: RequireScope<ReadNotes>) -> String {
    format!("search for {}", caller.subject())
}

/// Either claim, whatever is configured.
async fn export(caller: RequirePermission<ReadNotes, FromScopeOrPermissions>) -> String {
    format!("export for {}", caller.into_claims().subject())
}

/// Checked in the handler body instead of by an extractor.
async fn archive(claims: Claims) -> Result<String, AuthError> {
    claims.require_from(ArchiveNotes::NAME, PermissionSource::Permissions)?;
    Ok(format!("archived for {}", claims.subject()))
}

/// Takes a form body, which the extractor never reads: the handler refuses a token in it.
async fn comment(claims: Claims, form: Bytes) -> Result<String, AuthError> {
    claims.refuse_form_token(&form)?;
    Ok(format!("comment by {}", claims.subject()))
}

pub fn notes_app(config: BearerAuthConfig) -> Router {
    notes_app_with(BearerAuth::new(config))
}

/// The app around a validator the test keeps a clone of.
pub fn notes_app_with(auth: BearerAuth) -> Router {
    Router::new()
        .route("/me", get(whoami))
        .route("/notes", get(list))
        .route("/notes/write", post(write))
        .route("/notes/search", get(search))
        .route("/notes/export", get(export))
        .route("/notes/archive", post(archive))
        .route("/notes/comment", post(comment))
        .with_state(NotesState {
            auth,
            shelf: "kitchen",
        })
}
