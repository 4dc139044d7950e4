//! What every case reports: rates, percentiles, peak memory, one JSON line.

use std::time::Duration;

/// Events per second.
pub fn rate(events: u64, elapsed: Duration) -> f64 {
    events as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// The `p`-th percentile (0..=100) of `samples`, in microseconds.
pub fn percentile_us(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank.min(samples.len() - 1)].as_secs_f64() * 1e6
}

/// A field of `/proc/self/status` in KiB (`VmHWM` is the peak RSS).
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// Builds the one JSON object a case prints: `json(&[("case", s("x")), ("rate", n(1.0))])`.
pub fn json(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\"{k}\": {v}"))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// A JSON string value (the values here never need escaping beyond quotes).
pub fn s(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A JSON number value.
pub fn n(value: impl Into<f64>) -> String {
    let v: f64 = value.into();
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".into()
    }
}
