//! The login transaction: what `login()` remembers, in this tab, for the callback to check.

use oidc_protocol::PkceVerifier;
use serde::{Deserialize, Serialize};

use crate::random::{RandomError, random_pkce_verifier, random_urlsafe};

/// State, nonce, PKCE verifier and where to go afterwards, for one authorization request.
///
/// Kept in sessionStorage so it stays in the tab that started the login, and removed as soon as
/// the callback reads it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Transaction {
    /// The `state` sent to `/authorize`; the callback must return it unchanged.
    pub state: String,
    /// The `nonce` sent to `/authorize`; the ID token must carry it (OIDC Core 3.1.2.1).
    pub nonce: String,
    /// The PKCE verifier; absent in the implicit flow, which has no code to exchange.
    #[serde(with = "verifier_serde")]
    pub code_verifier: Option<PkceVerifier>,
    /// The same-origin path to show after the login.
    pub return_to: String,
    /// The `redirect_uri` sent to `/authorize`, which the token request must repeat.
    pub redirect_uri: String,
}

impl Transaction {
    /// Starts a transaction with fresh random state, nonce and (for the code flow) verifier.
    /// `return_to` is kept only if it is a path of this origin that is not the callback.
    ///
    /// # Errors
    /// [`RandomError`] when the browser offers no CSPRNG.
    pub fn begin(
        with_pkce: bool,
        return_to: &str,
        redirect_uri: &str,
    ) -> Result<Self, RandomError> {
        let callback_path = path_of(redirect_uri);
        Ok(Self {
            state: random_urlsafe()?,
            nonce: random_urlsafe()?,
            code_verifier: if with_pkce {
                Some(random_pkce_verifier()?)
            } else {
                None
            },
            return_to: safe_return_path(return_to, callback_path).to_owned(),
            redirect_uri: redirect_uri.to_owned(),
        })
    }
}

/// The path of an absolute URL (`/callback` for `http://localhost:3000/callback?x`).
fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_start = after_scheme.find('/').unwrap_or(after_scheme.len());
    let path = &after_scheme[path_start..];
    let path_end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..path_end]
}

/// Keeps `path` if it is a path on this origin other than `callback_path`, otherwise `/`.
///
/// It must start with one `/`: `//host` and `/\host` are read by browsers as other hosts, so
/// they would turn the login into an open redirect. The callback itself (in any spelling:
/// `/callback/`, `/callback#x`) would start the callback again.
pub fn safe_return_path<'a>(path: &'a str, callback_path: &str) -> &'a str {
    let same_origin = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(char::is_control);
    let pathname_end = path.find(['?', '#']).unwrap_or(path.len());
    let pathname = &path[..pathname_end];
    let trimmed = |text: &'a str| -> &'a str { text.trim_end_matches('/') };
    let callback = callback_path.trim_end_matches('/');
    let is_callback = !callback.is_empty() && trimmed(pathname) == callback;
    if same_origin && !is_callback {
        path
    } else {
        "/"
    }
}

mod verifier_serde {
    use oidc_protocol::PkceVerifier;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        verifier: &Option<PkceVerifier>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match verifier {
            Some(verifier) => serializer.serialize_some(verifier.secret()),
            None => serializer.serialize_none(),
        }
    }

    /// A stored verifier that is not valid verifier syntax makes the transaction unreadable.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<PkceVerifier>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| PkceVerifier::parse(text).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLBACK: &str = "/callback";

    #[test]
    fn same_origin_paths_are_kept() {
        assert_eq!(safe_return_path("/ping", CALLBACK), "/ping");
        assert_eq!(
            safe_return_path("/profile?tab=1#x", CALLBACK),
            "/profile?tab=1#x"
        );
        assert_eq!(safe_return_path("/", CALLBACK), "/");
        assert_eq!(safe_return_path("/callbacks", CALLBACK), "/callbacks");
    }

    #[test]
    fn other_origins_and_odd_paths_fall_back_to_home() {
        for path in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "",
            "ping",
            "/callback",
            "/callback?code=x",
            "/a\nb",
        ] {
            assert_eq!(safe_return_path(path, CALLBACK), "/", "{path:?}");
        }
    }

    #[test]
    fn encoded_and_disguised_other_origins_fall_back_to_home() {
        for path in [
            "/\\\\evil.example",
            "\\\\evil.example",
            "HTTPS://evil.example/",
            "//evil.example:443/",
            "/\t/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/callback#x",
            "/callback/",
            "/callback/?x=1",
        ] {
            assert_eq!(safe_return_path(path, CALLBACK), "/", "{path:?}");
        }
        // Percent-encoded slashes stay inside the path: the browser does not decode them into
        // an authority, so these remain pages of this origin.
        assert_eq!(
            safe_return_path("/%2F%2Fevil.example", CALLBACK),
            "/%2F%2Fevil.example"
        );
        assert_eq!(
            safe_return_path("/%5Cevil.example", CALLBACK),
            "/%5Cevil.example"
        );
    }

    #[test]
    fn the_callback_path_comes_from_the_redirect_uri() {
        assert_eq!(path_of("http://localhost:3000/callback"), "/callback");
        assert_eq!(path_of("https://app.example/auth/done?x=1#y"), "/auth/done");
        assert_eq!(path_of("https://app.example"), "");
        assert_eq!(safe_return_path("/auth/done", "/auth/done"), "/");
    }

    #[test]
    fn transaction_round_trips_through_json_with_its_verifier() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let transaction = Transaction {
            state: "s".into(),
            nonce: "n".into(),
            code_verifier: Some(PkceVerifier::parse(verifier).unwrap()),
            return_to: "/ping".into(),
            redirect_uri: "http://localhost:3000/callback".into(),
        };
        let json = serde_json::to_string(&transaction).unwrap();
        let back: Transaction = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.code_verifier.as_ref().map(PkceVerifier::secret),
            Some(verifier)
        );
        assert_eq!(back.return_to, "/ping");
        assert!(!format!("{back:?}").contains(verifier));
    }

    #[test]
    fn a_stored_transaction_with_a_broken_verifier_is_unreadable() {
        let json = r#"{"state":"s","nonce":"n","code_verifier":"short","return_to":"/","redirect_uri":"x"}"#;
        assert!(serde_json::from_str::<Transaction>(json).is_err());
    }
}
