//! The format of log lines: tracing-subscriber's full format, with the access log's lines
//! written by hand in the same shape.
//!
//! The general formatter costs about a microsecond per line (timestamp, level and fields all
//! through `fmt` machinery with styling hooks), which on the access log is paid by every
//! request. Access-log lines come out as the general formatter would print them without
//! colour: `2026-01-15T08:00:00.000000Z  INFO api::request_log: finished processing request
//! method="GET" path="/api/public" status=200 latency_us=42`, strings (`sub="..."` too)
//! quoted and escaped as `Debug` does.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::request_log::ACCESS_TARGET;

/// Access-log lines by hand, every other line by tracing-subscriber's full format.
#[derive(Debug, Default)]
pub(crate) struct LineFormat {
    general: Format<Full>,
}

impl LineFormat {
    /// With or without ANSI colours for the general lines.
    pub(crate) fn new(ansi: bool) -> Self {
        Self {
            general: Format::default().with_ansi(ansi),
        }
    }
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        if metadata.target() != ACCESS_TARGET {
            return self.general.format_event(context, writer, event);
        }
        write_timestamp(&mut writer, SystemTime::now())?;
        writer.write_str(level_column(*metadata.level()))?;
        writer.write_str(metadata.target())?;
        writer.write_str(":")?;
        let mut fields = AccessFields {
            writer: &mut writer,
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        writer.write_str("\n")
    }
}

/// The level as the full format pads it, with the spaces around it.
fn level_column(level: Level) -> &'static str {
    match level {
        Level::ERROR => " ERROR ",
        Level::WARN => "  WARN ",
        Level::INFO => "  INFO ",
        Level::DEBUG => " DEBUG ",
        Level::TRACE => " TRACE ",
    }
}

/// Writes each field as ` name=value`, the message bare, strings quoted and escaped as
/// `Debug` does (but without `fmt` machinery when there is nothing to escape).
struct AccessFields<'a, 'writer> {
    writer: &'a mut Writer<'writer>,
    result: fmt::Result,
}

impl AccessFields<'_, '_> {
    /// ` name=`, in one piece for the access log's own fields.
    fn name(&mut self, field: &Field) -> fmt::Result {
        let prefix = match field.name() {
            "method" => " method=",
            "path" => " path=",
            "status" => " status=",
            "latency_us" => " latency_us=",
            "sub" => " sub=",
            other => return write!(self.writer, " {other}="),
        };
        self.writer.write_str(prefix)
    }
}

impl Visit for AccessFields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.result.is_err() {
            return;
        }
        self.result = if field.name() == "message" {
            self.writer
                .write_char(' ')
                .and_then(|()| self.writer.write_str(value))
        } else {
            self.name(field)
                .and_then(|()| write_quoted(self.writer, value))
        };
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if self.result.is_err() {
            return;
        }
        self.result = self
            .name(field)
            .and_then(|()| write_decimal(self.writer, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() {
            return;
        }
        self.result = if field.name() == "message" {
            write!(self.writer, " {value:?}")
        } else {
            self.name(field)
                .and_then(|()| write!(self.writer, "{value:?}"))
        };
    }
}

/// `value` as `{:?}` writes a string: quoted, with quotes, backslashes and anything but
/// printable ASCII escaped.
fn write_quoted(writer: &mut impl fmt::Write, value: &str) -> fmt::Result {
    let plain = value
        .bytes()
        .all(|byte| (b' '..=b'~').contains(&byte) && byte != b'"' && byte != b'\\');
    if !plain {
        return write!(writer, "{value:?}");
    }
    writer.write_str("\"")?;
    writer.write_str(value)?;
    writer.write_str("\"")
}

/// `value` in decimal.
fn write_decimal(writer: &mut impl fmt::Write, mut value: u64) -> fmt::Result {
    let mut digits = [0_u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    writer.write_str(std::str::from_utf8(&digits[start..]).map_err(|_| fmt::Error)?)
}

/// `at` in RFC 3339 (UTC, microseconds), as tracing-subscriber's default timer writes it.
fn write_timestamp(writer: &mut impl fmt::Write, at: SystemTime) -> fmt::Result {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let time_of_day = seconds % 86_400;
    let mut text = *b"0000-00-00T00:00:00.000000Z";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], month);
    put_digits(&mut text[8..10], day);
    put_digits(&mut text[11..13], time_of_day / 3600);
    put_digits(&mut text[14..16], time_of_day / 60 % 60);
    put_digits(&mut text[17..19], time_of_day % 60);
    put_digits(&mut text[20..26], u64::from(since_epoch.subsec_micros()));
    // Only ASCII digits were written into an ASCII template.
    writer.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
}

/// Writes the last `into.len()` decimal digits of `value`.
fn put_digits(into: &mut [u8], mut value: u64) {
    for digit in into.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Year, month and day of the `days`-th day after 1970-01-01, in the proleptic Gregorian
/// calendar (the "civil from days" algorithm of Howard Hinnant's date library, for
/// non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    fn timestamp(seconds: u64, micros: u64) -> String {
        let mut text = String::new();
        let at = UNIX_EPOCH + Duration::from_secs(seconds) + Duration::from_micros(micros);
        write_timestamp(&mut text, at).unwrap();
        text
    }

    #[test]
    fn timestamps_are_rfc_3339_utc_with_microseconds() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(timestamp(951_782_400, 7), "2000-02-29T00:00:00.000007Z");
        assert_eq!(timestamp(1_709_164_800, 0), "2024-02-29T00:00:00.000000Z");
        assert_eq!(
            timestamp(1_800_000_000, 999_999),
            "2027-01-15T08:00:00.999999Z"
        );
        assert_eq!(timestamp(4_102_444_799, 0), "2099-12-31T23:59:59.000000Z");
    }

    #[test]
    fn timestamps_match_the_default_timer_of_tracing_subscriber() {
        use tracing_subscriber::fmt::time::FormatTime;
        let mut ours = String::new();
        let mut theirs = String::new();
        write_timestamp(&mut ours, SystemTime::now()).unwrap();
        tracing_subscriber::fmt::time::SystemTime
            .format_time(&mut Writer::new(&mut theirs))
            .unwrap();
        // Taken a moment apart, so only the shape is compared: digits and separators at the
        // same places.
        let shape = |text: &str| {
            text.chars()
                .map(|character| {
                    if character.is_ascii_digit() {
                        '0'
                    } else {
                        character
                    }
                })
                .collect::<String>()
        };
        assert_eq!(shape(&ours), shape(&theirs), "{ours} / {theirs}");
    }

    /// Collects formatted output.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn formatted(log: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .event_format(LineFormat::new(false))
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn access_lines_have_the_shape_of_the_full_format() {
        // The message as the access log gives it (a string field), and as a format string.
        let as_field = formatted(|| {
            tracing::info!(
                target: ACCESS_TARGET,
                message = "finished processing request",
                method = "GET",
                path = "/api/private",
                status = 200_u64,
                latency_us = 42_u64,
                sub = Some("auth0|\"x\"\n"),
            );
        });
        let as_format = formatted(|| {
            tracing::info!(
                target: ACCESS_TARGET,
                method = "GET",
                path = "/api/private",
                status = 200_u64,
                latency_us = 42_u64,
                sub = Some("auth0|\"x\"\n"),
                "finished processing request"
            );
        });
        for line in [as_field, as_format] {
            let (time, rest) = line.split_at(27);
            assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{line}");
            assert_eq!(
                rest,
                "  INFO api::request_log: finished processing request method=\"GET\" \
                 path=\"/api/private\" status=200 latency_us=42 sub=\"auth0|\\\"x\\\"\\n\"\n"
            );
        }
    }

    #[test]
    fn strings_are_quoted_and_numbers_written_as_debug_would() {
        for value in ["", "GET", "/api/x", "a\"b", "a\\b", "tab\t", "é", "\u{7f}"] {
            let mut ours = String::new();
            write_quoted(&mut ours, value).unwrap();
            assert_eq!(ours, format!("{value:?}"));
        }
        for value in [0, 7, 10, 42, 999_999, u64::MAX] {
            let mut ours = String::new();
            write_decimal(&mut ours, value).unwrap();
            assert_eq!(ours, value.to_string());
        }
    }

    #[test]
    fn other_lines_keep_the_full_format() {
        let line = formatted(|| tracing::warn!(target: "api::jwks", kid = "k1", "ignoring a key"));
        assert!(
            line.ends_with("  WARN api::jwks: ignoring a key kid=\"k1\"\n"),
            "{line}"
        );
    }
}
