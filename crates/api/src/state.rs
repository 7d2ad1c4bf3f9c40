//! The state shared by every request of one [`crate::app`].

use std::sync::Arc;

use crate::auth::token::TokenVerifier;

/// Shared, cheap-to-clone router state; built only by [`crate::app`].
#[derive(Clone)]
pub struct AppState {
    verifier: Arc<TokenVerifier>,
}

impl AppState {
    pub(crate) fn new(verifier: TokenVerifier) -> Self {
        Self {
            verifier: Arc::new(verifier),
        }
    }

    pub(crate) fn verifier(&self) -> &TokenVerifier {
        &self.verifier
    }
}
