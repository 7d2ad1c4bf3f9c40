//! The HTTP handlers, one file per endpoint family. A handler never calls another route's
//! handler or helpers: the steps two routes share live in protocol modules such as
//! [`crate::authorization_response`] and [`crate::redirect`].

pub mod assets;
pub mod authorize;
pub mod discovery;
pub mod login;
pub mod logout;
pub mod revoke;
pub mod token;
pub mod userinfo;
