//! Latency histograms: fixed memory whatever the number of requests, so a long run does not
//! grow the very RSS it reports, with buckets about 1.5 % wide.

use std::time::Duration;

/// Sub-buckets per power of two; values below this many microseconds are counted exactly.
const SUB_BUCKETS: u64 = 64;
/// log2 of [`SUB_BUCKETS`].
const SUB_BUCKET_BITS: u32 = 6;
/// Powers of two above the exact range: enough for anything under 2^40 µs (12 days).
const RANGES: u64 = 34;
const BUCKETS: usize = (SUB_BUCKETS * (RANGES + 1)) as usize;

/// Request latencies in microseconds.
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: Box::new([0; BUCKETS]),
            total: 0,
            max: 0,
        }
    }
}

/// The bucket of `micros`: exact below 128, then 64 buckets per power of two, each value's
/// top seven bits.
fn bucket(micros: u64) -> usize {
    if micros < SUB_BUCKETS {
        return micros as usize;
    }
    let magnitude = 63 - micros.leading_zeros();
    let shift = u64::from(magnitude - SUB_BUCKET_BITS);
    if shift >= RANGES {
        return BUCKETS - 1;
    }
    (shift * SUB_BUCKETS + (micros >> shift)) as usize
}

/// The largest value that falls into `index`, so that a percentile is never understated.
fn bucket_ceiling(index: usize) -> u64 {
    let index = index as u64;
    if index < SUB_BUCKETS {
        return index;
    }
    let shift = index / SUB_BUCKETS - 1;
    let top_bits = index - shift * SUB_BUCKETS;
    ((top_bits + 1) << shift) - 1
}

impl Histogram {
    /// Counts one request that took `latency`.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let index = bucket(micros).min(BUCKETS - 1);
        self.counts[index] += 1;
        self.total += 1;
        self.max = self.max.max(micros);
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (count, more) in self.counts.iter_mut().zip(other.counts.iter()) {
            *count += more;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The latency at or under which `fraction` (0 to 1) of the requests finished, rounded up
    /// to its bucket's ceiling and never above the largest recorded; zero when empty.
    pub fn percentile(&self, fraction: f64) -> Duration {
        if self.total == 0 {
            return Duration::ZERO;
        }
        let rank = ((fraction.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Duration::from_micros(bucket_ceiling(index).min(self.max));
            }
        }
        Duration::from_micros(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_counted_exactly() {
        let mut histogram = Histogram::default();
        for micros in 1..=50 {
            histogram.record(Duration::from_micros(micros));
        }
        assert_eq!(histogram.count(), 50);
        assert_eq!(histogram.percentile(0.5), Duration::from_micros(25));
        assert_eq!(histogram.percentile(1.0), Duration::from_micros(50));
    }

    #[test]
    fn every_value_lands_in_a_bucket_whose_ceiling_is_within_two_percent_above_it() {
        let mut micros = 1_u64;
        while micros < 1 << 39 {
            let ceiling = bucket_ceiling(bucket(micros));
            assert!(ceiling >= micros, "{micros} -> {ceiling}");
            assert!(
                (ceiling - micros) as f64 <= micros as f64 * 0.02,
                "{micros} -> {ceiling}"
            );
            micros = micros * 3 / 2 + 1;
        }
    }

    #[test]
    fn p99_of_a_slow_tail_reports_the_tail() {
        let mut histogram = Histogram::default();
        for _ in 0..980 {
            histogram.record(Duration::from_micros(100));
        }
        for _ in 0..20 {
            histogram.record(Duration::from_millis(50));
        }
        assert!(histogram.percentile(0.5) <= Duration::from_micros(102));
        let p99 = histogram.percentile(0.99);
        assert!(p99 >= Duration::from_millis(50) && p99 <= Duration::from_millis(51));
    }

    #[test]
    fn merged_histograms_count_both() {
        let mut first = Histogram::default();
        first.record(Duration::from_micros(10));
        let mut second = Histogram::default();
        second.record(Duration::from_secs(2));
        first.merge(&second);
        assert_eq!(first.count(), 2);
        assert_eq!(first.percentile(1.0), Duration::from_secs(2));
        assert_eq!(Histogram::default().percentile(0.99), Duration::ZERO);
    }
}
