//! The app's own components; the reusable ones come from `leptos-auth0`.

mod config_error;
mod nav_bar;

pub use config_error::ConfigErrorView;
pub use nav_bar::NavBar;
