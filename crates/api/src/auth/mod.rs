//! Bearer-token authentication: header parsing, JWKS keys, token verification, claims.

pub mod bearer;
pub mod claims;
pub(crate) mod jwk;
pub(crate) mod jwks;
pub mod token;
pub(crate) mod verified_cache;
