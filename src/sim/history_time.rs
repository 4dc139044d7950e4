//! Time for the simulated history: the two exchange time zones the
//! instruments use (New York and Chicago, with US daylight saving), each
//! instrument's trading sessions (all hours or regular hours only), and the
//! date texts of historical requests and replies.

use crate::calendar::{civil_from_days, days_from_civil};

use super::instruments::Instrument;

const DAY: i64 = 86_400;
const HOUR: i64 = 3600;

/// An exchange time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// New York (`US/Eastern`): UTC-5, UTC-4 in summer.
    Eastern,
    /// Chicago (`US/Central`): UTC-6, UTC-5 in summer.
    Central,
    Utc,
}

impl Zone {
    /// The zone of an instrument's `time_zone_id`.
    pub fn of(inst: &Instrument) -> Zone {
        Zone::named(inst.time_zone_id).unwrap_or(Zone::Eastern)
    }

    /// The zone a request names (TWS's IDs and the usual aliases).
    pub fn named(name: &str) -> Option<Zone> {
        Some(match name {
            "US/Eastern" | "America/New_York" | "EST" | "EDT" | "EST5EDT" => Zone::Eastern,
            "US/Central" | "America/Chicago" | "CST" | "CDT" | "CST6CDT" => Zone::Central,
            "UTC" | "GMT" | "Etc/UTC" | "Etc/GMT" | "Z" => Zone::Utc,
            _ => return None,
        })
    }

    /// The name TWS writes after a local time.
    pub fn name(self) -> &'static str {
        match self {
            Zone::Eastern => "US/Eastern",
            Zone::Central => "US/Central",
            Zone::Utc => "UTC",
        }
    }

    fn standard_offset(self) -> i64 {
        match self {
            Zone::Eastern => -5 * HOUR,
            Zone::Central => -6 * HOUR,
            Zone::Utc => 0,
        }
    }

    /// Seconds to add to UTC for local time at `utc`.
    pub fn offset(self, utc: i64) -> i64 {
        let standard = self.standard_offset();
        if self == Zone::Utc {
            return 0;
        }
        // US rules: from the second Sunday of March, 02:00 standard time,
        // to the first Sunday of November, 02:00 daylight (01:00 standard).
        let local_std = utc + standard;
        let (year, _, _) = civil_from_days(local_std.div_euclid(DAY));
        let start = nth_sunday(year, 3, 2) * DAY + 2 * HOUR;
        let end = nth_sunday(year, 11, 1) * DAY + HOUR;
        if (start..end).contains(&local_std) {
            standard + HOUR
        } else {
            standard
        }
    }

    /// Local seconds (since 1970-01-01 00:00 local) to UTC.
    pub fn to_utc(self, local: i64) -> i64 {
        let guess = local - self.standard_offset();
        local - self.offset(guess - HOUR).max(self.offset(guess))
    }

    /// UTC to local seconds.
    pub fn to_local(self, utc: i64) -> i64 {
        utc + self.offset(utc)
    }
}

/// Days since 1970-01-01 of the `n`th Sunday of a month.
fn nth_sunday(year: i64, month: u32, n: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    let weekday = (first + 3).rem_euclid(7); // 0 = Monday
    first + (6 - weekday) + 7 * (n - 1)
}

/// 0 = Monday .. 6 = Sunday of a day number.
pub fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

/// `yyyymmdd` of a day number.
pub fn ymd(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}")
}

/// `hh:mm:ss` of a second of the day.
fn hms(secs: i64) -> String {
    let s = secs.rem_euclid(DAY);
    format!("{:02}:{:02}:{:02}", s / HOUR, s % HOUR / 60, s % 60)
}

/// `yyyymmdd hh:mm:ss Zone`, TWS's text time (format date 1).
pub fn text_time(zone: Zone, utc: i64) -> String {
    let local = zone.to_local(utc);
    format!(
        "{} {} {}",
        ymd(local.div_euclid(DAY)),
        hms(local),
        zone.name()
    )
}

/// `yyyymmdd-hh:mm:ss` in `zone` (schedules, head timestamps).
pub fn dashed_time(zone: Zone, utc: i64) -> String {
    let local = zone.to_local(utc);
    format!("{}-{}", ymd(local.div_euclid(DAY)), hms(local))
}

/// An end date-time TWS accepts: `yyyymmdd hh:mm:ss[ zone]` (no zone: New
/// York, TWS's own), `yyyymmdd-hh:mm:ss` (UTC), or `yyyymmdd` (the end of
/// that day in New York). `None` when it is none of these.
pub fn parse_end(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = |s: &str| -> Option<i64> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let y: i64 = s[..4].parse().ok()?;
        let m: u32 = s[4..6].parse().ok()?;
        let d: u32 = s[6..].parse().ok()?;
        let days = days_from_civil(y, m, d);
        (civil_from_days(days) == (y, m, d)).then_some(days)
    };
    let time = |s: &str| -> Option<i64> {
        let mut parts = s.split(':');
        let mut secs = 0;
        for limit in [24, 60, 60] {
            let v: i64 = parts.next()?.parse().ok()?;
            if !(0..limit).contains(&v) {
                return None;
            }
            secs = secs * 60 + v;
        }
        parts.next().is_none().then_some(secs)
    };
    if let Some((d, t)) = text.split_once('-') {
        return Some(date(d)? * DAY + time(t)?);
    }
    let mut words = text.split_whitespace();
    let days = date(words.next()?)?;
    let Some(t) = words.next() else {
        return Some(Zone::Eastern.to_utc(days * DAY + DAY - 1) + 1);
    };
    let secs = time(t)?;
    let zone = match words.next() {
        Some(name) => Zone::named(name)?,
        None => Zone::Eastern,
    };
    if words.next().is_some() {
        return None;
    }
    Some(zone.to_utc(days * DAY + secs))
}

/// One trading session: its trading day and its hours (UTC seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The trading day (days since 1970-01-01), also for a session that
    /// opens the evening before.
    pub day: i64,
    pub start: i64,
    pub end: i64,
}

/// When an instrument trades: local opening and closing minutes, and
/// whether the session opens on the evening before its trading day.
#[derive(Debug, Clone, Copy)]
struct Hours {
    open: i64,
    close: i64,
    overnight: bool,
}

fn hours(inst: &Instrument, rth: bool) -> Hours {
    let h = |open: i64, close: i64, overnight| Hours {
        open: open * 60,
        close: close * 60,
        overnight,
    };
    match inst.sec_type {
        "STK" if rth => h(9 * 60 + 30, 16 * 60, false),
        "STK" => h(4 * 60, 20 * 60, false),
        "OPT" => h(9 * 60 + 30, 16 * 60, false),
        "FUT" | "IND" | "FOP" if rth => h(8 * 60 + 30, 15 * 60, false),
        "FUT" | "IND" | "FOP" => h(17 * 60, 16 * 60, true),
        "CASH" => h(17 * 60 + 15, 17 * 60, true),
        _ => h(8 * 60, 17 * 60, false),
    }
}

/// The session of trading day `day` (none at weekends).
pub fn session_of(inst: &Instrument, rth: bool, day: i64) -> Option<Session> {
    if weekday(day) >= 5 {
        return None;
    }
    let zone = Zone::of(inst);
    let h = hours(inst, rth);
    // An overnight session opens the evening before (Monday's on Sunday).
    let open_day = if h.overnight { day - 1 } else { day };
    Some(Session {
        day,
        start: zone.to_utc(open_day * DAY + h.open),
        end: zone.to_utc(day * DAY + h.close),
    })
}

/// The sessions that overlap `[from, to)`, in time order.
pub fn sessions(inst: &Instrument, rth: bool, from: i64, to: i64) -> Vec<Session> {
    let first = from.div_euclid(DAY) - 1;
    let last = to.div_euclid(DAY) + 2;
    (first..=last)
        .filter_map(|day| session_of(inst, rth, day))
        .filter(|s| s.end > from && s.start < to)
        .collect()
}

/// The last `n` sessions that opened before `end`, oldest first.
pub fn last_sessions(inst: &Instrument, rth: bool, end: i64, n: usize) -> Vec<Session> {
    let mut out = Vec::with_capacity(n);
    let mut day = end.div_euclid(DAY) + 2;
    // Weekends hold no session: seven days give at least five.
    let stop = day - (n as i64 / 5 + 2) * 7;
    while out.len() < n && day > stop {
        if let Some(s) = session_of(inst, rth, day) {
            if s.start < end {
                out.push(s);
            }
        }
        day -= 1;
    }
    out.reverse();
    out
}

/// The start of the last `secs` seconds of trading time before `end`.
pub fn trading_seconds_back(inst: &Instrument, rth: bool, end: i64, secs: i64) -> i64 {
    let mut left = secs;
    let mut day = end.div_euclid(DAY) + 2;
    let stop = day - (secs / DAY + 2) * 7;
    while day > stop {
        if let Some(s) = session_of(inst, rth, day) {
            let until = s.end.min(end);
            if until > s.start {
                let here = until - s.start;
                if here >= left {
                    return until - left;
                }
                left -= here;
            }
        }
        day -= 1;
    }
    end - secs
}

/// Calendar months back: the same local day and time `months` earlier
/// (the month's last day when it is shorter).
pub fn months_back(zone: Zone, utc: i64, months: i64) -> i64 {
    let local = zone.to_local(utc);
    let (y, m, d) = civil_from_days(local.div_euclid(DAY));
    let m0 = y * 12 + i64::from(m) - 1 - months;
    let (ny, nm) = (m0.div_euclid(12), (m0.rem_euclid(12) + 1) as u32);
    let mut nd = d;
    while civil_from_days(days_from_civil(ny, nm, nd)) != (ny, nm, nd) {
        nd -= 1;
    }
    zone.to_utc(days_from_civil(ny, nm, nd) * DAY + local.rem_euclid(DAY))
}

/// The month (`y * 12 + m - 1`) of a day number.
pub fn month_of(days: i64) -> i64 {
    let (y, m, _) = civil_from_days(days);
    y * 12 + i64::from(m) - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::instruments::{Date, Instruments, AAPL_CON_ID, EURUSD_CON_ID};

    fn inst(con_id: i32) -> Instrument {
        let all = Instruments::build(Date {
            year: 2026,
            month: 11,
            day: 30,
        });
        all.get(all.index_of(con_id).unwrap()).clone()
    }

    #[test]
    fn new_york_daylight_saving() {
        // 2026-03-08 06:59:59 UTC is 01:59:59 EST; a second later 03:00 EDT.
        let before = 1_772_953_199;
        assert_eq!(
            text_time(Zone::Eastern, before),
            "20260308 01:59:59 US/Eastern"
        );
        assert_eq!(
            text_time(Zone::Eastern, before + 1),
            "20260308 03:00:00 US/Eastern"
        );
        // Summer and winter offsets, and local time back to UTC.
        let july = parse_end("20260701 12:00:00 UTC").unwrap();
        assert_eq!(
            text_time(Zone::Eastern, july),
            "20260701 08:00:00 US/Eastern"
        );
        assert_eq!(parse_end("20260701 08:00:00 US/Eastern"), Some(july));
        assert_eq!(parse_end("20260701-12:00:00"), Some(july));
        let dec = parse_end("20261201 12:00:00 UTC").unwrap();
        assert_eq!(
            text_time(Zone::Central, dec),
            "20261201 06:00:00 US/Central"
        );
        assert_eq!(parse_end("20261201 07:00:00"), Some(dec));
    }

    #[test]
    fn refuses_bad_end_times() {
        for bad in [
            "2026113",
            "20261131 10:00:00",
            "20261130 25:00:00",
            "20261130 10:00:00 Mars/Base",
            "x",
        ] {
            assert_eq!(parse_end(bad), None, "{bad}");
        }
    }

    #[test]
    fn sessions_of_stocks_and_fx() {
        let aapl = inst(AAPL_CON_ID);
        // Monday 2026-11-30: regular hours 09:30-16:00 New York (EST).
        let monday = days_from_civil(2026, 11, 30);
        let s = session_of(&aapl, true, monday).unwrap();
        assert_eq!(
            text_time(Zone::Eastern, s.start),
            "20261130 09:30:00 US/Eastern"
        );
        assert_eq!(
            text_time(Zone::Eastern, s.end),
            "20261130 16:00:00 US/Eastern"
        );
        assert!(session_of(&aapl, true, monday - 1).is_none(), "Sunday");
        let all = session_of(&aapl, false, monday).unwrap();
        assert_eq!(all.end - all.start, 16 * HOUR);
        // FX opens on Sunday evening for Monday.
        let eur = inst(EURUSD_CON_ID);
        let fx = session_of(&eur, false, monday).unwrap();
        assert_eq!(
            text_time(Zone::Eastern, fx.start),
            "20261129 17:15:00 US/Eastern"
        );
        // From Tuesday 07:00 New York, before the open: Monday is the last
        // regular session.
        let last = last_sessions(&aapl, true, s.end + 15 * HOUR, 3);
        assert_eq!(last.len(), 3);
        assert_eq!(last[2].day, monday);
        assert_eq!(last[1].day, monday - 3, "the Friday before");
    }
}
