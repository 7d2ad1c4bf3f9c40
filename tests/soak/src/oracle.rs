//! Right and wrong answers of the API: what each token class may get, given what the API must
//! know about the token's key when the request is sent.
//!
//! The API fetches its issuer's JWKS when a token names a `kid` it has not cached, at most
//! once per refetch interval; a fetch that fails keeps the keys in hand, and a token whose key
//! is not in hand then gets 503 with `Retry-After` (RFC 6750 section 3 leaves 5xx to the
//! server; the API documents this one). The issuer here never withdraws a key, so a key the
//! API has once verified with stays cached for the whole run. From that:
//!
//! - A key **must be known** for a request sent at `s` when a token of that key was answered
//!   200 before `s`, or when the issuer has been up and publishing the key since
//!   `s - window` and stays up until the answer, `window` being the refetch interval plus
//!   twice the JWKS fetch timeout (discovery and JWKS): the API's last fetch attempt before
//!   `s` then started while the key was published, and has finished or is shared with `s`.
//! - A valid token whose key must be known gets 200, nothing else. Before that it may get
//!   200, 401 `invalid_token` (the API has not refetched since the key appeared), or 503 with
//!   `Retry-After` if the issuer was down at some moment in `[s - window, answer]`.
//! - Expired, bad-signature and unknown-key tokens get 401 `invalid_token`, never 200; a 503
//!   with `Retry-After` only under the same two conditions (key not known, outage near),
//!   since the key is looked up before the claims are read.
//! - Garbage gets 401 `invalid_token`; missing credentials get 401 with a bare `Bearer`
//!   challenge naming no error (RFC 6750 section 3.1). Neither depends on keys.
//! - Anything else (another status, a 5xx, a 401 without its challenge) is wrong.

use std::fmt;
use std::time::Duration;

use oidc_protocol::BearerChallenge;

use crate::tokens::TokenClass;

/// Microseconds since the start of the run.
pub type Micros = u64;

/// A span of time in which the issuer was stopped; `up` is `None` while it still is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// When it was stopped (recorded just before the stop begins).
    pub down: Micros,
    /// When it served again (recorded once it does).
    pub up: Option<Micros>,
}

/// The API's key-fetching settings the rules are derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The API's minimum time between two JWKS fetches.
    pub refetch_interval: Duration,
    /// The API's timeout for one fetch; discovery and JWKS make two.
    pub fetch_timeout: Duration,
}

impl Rules {
    /// The refetch interval plus two fetch timeouts, in microseconds.
    pub fn window(&self) -> Micros {
        let window = self.refetch_interval + 2 * self.fetch_timeout;
        u64::try_from(window.as_micros()).unwrap_or(u64::MAX)
    }
}

/// What the rules need to know about one request's key and the issuer around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFacts {
    /// The API must have the token's key cached (see the module documentation).
    pub must_be_known: bool,
    /// The issuer was down at some moment between `window` before sending and the answer.
    pub outage_near: bool,
}

/// The facts for a request sent at `sent` and answered at `received` whose token names a key
/// published at `published_at` (`None`: no published key) and first answered 200 at
/// `first_accepted`.
pub fn key_facts(
    published_at: Option<Micros>,
    first_accepted: Option<Micros>,
    outages: &[Outage],
    sent: Micros,
    received: Micros,
    window: Micros,
) -> KeyFacts {
    let outage_near = outages.iter().any(|outage| {
        outage.down <= received && outage.up.is_none_or(|up| up >= sent.saturating_sub(window))
    });
    let seen_accepted = first_accepted.is_some_and(|at| at <= sent);
    let published_long_enough = published_at.is_some_and(|published| {
        let down_meanwhile = outages
            .iter()
            .any(|outage| outage.down <= received && outage.up.is_none_or(|up| up > sent));
        let up_since = outages
            .iter()
            .filter_map(|outage| outage.up)
            .filter(|up| *up <= sent)
            .max()
            .unwrap_or(0);
        !down_meanwhile && sent >= published.max(up_since).saturating_add(window)
    });
    KeyFacts {
        must_be_known: published_at.is_some() && (seen_accepted || published_long_enough),
        outage_near,
    }
}

/// What came back, as far as the rules look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The status code.
    pub status: u16,
    /// Whether `Retry-After` was present.
    pub retry_after: bool,
    /// The `WWW-Authenticate` challenge, parsed, when there was a `Bearer` one.
    pub challenge: Option<BearerChallenge>,
}

/// Why an answer is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mistake {
    /// A token that is not valid was accepted.
    AcceptedInvalidToken,
    /// A valid token was refused although the API must know its key.
    RefusedKnownKey,
    /// A 503 for a key the API must know.
    UnavailableForKnownKey,
    /// A 503 without any issuer outage near.
    UnavailableWithoutOutage,
    /// A 503 without `Retry-After`.
    UnavailableWithoutRetryAfter,
    /// A 401 whose challenge does not say `invalid_token`.
    MissingInvalidTokenChallenge,
    /// A 401 for missing credentials whose challenge is not a bare `Bearer` one.
    ChallengeNotBare,
    /// A status the class never gets (another 4xx, a 5xx other than the documented 503).
    UnexpectedStatus,
    /// No answer: the connection failed or the answer took too long.
    NoAnswer,
}

impl fmt::Display for Mistake {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Mistake::AcceptedInvalidToken => "200 for a token that is not valid",
            Mistake::RefusedKnownKey => "401 for a valid token whose key the api must know",
            Mistake::UnavailableForKnownKey => "503 for a token whose key the api must know",
            Mistake::UnavailableWithoutOutage => "503 with no issuer outage near",
            Mistake::UnavailableWithoutRetryAfter => "503 without retry-after",
            Mistake::MissingInvalidTokenChallenge => "401 without an invalid_token challenge",
            Mistake::ChallengeNotBare => "401 for missing credentials names an error",
            Mistake::UnexpectedStatus => "unexpected status",
            Mistake::NoAnswer => "no answer",
        })
    }
}

/// The verdict on one answer: `Ok(())` when right.
///
/// # Errors
/// The [`Mistake`] when the answer is wrong.
pub fn judge(class: TokenClass, facts: KeyFacts, observed: &Observed) -> Result<(), Mistake> {
    let says_invalid_token = observed
        .challenge
        .as_ref()
        .is_some_and(|challenge| challenge.error.as_deref() == Some("invalid_token"));
    let unavailable = || {
        if facts.must_be_known {
            Err(Mistake::UnavailableForKnownKey)
        } else if !facts.outage_near {
            Err(Mistake::UnavailableWithoutOutage)
        } else if !observed.retry_after {
            Err(Mistake::UnavailableWithoutRetryAfter)
        } else {
            Ok(())
        }
    };
    let invalid_token_refusal = || {
        if says_invalid_token {
            Ok(())
        } else {
            Err(Mistake::MissingInvalidTokenChallenge)
        }
    };
    match (class, observed.status) {
        (TokenClass::Valid, 200) => Ok(()),
        (TokenClass::Valid, 401) if facts.must_be_known => Err(Mistake::RefusedKnownKey),
        (TokenClass::Valid, 401) => invalid_token_refusal(),
        (_, 200) => Err(Mistake::AcceptedInvalidToken),
        (
            TokenClass::Valid
            | TokenClass::Expired
            | TokenClass::BadSignature
            | TokenClass::UnknownKey,
            503,
        ) => unavailable(),
        (
            TokenClass::Expired
            | TokenClass::BadSignature
            | TokenClass::UnknownKey
            | TokenClass::Garbage,
            401,
        ) => invalid_token_refusal(),
        (TokenClass::Missing, 401) => match &observed.challenge {
            Some(challenge) if challenge.error.is_none() && challenge.realm.is_some() => Ok(()),
            _ => Err(Mistake::ChallengeNotBare),
        },
        _ => Err(Mistake::UnexpectedStatus),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Micros = 18_000_000;
    const SECOND: Micros = 1_000_000;

    fn answer(status: u16, challenge: Option<&str>, retry_after: bool) -> Observed {
        Observed {
            status,
            retry_after,
            challenge: challenge.and_then(BearerChallenge::parse),
        }
    }

    const INVALID: &str = r#"Bearer realm="api", error="invalid_token", error_description="x""#;
    const BARE: &str = r#"Bearer realm="api""#;

    const UNKNOWN_NO_OUTAGE: KeyFacts = KeyFacts {
        must_be_known: false,
        outage_near: false,
    };
    const UNKNOWN_OUTAGE: KeyFacts = KeyFacts {
        must_be_known: false,
        outage_near: true,
    };
    const KNOWN: KeyFacts = KeyFacts {
        must_be_known: true,
        outage_near: true,
    };

    #[test]
    fn no_invalid_token_is_ever_accepted() {
        for class in TokenClass::ALL {
            let verdict = judge(class, UNKNOWN_OUTAGE, &answer(200, None, false));
            if class == TokenClass::Valid {
                assert_eq!(verdict, Ok(()));
            } else {
                assert_eq!(verdict, Err(Mistake::AcceptedInvalidToken), "{class:?}");
            }
        }
    }

    #[test]
    fn a_valid_token_whose_key_must_be_known_is_never_refused() {
        assert_eq!(
            judge(TokenClass::Valid, KNOWN, &answer(401, Some(INVALID), false)),
            Err(Mistake::RefusedKnownKey)
        );
        assert_eq!(
            judge(TokenClass::Valid, KNOWN, &answer(503, None, true)),
            Err(Mistake::UnavailableForKnownKey)
        );
    }

    #[test]
    fn a_valid_token_of_a_key_not_yet_fetched_may_be_refused_as_unknown() {
        assert_eq!(
            judge(
                TokenClass::Valid,
                UNKNOWN_NO_OUTAGE,
                &answer(401, Some(INVALID), false)
            ),
            Ok(())
        );
        assert_eq!(
            judge(
                TokenClass::Valid,
                UNKNOWN_NO_OUTAGE,
                &answer(401, Some(BARE), false)
            ),
            Err(Mistake::MissingInvalidTokenChallenge)
        );
    }

    #[test]
    fn a_503_needs_an_unknown_key_an_outage_near_and_retry_after() {
        for class in [
            TokenClass::Valid,
            TokenClass::Expired,
            TokenClass::BadSignature,
            TokenClass::UnknownKey,
        ] {
            assert_eq!(
                judge(class, UNKNOWN_OUTAGE, &answer(503, None, true)),
                Ok(())
            );
            assert_eq!(
                judge(class, UNKNOWN_OUTAGE, &answer(503, None, false)),
                Err(Mistake::UnavailableWithoutRetryAfter)
            );
            assert_eq!(
                judge(class, UNKNOWN_NO_OUTAGE, &answer(503, None, true)),
                Err(Mistake::UnavailableWithoutOutage)
            );
        }
        for class in [TokenClass::Garbage, TokenClass::Missing] {
            assert_eq!(
                judge(class, UNKNOWN_OUTAGE, &answer(503, None, true)),
                Err(Mistake::UnexpectedStatus)
            );
        }
    }

    #[test]
    fn refusals_carry_their_rfc_6750_challenge() {
        for class in [
            TokenClass::Expired,
            TokenClass::BadSignature,
            TokenClass::UnknownKey,
            TokenClass::Garbage,
        ] {
            assert_eq!(
                judge(class, KNOWN, &answer(401, Some(INVALID), false)),
                Ok(())
            );
            assert_eq!(
                judge(class, KNOWN, &answer(401, None, false)),
                Err(Mistake::MissingInvalidTokenChallenge)
            );
        }
        assert_eq!(
            judge(TokenClass::Missing, KNOWN, &answer(401, Some(BARE), false)),
            Ok(())
        );
        assert_eq!(
            judge(
                TokenClass::Missing,
                KNOWN,
                &answer(401, Some(INVALID), false)
            ),
            Err(Mistake::ChallengeNotBare)
        );
    }

    #[test]
    fn other_statuses_are_wrong_whatever_the_class() {
        for class in TokenClass::ALL {
            for status in [400, 403, 404, 431, 500, 502] {
                assert_eq!(
                    judge(class, UNKNOWN_OUTAGE, &answer(status, Some(INVALID), true)),
                    Err(Mistake::UnexpectedStatus),
                    "{class:?} {status}"
                );
            }
        }
    }

    #[test]
    fn a_key_seen_accepted_must_be_known_for_every_later_request() {
        let facts = key_facts(
            Some(0),
            Some(5 * SECOND),
            &[],
            6 * SECOND,
            6 * SECOND,
            WINDOW,
        );
        assert!(facts.must_be_known);
        let before = key_facts(
            Some(0),
            Some(5 * SECOND),
            &[],
            4 * SECOND,
            6 * SECOND,
            WINDOW,
        );
        assert!(!before.must_be_known);
        let outage = [Outage {
            down: 7 * SECOND,
            up: None,
        }];
        let during_outage = key_facts(
            Some(0),
            Some(5 * SECOND),
            &outage,
            8 * SECOND,
            8 * SECOND,
            WINDOW,
        );
        assert!(during_outage.must_be_known && during_outage.outage_near);
    }

    #[test]
    fn a_published_key_must_be_known_one_window_after_the_issuer_is_up_with_it() {
        let outage = [Outage {
            down: 20 * SECOND,
            up: Some(30 * SECOND),
        }];
        // Published before the outage: counted from the restart.
        let early = key_facts(
            Some(10 * SECOND),
            None,
            &outage,
            47 * SECOND,
            47 * SECOND,
            WINDOW,
        );
        assert!(!early.must_be_known && early.outage_near);
        let late = key_facts(
            Some(10 * SECOND),
            None,
            &outage,
            49 * SECOND,
            49 * SECOND,
            WINDOW,
        );
        assert!(late.must_be_known && !late.outage_near);
        // Published after the restart: counted from the publication.
        let fresh = key_facts(
            Some(40 * SECOND),
            None,
            &outage,
            57 * SECOND,
            57 * SECOND,
            WINDOW,
        );
        assert!(!fresh.must_be_known);
        // An issuer that stops before the answer makes no promise.
        let stopping = [
            Outage {
                down: 0,
                up: Some(SECOND),
            },
            Outage {
                down: 40 * SECOND,
                up: None,
            },
        ];
        let cut = key_facts(Some(0), None, &stopping, 39 * SECOND, 41 * SECOND, WINDOW);
        assert!(!cut.must_be_known && cut.outage_near);
    }

    #[test]
    fn a_token_naming_no_published_key_is_never_known() {
        let facts = key_facts(None, None, &[], 100 * SECOND, 100 * SECOND, WINDOW);
        assert_eq!(facts, UNKNOWN_NO_OUTAGE);
    }

    #[test]
    fn the_window_is_the_refetch_interval_and_two_fetch_timeouts() {
        let rules = Rules {
            refetch_interval: Duration::from_secs(10),
            fetch_timeout: Duration::from_secs(4),
        };
        assert_eq!(rules.window(), WINDOW);
    }
}
