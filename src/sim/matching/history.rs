//! The day's order history: which executions an execution filter
//! (reqExecutions) selects.

use super::time::parse_filter_time;
use super::{ExecutionRecord, Side};

/// An execution filter, as reqExecutions carries it; an empty field (or a
/// zero client id) matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecFilter {
    pub client_id: i32,
    pub account: String,
    /// Executions at or after this time: `yyyymmdd hh:mm:ss` (in the
    /// engine's zone), `yyyymmdd hh:mm:ss <zone>` or `yyyymmdd-hh:mm:ss` (UTC).
    pub time: String,
    pub symbol: String,
    pub sec_type: String,
    pub exchange: String,
    /// `BUY` or `SELL` (`BOT`/`SLD` too), any case.
    pub side: String,
}

/// A filter that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterError {
    /// The time is in none of the accepted forms.
    BadTime(String),
    /// The side is neither BUY nor SELL.
    BadSide(String),
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilterError::BadTime(t) => {
                write!(f, "execution filter time {t:?} is not yyyymmdd hh:mm:ss")
            }
            FilterError::BadSide(s) => write!(f, "execution filter side {s:?} is not BUY or SELL"),
        }
    }
}

impl std::error::Error for FilterError {}

/// A filter ready to test executions with.
#[derive(Debug, Clone)]
pub(super) struct Compiled<'a> {
    filter: &'a ExecFilter,
    since_secs: Option<i64>,
    side: Option<Side>,
}

impl<'a> Compiled<'a> {
    pub(super) fn new(filter: &'a ExecFilter, zone: &str) -> Result<Compiled<'a>, FilterError> {
        let since_secs = match filter.time.trim() {
            "" => None,
            t => {
                Some(parse_filter_time(t, zone).ok_or_else(|| FilterError::BadTime(t.to_owned()))?)
            }
        };
        let side = match filter.side.trim().to_ascii_uppercase().as_str() {
            "" => None,
            "BUY" | "BOT" => Some(Side::Bought),
            "SELL" | "SLD" | "SSHORT" => Some(Side::Sold),
            _ => return Err(FilterError::BadSide(filter.side.clone())),
        };
        Ok(Compiled {
            filter,
            since_secs,
            side,
        })
    }

    pub(super) fn matches(&self, r: &ExecutionRecord) -> bool {
        let e = &r.execution;
        let f = self.filter;
        let text = |want: &str, have: &str| {
            let want = want.trim();
            want.is_empty() || want.eq_ignore_ascii_case(have)
        };
        (f.client_id == 0 || f.client_id == e.client_id)
            && text(&f.account, &e.account)
            && text(&f.symbol, &e.symbol)
            && text(&f.sec_type, &e.sec_type)
            && text(&f.exchange, &e.exchange)
            && self.side.map_or(true, |s| s == e.side)
            && self
                .since_secs
                .map_or(true, |t| e.time_ms.div_euclid(1000) >= t)
    }
}
