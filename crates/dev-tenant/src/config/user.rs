//! A user who can log in, and the profile released about them in tokens and at `/userinfo`.

use std::collections::BTreeMap;

use oidc_protocol::{Audience, Scope, StandardClaims};
use serde::Deserialize;
use sha2::{Digest, Sha256};

const DEFAULT_UPDATED_AT: &str = "2026-01-01T00:00:00.000Z";

/// A user who can log in, with their profile and API permissions.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// The login email.
    pub email: String,
    /// The password, in clear: this is a development tenant and the login page lists it.
    pub password: String,
    /// The `sub` claim; derived from the email when absent.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The `name` claim; the email when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// The `nickname` claim; the local part of the email when absent.
    #[serde(default)]
    pub nickname: Option<String>,
    /// The `picture` claim; the tenant's own SVG avatar when absent.
    #[serde(default)]
    pub picture: Option<String>,
    /// The `email_verified` claim.
    #[serde(default = "default_true")]
    pub email_verified: bool,
    /// Scopes the user holds, by API identifier.
    #[serde(default)]
    pub permissions: BTreeMap<Audience, Vec<String>>,
}

fn default_true() -> bool {
    true
}

impl std::fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserConfig")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("permissions", &self.permissions)
            .finish_non_exhaustive()
    }
}

/// The profile of a user as it appears in tokens and at `/userinfo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// `sub`.
    pub user_id: String,
    /// `name`.
    pub name: String,
    /// `nickname`.
    pub nickname: String,
    /// `picture`.
    pub picture: String,
    /// `email`.
    pub email: String,
    /// `email_verified`.
    pub email_verified: bool,
    /// `updated_at`.
    pub updated_at: String,
}

impl Profile {
    /// The profile claims that `scope` releases (OIDC Core 5.4): name, nickname, picture and
    /// `updated_at` with `profile`, the address and whether it is verified with `email`.
    pub fn released(&self, scope: &Scope) -> StandardClaims {
        let with_profile = scope.contains("profile");
        let with_email = scope.contains("email");
        StandardClaims {
            name: with_profile.then(|| self.name.clone()),
            nickname: with_profile.then(|| self.nickname.clone()),
            picture: with_profile.then(|| self.picture.clone()),
            updated_at: with_profile.then(|| self.updated_at.clone()),
            email: with_email.then(|| self.email.clone()),
            email_verified: with_email.then_some(self.email_verified),
        }
    }
}

impl UserConfig {
    /// A user with the default profile derived from the email.
    pub fn new(email: &str, password: &str) -> Self {
        Self {
            email: email.to_owned(),
            password: password.to_owned(),
            user_id: None,
            name: None,
            nickname: None,
            picture: None,
            email_verified: true,
            permissions: BTreeMap::new(),
        }
    }

    /// The user's profile claims, filling in defaults relative to `issuer`.
    pub fn profile(&self, issuer: &str) -> Profile {
        let nickname = self
            .nickname
            .clone()
            .unwrap_or_else(|| self.email.split('@').next().unwrap_or_default().to_owned());
        let user_id = self.user_id.clone().unwrap_or_else(|| {
            let digest = Sha256::digest(self.email.to_lowercase().as_bytes());
            let hex: String = digest[..12]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            format!("auth0|{hex}")
        });
        Profile {
            user_id,
            name: self.name.clone().unwrap_or_else(|| self.email.clone()),
            picture: self
                .picture
                .clone()
                .unwrap_or_else(|| format!("{issuer}avatars/{nickname}.svg")),
            nickname,
            email: self.email.clone(),
            email_verified: self.email_verified,
            updated_at: DEFAULT_UPDATED_AT.to_owned(),
        }
    }

    /// The scopes this user holds for the API `audience`.
    pub fn scopes_for(&self, audience: &str) -> &[String] {
        self.permissions
            .get(audience)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use oidc_protocol::{Scope, StandardClaims};

    use crate::config::TenantConfig;

    #[test]
    fn default_profile_uses_local_part_and_own_avatar() {
        let config = TenantConfig::default();
        let profile = config.users[0].profile(&config.issuer);
        assert_eq!(profile.nickname, "reader");
        assert_eq!(profile.name, "reader@example.com");
        assert_eq!(profile.picture, "http://localhost:3002/avatars/reader.svg");
        assert!(profile.user_id.starts_with("auth0|"));
        assert_eq!(
            profile.user_id,
            config.users[0].profile(&config.issuer).user_id
        );
    }

    #[test]
    fn profile_claims_are_released_by_scope() {
        let profile = TenantConfig::default().users[0].profile("http://localhost:3002/");
        let only_email = profile.released(&Scope::new("openid email"));
        assert_eq!(only_email.email.as_deref(), Some("reader@example.com"));
        assert_eq!(only_email.email_verified, Some(true));
        assert_eq!(only_email.name, None);
        let only_profile = profile.released(&Scope::new("openid profile"));
        assert_eq!(only_profile.nickname.as_deref(), Some("reader"));
        assert_eq!(only_profile.email, None);
        assert_eq!(
            profile.released(&Scope::new("openid")),
            StandardClaims::default()
        );
    }
}
