//! Time for the matching engine: the instruments' zones (US rules for
//! daylight saving), execution-time text, execution-filter times, and the
//! sessions of a trading-hours text.

use crate::calendar::{civil_from_days, days_from_civil};

/// The standard offset of a zone TWS names, in seconds east of UTC, and
/// whether it follows the US daylight-saving rule. Unknown zones are UTC.
fn zone(zone_id: &str) -> (i64, bool) {
    match zone_id {
        "US/Eastern" | "America/New_York" | "EST" | "EST5EDT" => (-5 * 3600, true),
        "US/Central" | "America/Chicago" | "CST" | "CST6CDT" => (-6 * 3600, true),
        "US/Mountain" | "America/Denver" => (-7 * 3600, true),
        "US/Pacific" | "America/Los_Angeles" => (-8 * 3600, true),
        _ => (0, false),
    }
}

/// Day (days since 1970) of the `n`th Sunday of a month (n from 1).
fn nth_sunday(year: i64, month: u32, n: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    // 1970-01-01 was a Thursday: weekday 0 = Monday.
    let weekday = (first + 3).rem_euclid(7);
    let to_sunday = (6 - weekday).rem_euclid(7);
    first + to_sunday + 7 * (n - 1)
}

/// The offset of `zone_id` at the UTC instant `utc_secs`.
pub fn offset_at(zone_id: &str, utc_secs: i64) -> i64 {
    let (standard, dst) = zone(zone_id);
    if !dst {
        return standard;
    }
    let (year, _, _) = civil_from_days((utc_secs + standard).div_euclid(86_400));
    // From the second Sunday of March, 2:00 standard time, to the first
    // Sunday of November, 2:00 daylight time (1:00 standard).
    let start = nth_sunday(year, 3, 2) * 86_400 + 2 * 3600 - standard;
    let end = nth_sunday(year, 11, 1) * 86_400 + 3600 - standard;
    if (start..end).contains(&utc_secs) {
        standard + 3600
    } else {
        standard
    }
}

/// The UTC instant of a local wall time in `zone_id` (the standard-time
/// reading wins in the repeated hour).
pub fn local_to_utc(zone_id: &str, local_secs: i64) -> i64 {
    let (standard, _) = zone(zone_id);
    let guess = local_secs - standard;
    let off = offset_at(zone_id, guess - 3600);
    let first = local_secs - off;
    if offset_at(zone_id, first) == off {
        first
    } else {
        guess
    }
}

fn ymd_hms(local_secs: i64) -> String {
    let (y, m, d) = civil_from_days(local_secs.div_euclid(86_400));
    let s = local_secs.rem_euclid(86_400);
    format!(
        "{y:04}{m:02}{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `yyyymmdd hh:mm:ss <zone>` of a unix time in milliseconds, as TWS writes
/// execution times (in the zone of TWS's login; an empty zone writes UTC
/// without a suffix).
pub fn exec_time(zone_id: &str, time_ms: i64) -> String {
    let secs = time_ms.div_euclid(1000);
    if zone_id.is_empty() {
        return ymd_hms(secs);
    }
    format!("{} {zone_id}", ymd_hms(secs + offset_at(zone_id, secs)))
}

/// Parses an execution filter's time: `yyyymmdd hh:mm:ss` (in
/// `default_zone`), `yyyymmdd hh:mm:ss <zone>`, or `yyyymmdd-hh:mm:ss`
/// (UTC). Returns unix seconds; `None` when it is none of these.
pub fn parse_filter_time(text: &str, default_zone: &str) -> Option<i64> {
    let t = text.trim();
    let date = t.get(..8)?;
    let sep = t.as_bytes().get(8).copied()?;
    let clock = t.get(9..17)?;
    let rest = t.get(17..)?.trim();
    let zone_id = match sep {
        b'-' if rest.is_empty() => "",
        b' ' if rest.is_empty() => default_zone,
        b' ' => rest,
        _ => return None,
    };
    if !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i64 = date[..4].parse().ok()?;
    let month: u32 = date[4..6].parse().ok()?;
    let day: u32 = date[6..8].parse().ok()?;
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let h: i64 = parts[0].parse().ok()?;
    let m: i64 = parts[1].parse().ok()?;
    let s: i64 = parts[2].parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 59 {
        return None;
    }
    let local = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    Some(if zone_id.is_empty() {
        local
    } else {
        local_to_utc(zone_id, local)
    })
}

/// The sessions of a trading-hours text (`yyyymmdd:hhmm-yyyymmdd:hhmm;...`,
/// `yyyymmdd:CLOSED` skipped) as UTC `[start, end)` in unix seconds.
pub fn sessions(hours: &str, zone_id: &str) -> Vec<(i64, i64)> {
    let point = |p: &str| -> Option<i64> {
        let (date, hm) = p.split_once(':')?;
        if date.len() != 8 || hm.len() != 4 {
            return None;
        }
        let year: i64 = date[..4].parse().ok()?;
        let month: u32 = date[4..6].parse().ok()?;
        let day: u32 = date[6..8].parse().ok()?;
        let h: i64 = hm[..2].parse().ok()?;
        let m: i64 = hm[2..].parse().ok()?;
        let local = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60;
        Some(local_to_utc(zone_id, local))
    };
    hours
        .split(';')
        .filter_map(|s| {
            let (a, b) = s.split_once('-')?;
            Some((point(a)?, point(b)?))
        })
        .filter(|(a, b)| a < b)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eastern_time_follows_daylight_saving() {
        // 2024-02-29 15:04:05 UTC: EST.
        assert_eq!(
            exec_time("US/Eastern", 1_709_219_045_000),
            "20240229 10:04:05 US/Eastern"
        );
        // 2024-07-01 14:00:00 UTC: EDT.
        assert_eq!(
            exec_time("US/Eastern", 1_719_842_400_000),
            "20240701 10:00:00 US/Eastern"
        );
        assert_eq!(exec_time("", 1_719_842_400_000), "20240701 14:00:00");
        // 2024 switches: March 10 07:00 UTC and November 3 06:00 UTC.
        assert_eq!(offset_at("US/Eastern", 1_710_054_000 - 1), -5 * 3600);
        assert_eq!(offset_at("US/Eastern", 1_710_054_000), -4 * 3600);
        assert_eq!(offset_at("US/Eastern", 1_730_613_600 - 1), -4 * 3600);
        assert_eq!(offset_at("US/Eastern", 1_730_613_600), -5 * 3600);
        assert_eq!(offset_at("US/Central", 1_719_842_400), -5 * 3600);
    }

    #[test]
    fn filter_times_in_every_form() {
        let utc = 1_719_842_400; // 2024-07-01 14:00:00 UTC
        assert_eq!(
            parse_filter_time("20240701-14:00:00", "US/Eastern"),
            Some(utc)
        );
        assert_eq!(
            parse_filter_time("20240701 10:00:00", "US/Eastern"),
            Some(utc)
        );
        assert_eq!(
            parse_filter_time("20240701 09:00:00 US/Central", "US/Eastern"),
            Some(utc)
        );
        assert_eq!(
            parse_filter_time("20240701 14:00:00 UTC", "US/Eastern"),
            Some(utc)
        );
        for bad in [
            "",
            "2024070114:00:00",
            "20240701 25:00:00",
            "20241301 10:00:00",
            "2024-07-01 10:00:00",
        ] {
            assert_eq!(parse_filter_time(bad, "US/Eastern"), None, "{bad}");
        }
    }

    #[test]
    fn sessions_of_a_trading_hours_text() {
        let s = sessions(
            "20240701:0930-20240701:1600;20240706:CLOSED;20240708:0930-20240708:1600",
            "US/Eastern",
        );
        assert_eq!(
            s,
            vec![
                (1_719_840_600, 1_719_864_000),
                (1_719_840_600 + 7 * 86_400, 1_719_864_000 + 7 * 86_400)
            ]
        );
    }
}
