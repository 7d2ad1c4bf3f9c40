//! The login transaction: what `login()` remembers (in this tab) for the callback to check.

use serde::{Deserialize, Serialize};

use crate::navigation::AppRoute;

use super::pkce::PkceVerifier;
use super::random::{RandomError, random_urlsafe};

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
    ///
    /// # Errors
    /// [`RandomError`] when the browser offers no CSPRNG.
    pub fn begin(
        with_pkce: bool,
        return_to: &str,
        redirect_uri: &str,
    ) -> Result<Self, RandomError> {
        Ok(Self {
            state: random_urlsafe()?,
            nonce: random_urlsafe()?,
            code_verifier: if with_pkce {
                Some(PkceVerifier::generate()?)
            } else {
                None
            },
            return_to: safe_return_path(return_to).to_owned(),
            redirect_uri: redirect_uri.to_owned(),
        })
    }
}

/// Keeps `path` if it is a path on this origin, otherwise `/`.
///
/// It must start with one `/`: `//host` and `/\host` are read by browsers as other hosts, so
/// they would turn the login into an open redirect. `/callback` would start the callback again.
pub fn safe_return_path(path: &str) -> &str {
    let same_origin = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(char::is_control);
    // Every spelling the router takes for the callback (`/callback/`, `/callback#x`, ...).
    let pathname_end = path
        .bytes()
        .position(|byte| byte == b'?' || byte == b'#')
        .unwrap_or(path.len());
    let pathname = &path[..pathname_end];
    let is_callback = AppRoute::from_path(pathname) == AppRoute::Callback;
    if same_origin && !is_callback {
        path
    } else {
        "/"
    }
}

mod verifier_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::PkceVerifier;

    pub fn serialize<S: Serializer>(
        verifier: &Option<PkceVerifier>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match verifier {
            Some(verifier) => serializer.serialize_some(verifier.secret()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<PkceVerifier>, D::Error> {
        Ok(Option::<String>::deserialize(deserializer)?.map(PkceVerifier::new))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_paths_are_kept() {
        assert_eq!(safe_return_path("/ping"), "/ping");
        assert_eq!(safe_return_path("/profile?tab=1#x"), "/profile?tab=1#x");
        assert_eq!(safe_return_path("/"), "/");
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
            assert_eq!(safe_return_path(path), "/", "{path:?}");
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
            assert_eq!(safe_return_path(path), "/", "{path:?}");
        }
        // Percent-encoded slashes stay inside the path: the browser does not decode them into
        // an authority, so these remain pages of this origin.
        assert_eq!(
            safe_return_path("/%2F%2Fevil.example"),
            "/%2F%2Fevil.example"
        );
        assert_eq!(safe_return_path("/%5Cevil.example"), "/%5Cevil.example");
    }

    #[test]
    fn transaction_round_trips_through_json_with_its_verifier() {
        let transaction = Transaction {
            state: "s".into(),
            nonce: "n".into(),
            code_verifier: Some(PkceVerifier::new("v")),
            return_to: "/ping".into(),
            redirect_uri: "http://localhost:3000/callback".into(),
        };
        let json = serde_json::to_string(&transaction).unwrap();
        let back: Transaction = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.code_verifier.as_ref().map(PkceVerifier::secret),
            Some("v")
        );
        assert_eq!(back.return_to, "/ping");
        assert!(!format!("{back:?}").contains("\"v\""));
    }
}
