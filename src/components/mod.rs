//! Reusable components.

mod config_error;
mod json_block;
mod nav_bar;
mod spinner;
mod token_inspector;

pub use config_error::ConfigErrorView;
pub use json_block::{JsonBlock, pretty_json};
pub use nav_bar::NavBar;
pub use spinner::Spinner;
pub use token_inspector::TokenInspector;
