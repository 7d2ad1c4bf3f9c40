//! The login page: markup the end-to-end test relies on, CSRF protection of the form post,
//! wrong credentials, expired transactions, the headers that forbid framing, and the one-click
//! login as a listed user, which goes through the same CSRF and transaction checks.

mod harness;

use axum::http::StatusCode;
use dev_tenant::TenantConfig;
use harness::*;
use serde_json::Value;

#[tokio::test]
async fn login_page_has_labelled_fields_a_dev_footer_and_the_user_list() {
    let page = open_login(&tenant(), &authorize_uri(&[]), None).await;
    let body = &page.reply.body;
    assert!(body.contains(r#"<label for="username">Email</label>"#));
    assert!(
        body.contains(
            r#"<input id="username" name="username" type="email" autocomplete="username""#
        )
    );
    assert!(body.contains(r#"<label for="password">Password</label>"#));
    assert!(body.contains(
        r#"<input id="password" name="password" type="password" autocomplete="current-password""#
    ));
    assert!(body.contains(r#"<button type="submit">Continue</button>"#));
    assert!(body.contains("Development server"));
    assert!(
        body.contains("reader@example.com")
            && body.contains("guest@example.com")
            && body.contains("password123")
    );
    assert!(body.contains(r#"<link rel="stylesheet" href="/static/login.css">"#));
    assert!(
        !body.contains("<style"),
        "styles come from the stylesheet, which the CSP allows"
    );
    assert_eq!(page.reply.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.reply.header("cache-control"), Some("no-store"));
    let csp = page
        .reply
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
}

#[tokio::test]
async fn the_stylesheet_is_served_as_css() {
    let reply = get(&tenant(), "/static/login.css", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert!(reply.body.contains("button"));
}

#[tokio::test]
async fn wrong_password_re_renders_with_an_alert_and_keeps_the_email() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    let reply = submit_login(&router, &page, "reader@example.com", "wrong").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.header("location").is_none());
    assert!(
        reply
            .body
            .contains(r#"role="alert">Wrong email or password.<"#),
        "{}",
        reply.body
    );
    assert!(reply.body.contains(r#"value="reader@example.com""#));
    assert!(reply.set_cookie("dev_tenant_session").is_none());
    // The same transaction still works with the right password.
    let retry = submit_login(&router, &page, "reader@example.com", "password123").await;
    assert_eq!(retry.status, StatusCode::FOUND);
    assert!(params(&retry.location(), false).contains_key("code"));
}

#[tokio::test]
async fn unknown_email_gets_the_same_message() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    let reply = submit_login(&router, &page, "nobody@example.com", "password123").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("Wrong email or password."));
}

#[tokio::test]
async fn login_without_csrf_token_is_refused() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    let cookie = page.csrf_cookie.clone();
    let reply = post_form(
        &router,
        "/u/login",
        &[
            ("state", &page.transaction),
            ("username", "reader@example.com"),
            ("password", "password123"),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.header("location").is_none());
    assert!(reply.body.contains("CSRF"), "{}", reply.body);
    assert!(reply.set_cookie("dev_tenant_session").is_none());
}

#[tokio::test]
async fn login_with_a_wrong_csrf_token_is_refused() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    let cookie = page.csrf_cookie.clone();
    let reply = post_form(
        &router,
        "/u/login",
        &[
            ("state", &page.transaction),
            ("csrf", "forged"),
            ("username", "reader@example.com"),
            ("password", "password123"),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.set_cookie("dev_tenant_session").is_none());
    assert!(reply.header("location").is_none());
    assert!(reply.body.contains("CSRF"), "{}", reply.body);
}

#[tokio::test]
async fn login_without_the_csrf_cookie_is_refused() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    let reply = post_form(
        &router,
        "/u/login",
        &[
            ("state", &page.transaction),
            ("csrf", &page.csrf),
            ("username", "reader@example.com"),
            ("password", "password123"),
        ],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.header("location").is_none());
    assert!(reply.body.contains("CSRF"), "{}", reply.body);
    assert!(reply.set_cookie("dev_tenant_session").is_none());
}

#[tokio::test]
async fn csrf_cookie_is_http_only_and_scoped_to_the_login_form() {
    let page = open_login(&tenant(), &authorize_uri(&[]), None).await;
    let cookie = page
        .redirect
        .set_cookie_with_prefix("dev_tenant_csrf_")
        .expect("csrf cookie");
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/u/login"),
        "{cookie}"
    );
}

#[tokio::test]
async fn a_login_transaction_is_single_use() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    assert_eq!(
        submit_login(&router, &page, "reader@example.com", "password123")
            .await
            .status,
        StatusCode::FOUND
    );
    let again = submit_login(&router, &page, "reader@example.com", "password123").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("Login expired"));
    assert!(again.header("location").is_none());
    assert!(again.set_cookie("dev_tenant_session").is_none());
}

#[tokio::test]
async fn unknown_login_transaction_gets_an_error_page() {
    let reply = get(&tenant(), "/u/login?state=made-up", None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("no longer valid"));
}

#[tokio::test]
async fn login_hint_prefills_the_email() {
    let page = open_login(
        &tenant(),
        &authorize_uri(&[("login_hint", "guest@example.com")]),
        None,
    )
    .await;
    assert!(page.reply.body.contains(r#"value="guest@example.com""#));
}

#[tokio::test]
async fn no_secret_but_the_code_appears_in_the_callback_url() {
    let router = tenant();
    let (location, session) = log_in(&router, &authorize_uri(&[]), "reader@example.com").await;
    let returned = params(&location, false);
    let mut names: Vec<&str> = returned.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["code", "iss", "state"]);
    assert_eq!(returned.get("iss").map(String::as_str), Some(ISSUER));
    assert!(
        !location
            .as_str()
            .contains(session.trim_start_matches("dev_tenant_session="))
    );
}

#[tokio::test]
async fn two_logins_in_parallel_tabs_both_pass_the_csrf_check() {
    let router = tenant();
    let first = open_login(&router, &authorize_uri(&[("state", "tab-1")]), None).await;
    let second = open_login(&router, &authorize_uri(&[("state", "tab-2")]), None).await;
    assert_ne!(first.csrf_cookie, second.csrf_cookie);
    // The browser holds both cookies; each form finds its own.
    let both = format!("{}; {}", first.csrf_cookie, second.csrf_cookie);
    for (page, state) in [(&first, "tab-1"), (&second, "tab-2")] {
        let reply = post_form(
            &router,
            "/u/login",
            &[
                ("state", &page.transaction),
                ("csrf", &page.csrf),
                ("username", "guest@example.com"),
                ("password", "password123"),
            ],
            Some(&both),
        )
        .await;
        assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
        assert_eq!(
            params(&reply.location(), false)
                .get("state")
                .map(String::as_str),
            Some(state)
        );
    }
}

#[tokio::test]
async fn the_csrf_cookie_of_another_login_does_not_pass() {
    let router = tenant();
    let first = open_login(&router, &authorize_uri(&[]), None).await;
    let second = open_login(&router, &authorize_uri(&[]), None).await;
    let reply = post_form(
        &router,
        "/u/login",
        &[
            ("state", &first.transaction),
            ("csrf", &first.csrf),
            ("username", "reader@example.com"),
            ("password", "password123"),
        ],
        Some(&second.csrf_cookie),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_the_redirect_from_authorize_sets_the_csrf_cookie() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    assert!(
        page.redirect
            .set_cookie_with_prefix("dev_tenant_csrf_")
            .is_some()
    );
    assert!(
        page.reply
            .set_cookie_with_prefix("dev_tenant_csrf_")
            .is_none(),
        "the login page itself never sets it"
    );
    let wrong = submit_login(&router, &page, "reader@example.com", "wrong").await;
    assert!(wrong.set_cookie_with_prefix("dev_tenant_csrf_").is_none());
}

#[tokio::test]
async fn a_login_started_in_another_browser_is_refused_on_the_page_and_on_the_form() {
    // Another site on localhost (same-site, so SameSite=Lax does not help) starts a login
    // itself, learns the transaction id and the form's CSRF token from its own page, and
    // tries to make the victim's browser log in as the attacker.
    let router = tenant();
    let attacker = open_login(&router, &authorize_uri(&[]), None).await;
    let victim_loads_page = get(
        &router,
        &format!("/u/login?state={}", attacker.transaction),
        None,
    )
    .await;
    assert_eq!(victim_loads_page.status, StatusCode::FORBIDDEN);
    assert!(
        victim_loads_page
            .set_cookie_with_prefix("dev_tenant_csrf_")
            .is_none(),
        "loading the page plants no cookie"
    );
    assert!(
        victim_loads_page.body.contains("another browser"),
        "{}",
        victim_loads_page.body
    );
    assert!(!victim_loads_page.body.contains(&attacker.csrf));
    let victim_posts_form = post_form(
        &router,
        "/u/login",
        &[
            ("state", &attacker.transaction),
            ("csrf", &attacker.csrf),
            ("username", "guest@example.com"),
            ("password", "password123"),
        ],
        None,
    )
    .await;
    assert_eq!(victim_posts_form.status, StatusCode::FORBIDDEN);
    assert!(victim_posts_form.set_cookie("dev_tenant_session").is_none());
    // The browser that started the login still can.
    let reply = submit_login(&router, &attacker, "guest@example.com", "password123").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
}

#[tokio::test]
async fn the_login_page_has_a_one_click_button_per_user_and_no_script() {
    let page = open_login(&tenant(), &authorize_uri(&[]), None).await;
    let body = &page.reply.body;
    for email in ["reader@example.com", "guest@example.com"] {
        assert!(
            body.contains(&format!(
                r#"<button type="submit">Log in as {email}</button>"#
            )),
            "{body}"
        );
        assert!(body.contains(&format!(r#"name="pick" value="{email}""#)));
    }
    assert_eq!(
        body.matches(&format!(r#"name="csrf" value="{}""#, page.csrf))
            .count(),
        3,
        "the password form and both pick forms carry the CSRF token"
    );
    assert!(!body.contains("<script"), "{body}");
    let csp = page
        .reply
        .header("content-security-policy")
        .unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
}

#[tokio::test]
async fn one_click_logs_in_as_the_picked_user() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    let reply = submit_pick(&router, &page, "guest@example.com").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
    assert!(reply.set_cookie("dev_tenant_session").is_some());
    assert!(
        reply
            .set_cookie_with_prefix("dev_tenant_csrf_")
            .is_some_and(|line| line.contains("Max-Age=0")),
        "the login's CSRF cookie is cleared as after a password login"
    );
    let returned = params(&reply.location(), false);
    assert_eq!(returned.get("state").map(String::as_str), Some("st/8+=?&z"));
    let code = returned.get("code").expect("a code");
    let body: Value = redeem(&router, code, VERIFIER).await.json();
    let access: Value = verify(
        &router,
        body["access_token"].as_str().unwrap_or_default(),
        AUDIENCE,
    )
    .await;
    let config = TenantConfig::default();
    let guest = config.user("guest@example.com").expect("guest");
    assert_eq!(access["sub"], guest.profile(ISSUER).user_id.as_str());
    assert_eq!(
        body["scope"], "openid profile email",
        "the guest holds nothing"
    );
}

#[tokio::test]
async fn one_click_without_the_csrf_token_or_cookie_is_refused() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    for (csrf, cookie) in [
        ("", Some(page.csrf_cookie.as_str())),
        ("forged", Some(page.csrf_cookie.as_str())),
        (page.csrf.as_str(), None),
    ] {
        let reply = post_form(
            &router,
            "/u/login",
            &[
                ("state", &page.transaction),
                ("csrf", csrf),
                ("pick", "reader@example.com"),
            ],
            cookie,
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{csrf:?} {cookie:?}");
        assert!(reply.header("location").is_none());
        assert!(reply.set_cookie("dev_tenant_session").is_none());
    }
    // The login is still pending: the right form still works.
    let reply = submit_pick(&router, &page, "reader@example.com").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.body);
}

#[tokio::test]
async fn one_click_for_a_login_started_in_another_browser_is_refused() {
    let router = tenant();
    let attacker = open_login(&router, &authorize_uri(&[]), None).await;
    let reply = post_form(
        &router,
        "/u/login",
        &[
            ("state", &attacker.transaction),
            ("csrf", &attacker.csrf),
            ("pick", "guest@example.com"),
        ],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.set_cookie("dev_tenant_session").is_none());
}

#[tokio::test]
async fn one_click_picks_only_listed_users_and_never_mixes_with_a_password() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    let unknown = submit_pick(&router, &page, "nobody@example.com").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("Wrong email or password."));
    assert!(unknown.set_cookie("dev_tenant_session").is_none());
    let cookie = page.csrf_cookie.clone();
    let mixed = post_form(
        &router,
        "/u/login",
        &[
            ("state", &page.transaction),
            ("csrf", &page.csrf),
            ("pick", "reader@example.com"),
            ("username", "guest@example.com"),
            ("password", "password123"),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(mixed.status, StatusCode::BAD_REQUEST, "{}", mixed.body);
    assert!(mixed.set_cookie("dev_tenant_session").is_none());
}

#[tokio::test]
async fn a_one_click_login_uses_up_the_transaction_like_a_password_login() {
    let router = tenant();
    let page = open_login(&router, &authorize_uri(&[]), None).await;
    assert_eq!(
        submit_pick(&router, &page, "reader@example.com")
            .await
            .status,
        StatusCode::FOUND
    );
    let again = submit_pick(&router, &page, "reader@example.com").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("Login expired"));
    let password = submit_login(&router, &page, "reader@example.com", "password123").await;
    assert_eq!(password.status, StatusCode::BAD_REQUEST);
}
