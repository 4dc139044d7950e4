//! The simulator's clock: unix time and TWS's connection-time text.

use std::time::{SystemTime, UNIX_EPOCH};

/// TWS in New York reports its connection time in Eastern time; the simulator
/// uses a fixed UTC-5 offset and labels it `EST`.
const EASTERN_OFFSET_SECS: i64 = -5 * 3600;

/// Now, in unix milliseconds.
pub fn now_unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Now, in unix seconds.
pub fn now_unix_secs() -> i64 {
    now_unix_ms().div_euclid(1000)
}

/// The connection time of the server hello: `yyyymmdd hh:mm:ss EST`.
pub fn connection_time() -> String {
    connection_time_at(now_unix_secs())
}

/// [`connection_time`] for a given unix time.
pub fn connection_time_at(unix_secs: i64) -> String {
    let local = unix_secs + EASTERN_OFFSET_SECS;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = crate::calendar::civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02} {:02}:{:02}:{:02} EST",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_eastern_time() {
        assert_eq!(connection_time_at(0), "19691231 19:00:00 EST");
        // 2024-02-29 15:04:05 UTC
        assert_eq!(connection_time_at(1_709_219_045), "20240229 10:04:05 EST");
    }
}
