//! Counting answers: requests, statuses, wrong answers and latency for one kind of request,
//! and the first few wrong answers written out, so a failed run says what went wrong.

use std::time::Duration;

use crate::latency::Histogram;

/// How many wrong answers are kept as examples.
pub const EXAMPLES: usize = 8;

/// The answers to one kind of request.
#[derive(Clone, Default)]
pub struct Tally {
    /// Requests sent.
    pub requests: u64,
    /// Answers judged wrong (no answer included).
    pub wrong: u64,
    /// Requests that got no answer.
    pub unanswered: u64,
    statuses: Vec<(u16, u64)>,
    /// Time from sending to the whole answer read, answered requests only.
    pub latency: Histogram,
}

impl Tally {
    /// Counts an answer with `status` that took `latency`.
    pub fn answered(&mut self, status: u16, latency: Duration, wrong: bool) {
        self.requests += 1;
        self.wrong += u64::from(wrong);
        self.latency.record(latency);
        match self.statuses.iter_mut().find(|(known, _)| *known == status) {
            Some((_, count)) => *count += 1,
            None => self.statuses.push((status, 1)),
        }
    }

    /// Counts a request that got no answer: always wrong.
    pub fn unanswered(&mut self) {
        self.requests += 1;
        self.wrong += 1;
        self.unanswered += 1;
    }

    /// Answers with `status`.
    pub fn with_status(&self, status: u16) -> u64 {
        self.statuses
            .iter()
            .find(|(known, _)| *known == status)
            .map_or(0, |(_, count)| *count)
    }

    /// Answers with none of `statuses`.
    pub fn with_other_status(&self, statuses: &[u16]) -> u64 {
        self.statuses
            .iter()
            .filter(|(status, _)| !statuses.contains(status))
            .map(|(_, count)| count)
            .sum()
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: &Tally) {
        self.requests += other.requests;
        self.wrong += other.wrong;
        self.unanswered += other.unanswered;
        self.latency.merge(&other.latency);
        for (status, count) in &other.statuses {
            match self.statuses.iter_mut().find(|(known, _)| known == status) {
                Some((_, mine)) => *mine += count,
                None => self.statuses.push((*status, *count)),
            }
        }
    }
}

/// The first [`EXAMPLES`] wrong answers, each one line.
#[derive(Clone, Default)]
pub struct Examples {
    lines: Vec<String>,
}

impl Examples {
    /// Keeps `line` if fewer than [`EXAMPLES`] are kept; `line` is only built then.
    pub fn add(&mut self, line: impl FnOnce() -> String) {
        if self.lines.len() < EXAMPLES {
            self.lines.push(line());
        }
    }

    /// Adds `other`'s, up to the limit.
    pub fn merge(&mut self, other: &Examples) {
        for line in &other.lines {
            self.add(|| line.clone());
        }
    }

    /// The kept lines.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

/// The start of a body, for an example: one line, at most 160 characters. Bodies of both
/// servers carry fixed texts only, never a token.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text
        .chars()
        .map(|character| {
            if character.is_control() {
                ' '
            } else {
                character
            }
        })
        .take(160)
        .collect();
    line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_counted_and_merged() {
        let mut first = Tally::default();
        first.answered(200, Duration::from_micros(5), false);
        first.answered(401, Duration::from_micros(5), false);
        let mut second = Tally::default();
        second.answered(401, Duration::from_micros(5), true);
        second.answered(500, Duration::from_micros(5), true);
        second.unanswered();
        first.merge(&second);
        assert_eq!(first.requests, 5);
        assert_eq!(first.wrong, 3);
        assert_eq!(first.unanswered, 1);
        assert_eq!(first.with_status(401), 2);
        assert_eq!(first.with_other_status(&[200, 401]), 1);
        assert_eq!(first.latency.count(), 4);
    }

    #[test]
    fn only_the_first_examples_are_kept() {
        let mut examples = Examples::default();
        for number in 0..EXAMPLES + 3 {
            examples.add(|| number.to_string());
        }
        assert_eq!(examples.lines().len(), EXAMPLES);
        assert_eq!(examples.lines()[0], "0");
    }

    #[test]
    fn excerpts_are_one_bounded_line() {
        let body = format!("{{\"error\":\n\"x\"}}{}", "y".repeat(500));
        let excerpt = body_excerpt(body.as_bytes());
        assert!(!excerpt.contains('\n'));
        assert_eq!(excerpt.chars().count(), 160);
    }
}
