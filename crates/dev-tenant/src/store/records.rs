//! What the stores hold: pending logins, sessions and authorization codes. Their `Debug` output
//! leaves the secrets out.

use oidc_protocol::PkceChallenge;

use crate::authorize::AuthorizeRequest;
use crate::grant::Grant;

/// A login in progress: the `/authorize` request waiting for credentials, and its CSRF token.
#[derive(Clone)]
pub struct LoginTransaction {
    /// The validated authorization request.
    pub request: AuthorizeRequest,
    /// The CSRF token the form must post back and the CSRF cookie must carry.
    pub csrf_token: String,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}

impl std::fmt::Debug for LoginTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginTransaction")
            .field("request", &self.request)
            .field("csrf_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A logged-in browser.
#[derive(Clone)]
pub struct Session {
    /// The user's email.
    pub email: String,
    /// When the user authenticated.
    pub auth_time: u64,
    /// Public session id for the `sid` claim.
    pub sid: String,
    /// The token the logout confirmation form must post back, so that another site cannot end
    /// the session by posting the form itself.
    pub logout_token: String,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("email", &self.email)
            .field("auth_time", &self.auth_time)
            .field("sid", &self.sid)
            .field("logout_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// An issued authorization code's binding (RFC 6749 4.1.3, RFC 7636 4.6).
#[derive(Clone, Debug)]
pub struct CodeRecord {
    /// What was authorized.
    pub grant: Grant,
    /// The `redirect_uri` the code was sent to; the token request must repeat it.
    pub redirect_uri: String,
    /// The PKCE challenge the verifier must satisfy.
    pub challenge: PkceChallenge,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}
