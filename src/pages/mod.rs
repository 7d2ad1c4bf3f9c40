//! Routed pages, one per file.

mod callback;
mod home;
mod not_found;
mod ping;
mod profile;

pub use callback::CallbackPage;
pub use home::{HomePage, LOGGED_IN_TEXT, LOGGED_OUT_TEXT};
pub use not_found::NotFoundPage;
pub use ping::{Endpoint, PingPage};
pub use profile::ProfilePage;
