//! Components an app needs around a login: buttons, a guard, the callback page, the token
//! inspector, and the small pieces they are made of.

mod auth_buttons;
mod json_block;
mod login_callback;
mod login_failure;
mod require_auth;
mod spinner;
mod token_inspector;

pub use auth_buttons::{LoginButton, LoginLogoutButton, LogoutButton};
pub use json_block::{JsonBlock, pretty_json};
pub use login_callback::LoginCallback;
pub use login_failure::{
    SESSION_ENDED_SENTENCE, login_failure_sentence, provider_problem_sentence,
};
pub use require_auth::RequireAuth;
pub use spinner::Spinner;
pub use token_inspector::{TokenInspector, time_left};
