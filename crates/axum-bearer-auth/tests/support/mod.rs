//! Shared test fixtures: signing keys, token minting, a local JWKS server, request helpers.
//!
//! The `api` crate's tests and benchmark include this module by path, so both crates mint and
//! serve keys the same way.
#![allow(dead_code, unused_imports)]

pub mod client;
pub mod jwks_server;
pub mod keys;
pub mod tokens;

pub use client::{Answer, call, call_with};
pub use jwks_server::{JwksServer, Mode};
pub use keys::{TestKey, primary_key, secondary_key, weak_key};
pub use tokens::{AUDIENCE, now, rs256_header, sign, valid_claims};
