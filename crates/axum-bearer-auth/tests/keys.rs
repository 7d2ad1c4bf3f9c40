//! The signing keys' life: trusted until a limit after the last successful fetch, whatever
//! the issuer does, and a readiness check that fetches them when they are not usable.
//!
//! A trust limit of zero makes keys untrusted the moment after the fetch that brought them,
//! which shows what happens past any limit without waiting for it.

mod support;

use std::time::Duration;

use axum_bearer_auth::{
    AuthErrorKind, BearerAuth, BearerAuthConfig, JwksSettings, KeyStatus, Outcome,
};
use oidc_protocol::{Audience, Issuer};
use support::*;

fn config(issuer: &str) -> BearerAuthConfig {
    BearerAuthConfig::new(Issuer::parse(issuer).unwrap(), Audience::new(AUDIENCE)).unwrap()
}

/// Every lookup finds the keys stale and past the trust limit, and may refetch at once.
fn untrusted_at_once(config: BearerAuthConfig) -> BearerAuthConfig {
    let mut jwks = JwksSettings::default();
    jwks.max_age = Duration::ZERO;
    jwks.refetch_interval = Duration::ZERO;
    jwks.trust_limit = Duration::ZERO;
    config.with_jwks(jwks)
}

fn token(server: &JwksServer) -> String {
    sign(
        &rs256_header(primary_key().kid),
        &valid_claims(&server.issuer),
        primary_key(),
    )
}

#[tokio::test]
async fn keys_past_the_trust_limit_are_never_used_while_the_issuer_is_down() {
    let server = JwksServer::start(&[primary_key()]).await;
    let auth = BearerAuth::new(
        untrusted_at_once(config(&server.issuer)).with_verified_token_ttl(Duration::ZERO),
    );
    let token = token(&server);
    assert_eq!(auth.verify(&token).await.unwrap().subject(), "auth0|reader");
    assert_eq!(auth.key_status(), KeyStatus::Expired);

    for mode in [Mode::Failing, Mode::Garbage, Mode::Empty] {
        server.set_mode(mode);
        let error = auth.verify(&token).await.unwrap_err();
        assert_eq!(error.kind(), &AuthErrorKind::KeysUnavailable, "{mode:?}");
        assert_eq!(error.status().as_u16(), 503);
    }
    // The issuer answers again: the keys of that fetch verify.
    server.set_mode(Mode::Up);
    assert_eq!(auth.verify(&token).await.unwrap().subject(), "auth0|reader");
    assert_eq!(server.jwks_fetches(), 5);
}

#[tokio::test]
async fn a_remembered_token_is_not_answered_from_memory_once_its_keys_are_untrusted() {
    let server = JwksServer::start(&[primary_key()]).await;
    // The verified-token cache at its default TTL of 60 s.
    let auth = BearerAuth::new(untrusted_at_once(config(&server.issuer)));
    let token = token(&server);
    assert!(auth.verify(&token).await.is_ok());

    server.set_mode(Mode::Failing);
    let error = auth.verify(&token).await.unwrap_err();
    assert_eq!(error.kind(), &AuthErrorKind::KeysUnavailable);
    assert_eq!(auth.metrics().count(Outcome::CacheHit), 0);
}

#[tokio::test]
async fn a_remembered_token_within_the_trust_limit_is_answered_from_memory() {
    let server = JwksServer::start(&[primary_key()]).await;
    let auth = BearerAuth::new(config(&server.issuer));
    let token = token(&server);
    assert!(auth.verify(&token).await.is_ok());
    server.set_mode(Mode::Failing);
    assert!(auth.verify(&token).await.is_ok());
    assert_eq!(auth.metrics().count(Outcome::CacheHit), 1);
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn checking_keys_that_were_never_fetched_fetches_them_once() {
    let server = JwksServer::start(&[primary_key()]).await;
    let auth = BearerAuth::new(config(&server.issuer));
    assert_eq!(auth.key_status(), KeyStatus::NeverFetched);
    assert_eq!(server.jwks_fetches(), 0);
    assert_eq!(auth.check_keys().await, KeyStatus::Usable);
    assert_eq!(auth.check_keys().await, KeyStatus::Usable);
    assert_eq!(auth.key_status(), KeyStatus::Usable);
    assert_eq!(server.jwks_fetches(), 1);
    // The keys it fetched serve the first token without another fetch.
    assert!(auth.verify(&token(&server)).await.is_ok());
    assert_eq!(server.jwks_fetches(), 1);
}

#[tokio::test]
async fn checking_keys_is_rate_limited_like_every_fetch() {
    let server = JwksServer::start(&[primary_key()]).await;
    server.set_mode(Mode::Failing);
    // The default refetch interval of 10 s.
    let auth = BearerAuth::new(config(&server.issuer));
    for _ in 0..5 {
        assert_eq!(auth.check_keys().await, KeyStatus::NeverFetched);
    }
    server.set_mode(Mode::Up);
    assert_eq!(auth.check_keys().await, KeyStatus::NeverFetched);
    assert_eq!(server.jwks_fetches(), 1);
    assert_eq!(auth.metrics().jwks_fetch_failures(), 1);
}

#[tokio::test]
async fn checking_keys_past_the_trust_limit_asks_the_issuer_again() {
    let server = JwksServer::start(&[primary_key()]).await;
    let auth = BearerAuth::new(untrusted_at_once(config(&server.issuer)));
    assert!(auth.verify(&token(&server)).await.is_ok());
    server.set_mode(Mode::Failing);
    assert_eq!(auth.check_keys().await, KeyStatus::Expired);
    assert_eq!(server.jwks_fetches(), 2);
    assert_eq!(auth.metrics().jwks_fetch_failures(), 1);
}

#[tokio::test]
async fn an_unreachable_issuer_leaves_keys_never_fetched() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let auth = BearerAuth::new(config(&issuer));
    assert_eq!(auth.check_keys().await, KeyStatus::NeverFetched);
    let metrics = auth.metrics();
    assert_eq!(
        (metrics.jwks_fetches(), metrics.jwks_fetch_failures()),
        (1, 1)
    );
}
