//! The SPA.
