//! What the benchmarks share: latency histograms in nanoseconds, their percentiles in
//! milliseconds, and a small deterministic generator (same data on every machine).

use hdrhistogram::Histogram;

/// A histogram of latencies in nanoseconds, from 1 ns to one minute.
pub fn hist() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds")
}

/// p50, p99 and max in milliseconds.
pub fn ms(h: &Histogram<u64>) -> (f64, f64, f64) {
    (
        h.value_at_quantile(0.5) as f64 / 1e6,
        h.value_at_quantile(0.99) as f64 / 1e6,
        h.max() as f64 / 1e6,
    )
}

/// xorshift64: deterministic, no dependency.
pub struct Alea(pub u64);

impl Alea {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The load average, for the report (the machine is shared and noisy).
pub fn charge() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
