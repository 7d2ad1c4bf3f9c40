//! Refresh-token families (RFC 6819 5.2.2.3, RFC 9700 4.14.2): each login with `offline_access`
//! starts a family whose token rotates on every use. A family has an absolute lifetime counted
//! from the login, which rotation never extends, and an idle lifetime counted from its last use;
//! presenting a token the family has rotated away revokes the whole family, unless it is the one
//! just rotated and the reuse interval has not run out.
//!
//! A token is `<family id>.<secret>`. The family keeps its current secret and the one before it,
//! nothing older: any other secret under a known family id is a rotated-away token, so reuse is
//! detected without remembering every used token, and a client that refreshes in a loop holds
//! one record, not one per refresh.

use oidc_protocol::Scope;
use oidc_protocol::constant_time::constant_time_eq;

use crate::config::TenantConfig;
use crate::grant::Grant;
use crate::opaque::{random_identifier, random_token};

use super::expiring::ExpiringMap;

/// The lifetimes of refresh-token families, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// From the login on; rotation never extends it.
    pub absolute_lifetime: u64,
    /// From the last use on.
    pub idle_lifetime: u64,
    /// After a rotation, how long the rotated-away token is still accepted without counting as
    /// reuse (Auth0's reuse interval); 0 accepts it never.
    pub reuse_interval: u64,
}

impl RefreshPolicy {
    /// The policy a configuration sets.
    pub fn from_config(config: &TenantConfig) -> Self {
        Self {
            absolute_lifetime: config.refresh_token_absolute_lifetime.as_secs(),
            idle_lifetime: config.refresh_token_idle_lifetime.as_secs(),
            reuse_interval: config.refresh_token_reuse_interval.as_secs(),
        }
    }
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self::from_config(&TenantConfig::default())
    }
}

/// Why a refresh token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefreshRefusal {
    /// Unknown, expired (absolute or idle lifetime) or revoked.
    #[error("unknown refresh token")]
    Unknown,
    /// Already rotated away: the whole family is now revoked (RFC 6819 5.2.2.3).
    #[error("refresh token reused")]
    Reused,
    /// Issued to another client.
    #[error("refresh token issued to another client")]
    WrongClient,
}

/// The secret a family rotated away last, and until when it is still accepted.
struct Rotated {
    secret: String,
    reusable_until: u64,
}

struct Family {
    grant: Grant,
    current: String,
    previous: Option<Rotated>,
    absolute_expiry: u64,
}

/// Every live family, keyed by family id, each expiring at the sooner of its absolute and idle
/// expiry.
pub struct RefreshFamilies {
    families: ExpiringMap<Family>,
    policy: RefreshPolicy,
}

/// Splits a presented token into family id and secret.
fn split(token: &str) -> Option<(&str, &str)> {
    token
        .split_once('.')
        .filter(|(family, secret)| !family.is_empty() && !secret.is_empty())
}

impl RefreshFamilies {
    /// No families; at most `capacity` at once.
    pub fn new(capacity: usize, policy: RefreshPolicy) -> Self {
        Self {
            families: ExpiringMap::new(capacity),
            policy,
        }
    }

    /// How many families are stored.
    pub fn len(&self) -> usize {
        self.families.len()
    }

    /// Whether no family is stored.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    /// Starts a family for `grant` at `now`; returns its id and first token.
    pub fn issue(&mut self, grant: Grant, now: u64) -> (String, String) {
        let family_id = random_identifier();
        let secret = random_token();
        let absolute_expiry = now.saturating_add(self.policy.absolute_lifetime);
        let expiry = absolute_expiry.min(now.saturating_add(self.policy.idle_lifetime));
        let token = format!("{family_id}.{secret}");
        self.families.insert(
            family_id.clone(),
            Family {
                grant,
                current: secret,
                previous: None,
                absolute_expiry,
            },
            expiry,
            now,
        );
        (family_id, token)
    }

    /// Exchanges `token` at `now`: the current token rotates, and the answer carries its
    /// successor. Within the reuse interval the token just rotated away is accepted too, and
    /// answered with the family's current token, the one its first exchange returned, so
    /// parallel or retried refreshes all end up holding the same live token. Any other
    /// rotated-away token revokes the family (RFC 6819 5.2.2.3).
    ///
    /// `requested` narrows the returned grant to the scopes it shares with the original: Auth0
    /// answers a refresh asking for more with what was granted. The family keeps its grant.
    ///
    /// # Errors
    /// See [`RefreshRefusal`]; apart from reuse, a refused request leaves the family usable.
    pub fn rotate(
        &mut self,
        token: &str,
        client_id: &str,
        requested: Option<&Scope>,
        now: u64,
    ) -> Result<(Grant, String), RefreshRefusal> {
        self.families.prune(now);
        let (family_id, secret) = split(token).ok_or(RefreshRefusal::Unknown)?;
        let policy = self.policy;
        let family = self
            .families
            .get_mut(family_id, now)
            .ok_or(RefreshRefusal::Unknown)?;
        if family.grant.client_id != client_id {
            return Err(RefreshRefusal::WrongClient);
        }
        if constant_time_eq(secret.as_bytes(), family.current.as_bytes()) {
            let successor = random_token();
            let rotated = std::mem::replace(&mut family.current, successor);
            family.previous = Some(Rotated {
                secret: rotated,
                reusable_until: now.saturating_add(policy.reuse_interval),
            });
        } else {
            let within_interval = family.previous.as_ref().is_some_and(|previous| {
                now < previous.reusable_until
                    && constant_time_eq(secret.as_bytes(), previous.secret.as_bytes())
            });
            if !within_interval {
                self.families.remove(family_id);
                return Err(RefreshRefusal::Reused);
            }
        }
        let mut narrowed = family.grant.clone();
        if let Some(requested) = requested {
            narrowed.scope = Scope::from_tokens(
                family
                    .grant
                    .scope
                    .tokens()
                    .filter(|scope| requested.contains(scope)),
            );
        }
        let successor = format!("{family_id}.{}", family.current);
        let expiry = family
            .absolute_expiry
            .min(now.saturating_add(policy.idle_lifetime));
        self.families.set_expiry(family_id, expiry);
        Ok((narrowed, successor))
    }

    /// Revokes the family of `token`, whichever of its tokens it is (RFC 7009 section 2.1).
    /// Returns whether a family was revoked; an unknown token revokes nothing.
    ///
    /// # Errors
    /// [`RefreshRefusal::WrongClient`] when the family belongs to another client, which keeps it.
    pub fn revoke(
        &mut self,
        token: &str,
        client_id: &str,
        now: u64,
    ) -> Result<bool, RefreshRefusal> {
        let Some((family_id, _)) = split(token) else {
            return Ok(false);
        };
        let Some(family) = self.families.get(family_id, now) else {
            return Ok(false);
        };
        if family.grant.client_id != client_id {
            return Err(RefreshRefusal::WrongClient);
        }
        self.families.remove(family_id);
        Ok(true)
    }

    /// Revokes the family `family_id`.
    pub fn revoke_family(&mut self, family_id: &str) {
        self.families.remove(family_id);
    }

    /// Revokes every family started in the login session `sid`; returns how many.
    pub fn revoke_session(&mut self, sid: &str) -> usize {
        self.families.remove_where(|family| family.grant.sid == sid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: &str = "local-spa-client";
    const DAY: u64 = 24 * 3600;

    fn grant(sid: &str) -> Grant {
        Grant {
            email: "reader@example.com".to_owned(),
            client_id: CLIENT.into(),
            audience: None,
            scope: Scope::new("openid offline_access"),
            nonce: None,
            auth_time: 0,
            sid: sid.to_owned(),
        }
    }

    fn families(reuse_interval: u64) -> RefreshFamilies {
        RefreshFamilies::new(
            16,
            RefreshPolicy {
                absolute_lifetime: 30 * DAY,
                idle_lifetime: 15 * DAY,
                reuse_interval,
            },
        )
    }

    fn rotate(
        families: &mut RefreshFamilies,
        token: &str,
        now: u64,
    ) -> Result<String, RefreshRefusal> {
        families
            .rotate(token, CLIENT, None, now)
            .map(|(_, successor)| successor)
    }

    #[test]
    fn the_defaults_are_auth0s_rotation_defaults() {
        let policy = RefreshPolicy::default();
        assert_eq!(policy.absolute_lifetime, 30 * DAY);
        assert_eq!(policy.idle_lifetime, 15 * DAY);
        assert_eq!(policy.reuse_interval, 0);
    }

    #[test]
    fn a_family_used_within_its_idle_lifetime_lives_until_its_absolute_lifetime() {
        let mut families = families(0);
        let (_, mut token) = families.issue(grant("s"), 0);
        // A refresh every 10 days keeps the family from going idle ...
        for day in [10, 20, 29] {
            token = rotate(&mut families, &token, day * DAY).expect("live");
        }
        // ... but rotation never extends the 30 days counted from the login.
        assert_eq!(
            rotate(&mut families, &token, 30 * DAY),
            Err(RefreshRefusal::Unknown)
        );
        assert!(families.is_empty(), "the expired family is pruned");
    }

    #[test]
    fn a_family_unused_for_its_idle_lifetime_expires() {
        let mut families = families(0);
        let (_, token) = families.issue(grant("s"), 0);
        let token = rotate(&mut families, &token, 14 * DAY).expect("live");
        assert_eq!(
            rotate(&mut families, &token, 29 * DAY),
            Err(RefreshRefusal::Unknown)
        );
        let (_, fresh) = families.issue(grant("s"), 0);
        assert!(rotate(&mut families, &fresh, 15 * DAY - 1).is_ok());
    }

    #[test]
    fn reusing_a_rotated_token_revokes_its_family_only() {
        let mut families = families(0);
        let (_, first) = families.issue(grant("s"), 0);
        let (_, other) = families.issue(grant("s"), 0);
        let second = rotate(&mut families, &first, 1).expect("rotates");
        assert_eq!(
            rotate(&mut families, &first, 1),
            Err(RefreshRefusal::Reused)
        );
        assert_eq!(
            rotate(&mut families, &second, 1),
            Err(RefreshRefusal::Unknown)
        );
        assert!(rotate(&mut families, &other, 1).is_ok());
    }

    #[test]
    fn an_older_token_than_the_previous_one_is_reuse_even_within_the_interval() {
        let mut families = families(60);
        let (_, first) = families.issue(grant("s"), 0);
        let second = rotate(&mut families, &first, 0).expect("rotates");
        let third = rotate(&mut families, &second, 1).expect("rotates");
        assert_eq!(
            rotate(&mut families, &first, 2),
            Err(RefreshRefusal::Reused)
        );
        assert_eq!(
            rotate(&mut families, &third, 2),
            Err(RefreshRefusal::Unknown)
        );
    }

    #[test]
    fn within_the_reuse_interval_the_rotated_token_gets_the_current_one_again() {
        let mut families = families(60);
        let (_, first) = families.issue(grant("s"), 0);
        let second = rotate(&mut families, &first, 100).expect("rotates");
        assert_eq!(rotate(&mut families, &first, 159), Ok(second.clone()));
        let third = rotate(&mut families, &second, 159).expect("the current token still rotates");
        assert_ne!(third, second);
        // Once the interval is over the rotated token is reuse.
        let fourth = rotate(&mut families, &third, 200).expect("rotates");
        assert_eq!(
            rotate(&mut families, &third, 260),
            Err(RefreshRefusal::Reused)
        );
        assert_eq!(
            rotate(&mut families, &fourth, 260),
            Err(RefreshRefusal::Unknown)
        );
    }

    #[test]
    fn without_a_reuse_interval_the_rotated_token_is_reuse_at_once() {
        let mut families = families(0);
        let (_, first) = families.issue(grant("s"), 0);
        rotate(&mut families, &first, 0).expect("rotates");
        assert_eq!(
            rotate(&mut families, &first, 0),
            Err(RefreshRefusal::Reused)
        );
    }

    #[test]
    fn a_forged_secret_under_a_family_id_counts_as_reuse() {
        let mut families = families(0);
        let (family_id, token) = families.issue(grant("s"), 0);
        assert_eq!(
            rotate(&mut families, &format!("{family_id}.forged"), 0),
            Err(RefreshRefusal::Reused)
        );
        assert_eq!(
            rotate(&mut families, &token, 0),
            Err(RefreshRefusal::Unknown)
        );
    }

    #[test]
    fn malformed_and_unknown_tokens_are_unknown() {
        let mut families = families(0);
        for token in ["", "no-dot", ".secret", "family.", "unknown.secret"] {
            assert_eq!(
                rotate(&mut families, token, 0),
                Err(RefreshRefusal::Unknown),
                "{token:?}"
            );
        }
    }

    #[test]
    fn a_family_is_bound_to_its_client_and_a_wrong_client_leaves_it_usable() {
        let mut families = families(0);
        let (_, token) = families.issue(grant("s"), 0);
        assert_eq!(
            families.rotate(&token, "other", None, 0).err(),
            Some(RefreshRefusal::WrongClient)
        );
        assert_eq!(
            families.revoke(&token, "other", 0),
            Err(RefreshRefusal::WrongClient)
        );
        assert!(rotate(&mut families, &token, 0).is_ok());
    }

    #[test]
    fn revoking_any_token_of_a_family_revokes_the_family() {
        let mut families = families(0);
        let (_, first) = families.issue(grant("s"), 0);
        let second = rotate(&mut families, &first, 0).expect("rotates");
        assert_eq!(families.revoke(&first, CLIENT, 0), Ok(true));
        assert_eq!(
            rotate(&mut families, &second, 0),
            Err(RefreshRefusal::Unknown)
        );
        assert_eq!(families.revoke(&second, CLIENT, 0), Ok(false));
        assert_eq!(families.revoke("garbage", CLIENT, 0), Ok(false));
    }

    #[test]
    fn revoking_a_session_revokes_its_families_only() {
        let mut families = families(0);
        let (_, mine) = families.issue(grant("mine"), 0);
        let (_, also_mine) = families.issue(grant("mine"), 0);
        let (_, theirs) = families.issue(grant("theirs"), 0);
        assert_eq!(families.revoke_session("mine"), 2);
        for token in [mine, also_mine] {
            assert_eq!(
                rotate(&mut families, &token, 0),
                Err(RefreshRefusal::Unknown)
            );
        }
        assert!(rotate(&mut families, &theirs, 0).is_ok());
    }

    #[test]
    fn refreshing_in_a_loop_keeps_one_record() {
        let mut families = families(0);
        let (_, mut token) = families.issue(grant("s"), 0);
        for second in 0..10_000 {
            token = rotate(&mut families, &token, second).expect("rotates");
        }
        assert_eq!(families.len(), 1);
    }

    #[test]
    fn a_refresh_returns_the_granted_part_of_the_requested_scope() {
        let mut families = families(0);
        let (_, token) = families.issue(grant("s"), 0);
        let requested = Scope::new("openid email");
        let (narrowed, successor) = families
            .rotate(&token, CLIENT, Some(&requested), 0)
            .expect("narrows");
        assert_eq!(narrowed.scope.as_str(), "openid");
        let (next, _) = families
            .rotate(&successor, CLIENT, None, 0)
            .expect("the successor keeps the original grant");
        assert_eq!(next.scope.as_str(), "openid offline_access");
    }
}
