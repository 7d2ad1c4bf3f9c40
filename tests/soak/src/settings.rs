//! How long the soak runs, from the command line: `soak [--seconds N]`.

use std::time::Duration;

/// The default length of each part.
pub const DEFAULT_SECONDS: u64 = 60;
/// The shortest run the command line accepts: shorter ones cannot fit an outage and a restart
/// with the API's refetch interval scaled to them.
pub const MIN_SECONDS: u64 = 5;
/// The longest run the command line accepts.
pub const MAX_SECONDS: u64 = 600;

/// The command line's usage text.
pub const USAGE: &str = "\
usage: soak [--seconds N]

Drives the API (with a test issuer that rotates its key and restarts) and then the dev tenant
(logins, code exchanges, refreshes, revocations, /authorize floods) at full speed on loopback,
each for N seconds (default 60, 5 to 600), with slow clients holding connections, and prints
requests, wrong answers, latency, peak RSS and recovery times. Exits 1 if any answer was wrong.
";

/// Why the command line was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// `--seconds` without a number from [`MIN_SECONDS`] to [`MAX_SECONDS`].
    #[error("--seconds needs a whole number from {MIN_SECONDS} to {MAX_SECONDS}, not {0:?}")]
    Seconds(String),
    /// An argument the soak does not know.
    #[error("unknown argument {0:?}")]
    Unknown(String),
}

/// What to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long each part drives its server.
    pub duration: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            duration: Duration::from_secs(DEFAULT_SECONDS),
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Run with these settings.
    Run(Settings),
    /// Print the usage.
    Help,
}

impl Command {
    /// Reads the arguments after the program name.
    ///
    /// # Errors
    /// [`UsageError`] for an unknown argument or a missing or out-of-range `--seconds`.
    pub fn parse(args: &[String]) -> Result<Command, UsageError> {
        let mut settings = Settings::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let seconds = match arg.as_str() {
                "-h" | "--help" => return Ok(Command::Help),
                "--seconds" => args.next().cloned().unwrap_or_default(),
                other => match other.strip_prefix("--seconds=") {
                    Some(value) => value.to_owned(),
                    None => return Err(UsageError::Unknown(other.to_owned())),
                },
            };
            let value = seconds
                .parse::<u64>()
                .ok()
                .filter(|value| (MIN_SECONDS..=MAX_SECONDS).contains(value))
                .ok_or(UsageError::Seconds(seconds))?;
            settings.duration = Duration::from_secs(value);
        }
        Ok(Command::Run(settings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, UsageError> {
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        Command::parse(&args)
    }

    #[test]
    fn no_arguments_run_a_minute() {
        assert_eq!(
            parse(&[]),
            Ok(Command::Run(Settings {
                duration: Duration::from_secs(60)
            }))
        );
    }

    #[test]
    fn seconds_are_taken_in_either_spelling_within_bounds() {
        for args in [&["--seconds", "5"][..], &["--seconds=5"]] {
            assert_eq!(
                parse(args),
                Ok(Command::Run(Settings {
                    duration: Duration::from_secs(5)
                }))
            );
        }
        assert_eq!(
            parse(&["--seconds", "600"]),
            Ok(Command::Run(Settings {
                duration: Duration::from_secs(600)
            }))
        );
    }

    #[test]
    fn seconds_out_of_bounds_or_missing_are_refused() {
        for value in ["4", "601", "0", "-1", "ten", ""] {
            assert_eq!(
                parse(&["--seconds", value]),
                Err(UsageError::Seconds(value.to_owned())),
                "{value}"
            );
        }
        assert_eq!(
            parse(&["--seconds"]),
            Err(UsageError::Seconds(String::new()))
        );
    }

    #[test]
    fn unknown_arguments_are_refused_and_help_is_help() {
        assert_eq!(
            parse(&["--minutes", "1"]),
            Err(UsageError::Unknown("--minutes".to_owned()))
        );
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }
}
