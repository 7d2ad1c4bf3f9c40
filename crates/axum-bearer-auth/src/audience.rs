//! The audience: the API identifier a token must be issued for.

/// Why a text is not an acceptable audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AudienceError {
    /// The text is empty or has whitespace around it.
    #[error("must be a non-empty string without surrounding whitespace")]
    EmptyOrPadded,
}

/// The API identifier that must appear in the token's `aud` (RFC 7519 section 4.1.3), such as
/// Auth0's API identifier `https://quickstarts/api`. Compared byte-exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(String);

impl Audience {
    /// Accepts any non-empty identifier without surrounding whitespace.
    ///
    /// # Errors
    /// [`AudienceError::EmptyOrPadded`] when empty or padded.
    pub fn parse(value: &str) -> Result<Self, AudienceError> {
        if value.is_empty() || value.trim() != value {
            return Err(AudienceError::EmptyOrPadded);
        }
        Ok(Self(value.to_owned()))
    }

    /// The audience as compared with `aud`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Audience {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_is_kept_as_written() {
        assert_eq!(
            Audience::parse("https://quickstarts/api").unwrap().as_str(),
            "https://quickstarts/api"
        );
    }

    #[test]
    fn empty_or_padded_audience_is_refused() {
        for value in ["", " ", " aud", "aud ", "aud\n"] {
            assert_eq!(
                Audience::parse(value),
                Err(AudienceError::EmptyOrPadded),
                "{value:?}"
            );
        }
    }
}
