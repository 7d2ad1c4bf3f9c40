//! The HTTP handlers, one file per endpoint family.

pub mod assets;
pub mod authorize;
pub mod discovery;
pub mod login;
pub mod logout;
pub mod token;
pub mod userinfo;
