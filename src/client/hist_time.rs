//! The dates and times of historical data, parsed into one representation:
//! UTC epoch seconds, the time zone TWS stated, and the text as sent.
//!
//! Forms TWS sends: `yyyymmdd` (daily and longer bars), `yyyymmdd hh:mm:ss`
//! (one or two spaces; in the zone of the request or of TWS's login),
//! `yyyymmdd hh:mm:ss Zone` (the zone named, e.g. `US/Eastern`),
//! `yyyymmdd-hh:mm:ss` (UTC, as head timestamps come) and epoch seconds
//! (format date 2; more than 8 digits). Zones are looked up in a small table of those TWS
//! uses, with their daylight-saving rules ([`zone_offset`]); an unknown zone
//! fails to parse (the text is still kept by the message itself).

use crate::calendar::days_from_civil;

/// A date and time from TWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistTime {
    /// Seconds since 1970-01-01 00:00 UTC. A date without a time is its
    /// midnight in `zone` (UTC when none).
    pub epoch: i64,
    /// The time zone TWS stated (`US/Eastern`, `UTC` for the `-` form and
    /// for epoch seconds), or the default zone the caller gave; empty when
    /// neither said one (then the time was read as UTC).
    pub zone: String,
    /// The text exactly as TWS sent it.
    pub text: String,
    /// True when TWS sent a date without a time (`yyyymmdd`).
    pub date_only: bool,
}

impl HistTime {
    /// Parses `text`, reading a time that names no zone in `default_zone`
    /// (empty: UTC). `None` when the text is none of the forms above or
    /// names a zone not in the table.
    pub fn parse(text: &str, default_zone: &str) -> Option<HistTime> {
        let t = text.trim();
        let make = |epoch, zone: &str, date_only| HistTime {
            epoch,
            zone: zone.to_owned(),
            text: text.to_owned(),
            date_only,
        };
        if t.len() > 8 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Some(make(t.parse().ok()?, "UTC", false));
        }
        if let Some((date, time)) = t.split_once('-') {
            let days = parse_date(date)?;
            let secs = parse_clock(time)?;
            return Some(make(days * 86_400 + secs, "UTC", false));
        }
        let mut parts = t.split_whitespace();
        let days = parse_date(parts.next()?)?;
        let (secs, date_only) = match parts.next() {
            Some(clock) => (parse_clock(clock)?, false),
            None => (0, true),
        };
        let zone = parts.next().unwrap_or(default_zone);
        if parts.next().is_some() {
            return None;
        }
        let local = days * 86_400 + secs;
        let epoch = if zone.is_empty() {
            local
        } else {
            local_to_utc(local, zone)?
        };
        Some(make(epoch, zone, date_only))
    }
}

fn parse_date(d: &str) -> Option<i64> {
    if d.len() != 8 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i64 = d[..4].parse().ok()?;
    let month: u32 = d[4..6].parse().ok()?;
    let day: u32 = d[6..].parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `hh:mm:ss` or `hh:mm` as seconds into the day.
fn parse_clock(c: &str) -> Option<i64> {
    let mut it = c.split(':');
    let mut num = |max: i64| -> Option<i64> {
        let p = it.next()?;
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: i64 = p.parse().ok()?;
        (v <= max).then_some(v)
    };
    let h = num(23)?;
    let m = num(59)?;
    let s = num(60).unwrap_or(0);
    if it.next().is_some() {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

/// How a zone's clocks change.
#[derive(Clone, Copy)]
enum Dst {
    None,
    /// The United States: from 2007 second Sunday of March to first Sunday
    /// of November, before it first Sunday of April to last Sunday of
    /// October; at 02:00 local.
    Us,
    /// The European Union and the United Kingdom: last Sunday of March to
    /// last Sunday of October, at 01:00 UTC.
    Eu,
    /// New South Wales and Victoria: first Sunday of October (02:00
    /// standard) to first Sunday of April (03:00 daylight).
    AuSouthEast,
}

/// The zones TWS names, with their standard offset in minutes east of UTC.
const ZONES: &[(&str, i64, Dst)] = &[
    ("UTC", 0, Dst::None),
    ("GMT", 0, Dst::None),
    ("Etc/UTC", 0, Dst::None),
    ("Etc/GMT", 0, Dst::None),
    ("US/Eastern", -300, Dst::Us),
    ("America/New_York", -300, Dst::Us),
    ("EST5EDT", -300, Dst::Us),
    ("America/Toronto", -300, Dst::Us),
    ("US/Central", -360, Dst::Us),
    ("America/Chicago", -360, Dst::Us),
    ("CST6CDT", -360, Dst::Us),
    ("US/Mountain", -420, Dst::Us),
    ("America/Denver", -420, Dst::Us),
    ("US/Pacific", -480, Dst::Us),
    ("America/Los_Angeles", -480, Dst::Us),
    ("PST8PDT", -480, Dst::Us),
    ("EST", -300, Dst::None),
    ("Europe/London", 0, Dst::Eu),
    ("Europe/Dublin", 0, Dst::Eu),
    ("Europe/Lisbon", 0, Dst::Eu),
    ("Europe/Berlin", 60, Dst::Eu),
    ("Europe/Paris", 60, Dst::Eu),
    ("Europe/Amsterdam", 60, Dst::Eu),
    ("Europe/Brussels", 60, Dst::Eu),
    ("Europe/Madrid", 60, Dst::Eu),
    ("Europe/Rome", 60, Dst::Eu),
    ("Europe/Zurich", 60, Dst::Eu),
    ("Europe/Vienna", 60, Dst::Eu),
    ("Europe/Stockholm", 60, Dst::Eu),
    ("Europe/Oslo", 60, Dst::Eu),
    ("Europe/Copenhagen", 60, Dst::Eu),
    ("MET", 60, Dst::Eu),
    ("CET", 60, Dst::Eu),
    ("Europe/Helsinki", 120, Dst::Eu),
    ("EET", 120, Dst::Eu),
    ("Europe/Moscow", 180, Dst::None),
    ("Asia/Tokyo", 540, Dst::None),
    ("Japan", 540, Dst::None),
    ("JST", 540, Dst::None),
    ("Asia/Hong_Kong", 480, Dst::None),
    ("Hongkong", 480, Dst::None),
    ("Asia/Shanghai", 480, Dst::None),
    ("Asia/Singapore", 480, Dst::None),
    ("Asia/Taipei", 480, Dst::None),
    ("Asia/Seoul", 540, Dst::None),
    ("Asia/Kolkata", 330, Dst::None),
    ("Asia/Calcutta", 330, Dst::None),
    ("Australia/Sydney", 600, Dst::AuSouthEast),
    ("Australia/Melbourne", 600, Dst::AuSouthEast),
];

/// The day (days since 1970) of the `n`-th (1-based; 0 = last) Sunday of
/// `month` in `year`.
fn sunday(year: i64, month: u32, n: u32) -> i64 {
    // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) % 7.
    let weekday = |d: i64| (d + 4).rem_euclid(7);
    if n == 0 {
        let next = if month == 12 {
            days_from_civil(year + 1, 1, 1)
        } else {
            days_from_civil(year, month + 1, 1)
        };
        let last = next - 1;
        return last - weekday(last);
    }
    let first = days_from_civil(year, month, 1);
    first + (7 - weekday(first)) % 7 + 7 * i64::from(n - 1)
}

fn year_of(epoch: i64) -> i64 {
    crate::calendar::civil_from_days(epoch.div_euclid(86_400)).0
}

/// The offset east of UTC, in seconds, of `zone` at UTC time `epoch`;
/// `None` for a zone not in the table.
pub fn zone_offset(zone: &str, epoch: i64) -> Option<i64> {
    let &(_, standard, dst) = ZONES.iter().find(|(n, _, _)| *n == zone)?;
    let std = standard * 60;
    let year = year_of(epoch + std);
    let summer = match dst {
        Dst::None => false,
        Dst::Us => {
            let (start, end) = if year >= 2007 {
                (sunday(year, 3, 2), sunday(year, 11, 1))
            } else {
                (sunday(year, 4, 1), sunday(year, 10, 0))
            };
            // 02:00 standard time on the start day, 02:00 daylight (01:00 standard) on the end day.
            let from = start * 86_400 + 7_200 - std;
            let until = end * 86_400 + 3_600 - std;
            (from..until).contains(&epoch)
        }
        Dst::Eu => {
            let from = sunday(year, 3, 0) * 86_400 + 3_600;
            let until = sunday(year, 10, 0) * 86_400 + 3_600;
            (from..until).contains(&epoch)
        }
        Dst::AuSouthEast => {
            // Summer spans the new year: out of it between April and October.
            let until = sunday(year, 4, 1) * 86_400 + 3 * 3_600 - (std + 3_600);
            let from = sunday(year, 10, 1) * 86_400 + 2 * 3_600 - std;
            !(until..from).contains(&epoch)
        }
    };
    Some(std + if summer { 3_600 } else { 0 })
}

/// The UTC time of local wall time `local` (seconds) in `zone`. A wall time
/// that occurs twice (the autumn hour) is the first; one that does not
/// occur (the spring gap) is read with the standard offset.
fn local_to_utc(local: i64, zone: &str) -> Option<i64> {
    // Try the offsets the zone can have; take the one consistent with itself.
    let standard = zone_offset(zone, local)?;
    let candidates = [standard + 3_600, standard, standard - 3_600];
    candidates
        .iter()
        .map(|off| local - off)
        .find(|utc| zone_offset(zone, *utc) == Some(local - utc))
        .or(Some(local - standard))
}
