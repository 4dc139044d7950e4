//! The simulator's history: deterministic bars, ticks, head timestamps and
//! histograms for every instrument.
//!
//! An instrument's price at a second is a pure function of the simulator's
//! seed, its conId and the time: smooth noise at scales from months down to
//! seconds around the instrument's simulated starting quote (options: the
//! Black-Scholes price over their underlying's path). A bar is the path
//! sampled over the bar's seconds, so the same request always gives the same
//! bars, and a bar does not depend on the request that asked for it. The
//! request texts (bar sizes, durations, what to show) are parsed here; the
//! refusals and the wire messages are `history_replies`'.

use super::history_time::{self, Session, Zone};
use super::instruments::Instrument;
use super::market::{black_scholes, round_digits, round_to, smile, years_to};

const DAY: i64 = 86_400;

/// What a request asks to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Trades,
    AdjustedLast,
    Midpoint,
    Bid,
    Ask,
    BidAsk,
    HistoricalVolatility,
    ImpliedVolatility,
    FeeRate,
    YieldBid,
    YieldAsk,
    YieldBidAsk,
    YieldLast,
    Schedule,
}

impl Show {
    pub fn parse(text: &str) -> Option<Show> {
        Some(match text.trim().to_ascii_uppercase().as_str() {
            "TRADES" => Show::Trades,
            "ADJUSTED_LAST" => Show::AdjustedLast,
            "MIDPOINT" => Show::Midpoint,
            "BID" => Show::Bid,
            "ASK" => Show::Ask,
            "BID_ASK" => Show::BidAsk,
            "HISTORICAL_VOLATILITY" => Show::HistoricalVolatility,
            "OPTION_IMPLIED_VOLATILITY" => Show::ImpliedVolatility,
            "FEE_RATE" => Show::FeeRate,
            "YIELD_BID" => Show::YieldBid,
            "YIELD_ASK" => Show::YieldAsk,
            "YIELD_BID_ASK" => Show::YieldBidAsk,
            "YIELD_LAST" => Show::YieldLast,
            "SCHEDULE" => Show::Schedule,
            _ => return None,
        })
    }

    /// How HMDS names the data in its "no data" answers.
    pub fn hmds_name(self) -> &'static str {
        match self {
            Show::Trades | Show::AdjustedLast => "Trades",
            Show::Midpoint => "Midpoint",
            Show::Bid => "Bid",
            Show::Ask => "Ask",
            Show::BidAsk => "BidAsk",
            Show::HistoricalVolatility => "HV",
            Show::ImpliedVolatility => "IV",
            Show::FeeRate => "FeeRate",
            Show::YieldBid => "YieldBid",
            Show::YieldAsk => "YieldAsk",
            Show::YieldBidAsk => "YieldBidAsk",
            Show::YieldLast => "YieldLast",
            Show::Schedule => "Schedule",
        }
    }

    /// Whether bars of this kind carry volume, WAP and trade counts (the
    /// others send -1 for them, as TWS does).
    pub fn has_volume(self) -> bool {
        matches!(self, Show::Trades | Show::AdjustedLast)
    }

    /// Whether `inst` has this kind of data.
    pub fn available_for(self, inst: &Instrument) -> bool {
        let trades = inst.quote.trade_chance > 0.0;
        let quotes = !inst.quote.last_only;
        match self {
            Show::Trades | Show::AdjustedLast => trades,
            Show::Midpoint | Show::Bid | Show::Ask | Show::BidAsk => quotes,
            Show::HistoricalVolatility | Show::ImpliedVolatility => {
                matches!(inst.sec_type, "STK" | "IND" | "OPT")
            }
            Show::FeeRate => inst.sec_type == "STK",
            Show::YieldBid | Show::YieldAsk | Show::YieldBidAsk | Show::YieldLast => inst.is_bond(),
            Show::Schedule => true,
        }
    }
}

/// A bar size: a fixed number of seconds, or a calendar bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarSize {
    Secs(i64),
    Day,
    Week,
    Month,
}

impl BarSize {
    /// The bar sizes TWS accepts, as it spells them (and `1 week`, `1 month`).
    pub fn parse(text: &str) -> Option<BarSize> {
        Some(match text.trim() {
            "1 secs" => BarSize::Secs(1),
            "5 secs" => BarSize::Secs(5),
            "10 secs" => BarSize::Secs(10),
            "15 secs" => BarSize::Secs(15),
            "30 secs" => BarSize::Secs(30),
            "1 min" => BarSize::Secs(60),
            "2 mins" => BarSize::Secs(120),
            "3 mins" => BarSize::Secs(180),
            "5 mins" => BarSize::Secs(300),
            "10 mins" => BarSize::Secs(600),
            "15 mins" => BarSize::Secs(900),
            "20 mins" => BarSize::Secs(1200),
            "30 mins" => BarSize::Secs(1800),
            "1 hour" => BarSize::Secs(3600),
            "2 hours" => BarSize::Secs(7200),
            "3 hours" => BarSize::Secs(10_800),
            "4 hours" => BarSize::Secs(14_400),
            "8 hours" => BarSize::Secs(28_800),
            "1 day" => BarSize::Day,
            "1W" | "1 week" => BarSize::Week,
            "1M" | "1 month" => BarSize::Month,
            _ => return None,
        })
    }

    /// Its length in seconds for comparisons (a day: 86400, a week: 7
    /// days, a month: 30 days).
    pub fn nominal_secs(self) -> i64 {
        match self {
            BarSize::Secs(s) => s,
            BarSize::Day => DAY,
            BarSize::Week => 7 * DAY,
            BarSize::Month => 30 * DAY,
        }
    }

    pub fn is_intraday(self) -> bool {
        matches!(self, BarSize::Secs(_))
    }
}

/// A duration: `<n> S|D|W|M|Y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Seconds of trading time.
    Secs(i64),
    /// Trading sessions.
    Days(i64),
    Weeks(i64),
    Months(i64),
    Years(i64),
}

impl Span {
    pub fn parse(text: &str) -> Option<Span> {
        let (n, unit) = text.trim().split_once(' ')?;
        let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
        Some(match unit {
            "S" => Span::Secs(n),
            "D" => Span::Days(n),
            "W" => Span::Weeks(n),
            "M" => Span::Months(n),
            "Y" => Span::Years(n),
            _ => return None,
        })
    }

    /// Its length in seconds for comparisons (a day of 86400 seconds).
    pub fn nominal_secs(self) -> i64 {
        match self {
            Span::Secs(n) => n,
            Span::Days(n) => n * DAY,
            Span::Weeks(n) => n * 7 * DAY,
            Span::Months(n) => n * 31 * DAY,
            Span::Years(n) => n * 366 * DAY,
        }
    }

    /// The start of the period ending at `end`.
    pub fn start(self, inst: &Instrument, rth: bool, end: i64) -> i64 {
        let zone = Zone::of(inst);
        match self {
            Span::Secs(n) => history_time::trading_seconds_back(inst, rth, end, n),
            Span::Days(n) => history_time::last_sessions(inst, rth, end, n as usize)
                .first()
                .map_or(end - n * DAY, |s| s.start),
            Span::Weeks(n) => end - n * 7 * DAY,
            Span::Months(n) => history_time::months_back(zone, end, n),
            Span::Years(n) => history_time::months_back(zone, end, 12 * n),
        }
    }
}

/// The smallest bar size a duration allows (IB's step-size table: 60 S
/// .. 1800 S take 1-second bars, 3600 S 5 secs, 14400 S 10 secs, 28800 S 30
/// secs, 1 D 1 min, 2 D 2 mins, 1 W 3 mins, 1 M 30 mins, 1 Y 1 day).
pub fn smallest_bar_secs(span: Span) -> i64 {
    let secs = span.nominal_secs();
    match span {
        Span::Secs(_) if secs <= 1800 => 1,
        Span::Secs(_) if secs <= 3600 => 5,
        Span::Secs(_) if secs <= 14_400 => 10,
        Span::Secs(_) => 30,
        Span::Days(1) => 60,
        Span::Days(2) => 120,
        Span::Days(n) if n <= 7 => 180,
        Span::Weeks(1) => 180,
        Span::Days(_) | Span::Weeks(_) | Span::Months(1) => 1800,
        Span::Months(_) | Span::Years(_) => DAY,
    }
}

/// One generated bar.
#[derive(Debug, Clone, PartialEq)]
pub struct GenBar {
    /// The bar's start (UTC seconds); for day, week and month bars the
    /// first session's trading day.
    pub start: i64,
    pub day: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// Shares (lots times size), or -1 when the kind has none.
    pub volume: f64,
    pub wap: f64,
    pub count: i32,
}

/// One generated quote of the tick history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenQuote {
    pub time: i64,
    pub bid: f64,
    pub ask: f64,
    pub bid_size: f64,
    pub ask_size: f64,
}

/// One generated trade of the tick history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenTrade {
    pub time: i64,
    pub price: f64,
    pub size: f64,
    pub exchange: &'static str,
}

/// The price paths of one simulator (one seed).
#[derive(Debug, Clone, Copy)]
pub struct Paths<'a> {
    pub seed: u64,
    pub inst: &'a Instrument,
    /// An option's underlying.
    pub under: Option<&'a Instrument>,
}

/// A hash of the inputs to [0, 1).
fn unit(parts: &[u64]) -> f64 {
    let mut z: u64 = 0x243F_6A88_85A3_08D3;
    for &p in parts {
        z ^= p;
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Noise scales (seconds) and their weights, in units of annual volatility.
const SCALES: &[(i64, f64)] = &[
    (120 * DAY, 0.30),
    (15 * DAY, 0.12),
    (2 * DAY, 0.05),
    (3 * 3600, 0.02),
    (20 * 60, 0.008),
    (60, 0.002),
    (5, 0.0007),
];

impl Paths<'_> {
    fn key(&self, inst: &Instrument) -> u64 {
        self.seed ^ u64::from(inst.con_id as u32).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    /// Smooth noise of one scale in [-1, 1].
    fn noise(key: u64, scale: i64, t: i64) -> f64 {
        let k = t.div_euclid(scale);
        let f = (t - k * scale) as f64 / scale as f64;
        let a = 2.0 * unit(&[key, scale as u64, k as u64]) - 1.0;
        let b = 2.0 * unit(&[key, scale as u64, (k + 1) as u64]) - 1.0;
        a + (b - a) * f * f * (3.0 - 2.0 * f)
    }

    /// The walk of a non-option instrument at `t`.
    fn level(&self, inst: &Instrument, t: i64) -> f64 {
        let key = self.key(inst);
        let x: f64 = SCALES
            .iter()
            .map(|&(scale, weight)| weight * Self::noise(key, scale, t))
            .sum();
        inst.quote.start_price * (inst.quote.volatility * x).exp()
    }

    /// The mid price at `t` (an option's model price over its underlying).
    pub fn mid(&self, t: i64) -> f64 {
        let inst = self.inst;
        match self.under {
            Some(under) if inst.is_option() => {
                let spot = self.level(under, t);
                let vol = smile(inst.quote.volatility, spot, inst.strike);
                let years = years_to(&inst.last_trade_date, t * 1000);
                black_scholes(inst.right == "C", spot, inst.strike, years, vol)
                    .price
                    .max(0.01)
            }
            _ => self.level(inst, t),
        }
    }

    fn increment(&self, price: f64) -> f64 {
        self.inst.market_rule().increment_at(price)
    }

    /// Bid and ask at `t`, on the price grid.
    pub fn bid_ask(&self, t: i64) -> (f64, f64) {
        let mid = self.mid(t);
        let inc = self.increment(mid);
        let (lo, hi) = self.inst.quote.spread_ticks;
        let spread = f64::from(lo.max(1))
            + (unit(&[self.key(self.inst), 0x5E, t as u64]) * f64::from(hi.max(lo) - lo + 1))
                .floor();
        let bid = round_to(mid - spread * inc / 2.0, inc);
        let ask = round_to(bid + spread * inc, inc).max(bid + inc);
        (bid, round_digits(ask, 10))
    }

    /// The value a kind of data has at `t` (for BID_ASK: the bid; see
    /// [`Paths::bar`]).
    fn value(&self, show: Show, t: i64) -> f64 {
        let key = self.key(self.inst);
        let slow = Self::noise(key ^ 0x51, 10 * DAY, t);
        match show {
            Show::Trades | Show::AdjustedLast | Show::Schedule => {
                if self.inst.quote.last_only {
                    let mid = self.mid(t);
                    round_to(mid, self.increment(mid))
                } else {
                    let (bid, ask) = self.bid_ask(t);
                    if unit(&[key, 0x7A, t as u64]) < 0.5 {
                        bid
                    } else {
                        ask
                    }
                }
            }
            Show::Midpoint => {
                let (bid, ask) = self.bid_ask(t);
                round_digits((bid + ask) / 2.0, 8)
            }
            Show::Bid | Show::BidAsk => self.bid_ask(t).0,
            Show::Ask => self.bid_ask(t).1,
            Show::HistoricalVolatility => {
                round_digits(self.inst.quote.volatility * (1.0 + 0.15 * slow), 6)
            }
            Show::ImpliedVolatility => {
                round_digits(self.inst.quote.volatility * (1.08 + 0.12 * slow), 6)
            }
            Show::FeeRate => round_digits(0.25 + 0.1 * slow, 4),
            Show::YieldBid | Show::YieldAsk | Show::YieldBidAsk | Show::YieldLast => {
                let coupon = self.inst.bond.as_ref().map_or(4.0, |b| b.coupon);
                let price = self.mid(t);
                let y = coupon - (price - 100.0) / 8.0;
                let shift = match show {
                    Show::YieldBid | Show::YieldBidAsk => 0.004,
                    Show::YieldAsk => -0.004,
                    _ => 0.0,
                };
                round_digits(y + shift, 4)
            }
        }
    }

    /// The sample times of `[a, b)`: its ends and up to 30 points between.
    fn samples(a: i64, b: i64) -> Vec<i64> {
        let len = (b - a).max(1);
        let n = len.min(30);
        let mut out: Vec<i64> = (0..n).map(|i| a + i * len / n).collect();
        out.push((b - 1).max(a));
        out
    }

    /// One bar over `[a, b)` (trading time only), starting at `label`.
    pub fn bar(&self, show: Show, a: i64, b: i64, label: i64, day: i64) -> GenBar {
        let times = Self::samples(a, b);
        let vals: Vec<f64> = times.iter().map(|&t| self.value(show, t)).collect();
        let first = vals[0];
        let last = vals[vals.len() - 1];
        let mut high = vals.iter().copied().fold(f64::MIN, f64::max);
        let mut low = vals.iter().copied().fold(f64::MAX, f64::min);
        let (mut open, mut close) = (first, last);
        if show == Show::BidAsk {
            // TWS's BID_ASK bars: time-average bid, highest ask, lowest
            // bid, time-average ask.
            let asks: Vec<f64> = times.iter().map(|&t| self.bid_ask(t).1).collect();
            let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            open = round_digits(avg(&vals), 6);
            close = round_digits(avg(&asks), 6);
            high = asks.iter().copied().fold(f64::MIN, f64::max);
            low = vals.iter().copied().fold(f64::MAX, f64::min);
        }
        let key = self.key(self.inst);
        let (volume, wap, count) = if show.has_volume() && !self.inst.quote.last_only {
            let q = &self.inst.quote;
            let minutes = ((b - a) as f64 / 60.0).max(1.0 / 60.0);
            let per_minute = 5.0 + 60.0 * unit(&[key, 0xB0, a as u64]);
            let lots = (per_minute * minutes * q.trade_chance).ceil().max(1.0);
            let volume = lots * q.lot.min(100.0);
            let count = (lots / 2.0).ceil().max(1.0) as i32;
            let wap = round_digits((open + high + low + close) / 4.0, 4);
            (volume, wap, count)
        } else if show.has_volume() {
            (0.0, round_digits((open + high + low + close) / 4.0, 4), 0)
        } else {
            (-1.0, -1.0, -1)
        };
        GenBar {
            start: label,
            day,
            open,
            high,
            low,
            close,
            volume,
            wap,
            count,
        }
    }

    /// The bars of `[from, to)` over the sessions `rth` selects.
    pub fn bars(&self, show: Show, size: BarSize, rth: bool, from: i64, to: i64) -> Vec<GenBar> {
        let sessions = history_time::sessions(self.inst, rth, from, to);
        let zone = Zone::of(self.inst);
        let mut out = Vec::new();
        match size {
            BarSize::Secs(len) => {
                for s in &sessions {
                    let (a, b) = (s.start.max(from), s.end.min(to));
                    // Bars sit on the local clock's grid, cut at the
                    // session's edges.
                    let local_a = zone.to_local(a);
                    let mut cell = local_a.div_euclid(len) * len;
                    let offset = a - local_a;
                    while cell + offset < b {
                        let start = (cell + offset).max(a);
                        let end = (cell + len + offset).min(b);
                        out.push(self.bar(show, start, end, start, s.day));
                        cell += len;
                    }
                }
            }
            BarSize::Day | BarSize::Week | BarSize::Month => {
                let group = |s: &Session| match size {
                    BarSize::Week => (s.day + 3).div_euclid(7),
                    BarSize::Month => history_time::month_of(s.day),
                    _ => s.day,
                };
                let mut i = 0;
                while i < sessions.len() {
                    let g = group(&sessions[i]);
                    let mut j = i;
                    while j + 1 < sessions.len() && group(&sessions[j + 1]) == g {
                        j += 1;
                    }
                    let (a, b) = (sessions[i].start.max(from), sessions[j].end.min(to));
                    if b > a {
                        let mut bar = self.bar(show, a, b, a, sessions[i].day);
                        if j > i {
                            bar = self.merge(show, &sessions[i..=j], from, to, bar);
                        }
                        out.push(bar);
                    }
                    i = j + 1;
                }
            }
        }
        out
    }

    /// A week or month bar: the sessions' bars joined (closed time left out).
    fn merge(&self, show: Show, group: &[Session], from: i64, to: i64, first: GenBar) -> GenBar {
        let parts: Vec<GenBar> = group
            .iter()
            .filter(|s| s.end.min(to) > s.start.max(from))
            .map(|s| {
                let (a, b) = (s.start.max(from), s.end.min(to));
                self.bar(show, a, b, a, s.day)
            })
            .collect();
        let Some(last) = parts.last() else {
            return first;
        };
        let mut bar = GenBar {
            close: last.close,
            ..first
        };
        bar.open = parts[0].open;
        bar.high = parts.iter().map(|p| p.high).fold(f64::MIN, f64::max);
        bar.low = parts.iter().map(|p| p.low).fold(f64::MAX, f64::min);
        if show.has_volume() && bar.volume >= 0.0 {
            bar.volume = parts.iter().map(|p| p.volume).sum();
            bar.count = parts.iter().map(|p| p.count).sum();
            let turnover: f64 = parts.iter().map(|p| p.wap * p.volume).sum();
            if bar.volume > 0.0 {
                bar.wap = round_digits(turnover / bar.volume, 4);
            }
        }
        bar
    }

    /// The trades of the tick history: at most one a second, each second
    /// with the instrument's chance of a trade.
    pub fn trade_at(&self, t: i64) -> Option<GenTrade> {
        let q = &self.inst.quote;
        let key = self.key(self.inst);
        if q.trade_chance <= 0.0 || unit(&[key, 0x71, t as u64]) >= q.trade_chance {
            return None;
        }
        let (lo, hi) = q.trade_lots;
        let lots = f64::from(lo) + (unit(&[key, 0x72, t as u64]) * f64::from(hi - lo + 1)).floor();
        let exchanges = q.trade_exchanges;
        let exchange = if exchanges.is_empty() {
            ""
        } else {
            exchanges[(unit(&[key, 0x73, t as u64]) * exchanges.len() as f64) as usize]
        };
        Some(GenTrade {
            time: t,
            price: self.value(Show::Trades, t),
            size: if q.last_only { 0.0 } else { lots * q.lot },
            exchange,
        })
    }

    /// The quotes of the tick history: a change about every other second.
    pub fn quote_at(&self, t: i64) -> Option<GenQuote> {
        let q = &self.inst.quote;
        let key = self.key(self.inst);
        if q.last_only || unit(&[key, 0x81, t as u64]) >= 0.5 {
            return None;
        }
        let (bid, ask) = self.bid_ask(t);
        let (lo, hi) = q.size_lots;
        let size = |salt: u64| {
            q.lot
                * (f64::from(lo) + (unit(&[key, salt, t as u64]) * f64::from(hi - lo + 1)).floor())
        };
        Some(GenQuote {
            time: t,
            bid,
            ask,
            bid_size: size(0x82),
            ask_size: size(0x83),
        })
    }

    /// Up to `count` items `pick` finds, second by second through the
    /// sessions: forwards from `from`, or backwards from `to` (then
    /// returned oldest first). At most 30 days are searched.
    pub fn scan<T>(
        &self,
        rth: bool,
        from: Option<i64>,
        to: i64,
        count: usize,
        pick: impl Fn(i64) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        match from {
            Some(from) => {
                for s in history_time::sessions(self.inst, rth, from, from + 30 * DAY) {
                    for t in s.start.max(from)..s.end.min(to) {
                        if out.len() >= count {
                            return out;
                        }
                        out.extend(pick(t));
                    }
                }
            }
            None => {
                for s in history_time::last_sessions(self.inst, rth, to, 22)
                    .iter()
                    .rev()
                {
                    for t in (s.start..s.end.min(to)).rev() {
                        if out.len() >= count {
                            out.reverse();
                            return out;
                        }
                        out.extend(pick(t));
                    }
                }
                out.reverse();
            }
        }
        out
    }

    /// The earliest data there is (UTC seconds): listing dates derived from
    /// the instrument, at the first session's opening.
    pub fn head_timestamp(&self, rth: bool) -> i64 {
        let inst = self.inst;
        let date = |s: &str| -> Option<i64> {
            let y = s.get(..4)?.parse().ok()?;
            let m = s.get(4..6)?.parse().ok()?;
            let d = s.get(6..8)?.parse().ok()?;
            Some(crate::calendar::days_from_civil(y, m, d))
        };
        let key = self.key(inst);
        let day = match inst.sec_type {
            "STK" => {
                let h = (unit(&[key, 0x4E]) * 5000.0) as i64;
                crate::calendar::days_from_civil(1986, 1, 2) + h
            }
            "FUT" | "FOP" => date(&inst.last_trade_date).map_or(0, |d| d - 730),
            "OPT" => date(&inst.last_trade_date).map_or(0, |d| d - 270),
            "BOND" => inst
                .bond
                .as_ref()
                .and_then(|b| date(&b.issue_date))
                .unwrap_or(0),
            "CASH" => crate::calendar::days_from_civil(2005, 1, 3),
            _ => crate::calendar::days_from_civil(1997, 9, 9),
        };
        (day..day + 10)
            .find_map(|d| history_time::session_of(inst, rth, d))
            .map_or(day * DAY, |s| s.start)
    }

    /// The volume traded at each price of `[from, to)`: the 30-minute
    /// trade bars' volumes put at their closes, on a grid of at most 50
    /// prices.
    pub fn histogram(&self, rth: bool, from: i64, to: i64) -> Vec<(f64, f64)> {
        let bars = self.bars(Show::Trades, BarSize::Secs(1800), rth, from, to);
        let (lo, hi) = bars.iter().fold((f64::MAX, f64::MIN), |(lo, hi), b| {
            (lo.min(b.low), hi.max(b.high))
        });
        if bars.is_empty() {
            return Vec::new();
        }
        let inc = self.increment(lo);
        let steps = ((hi - lo) / inc / 50.0).ceil().max(1.0);
        let step = inc * steps;
        let mut cells: Vec<(f64, f64)> = Vec::new();
        for b in &bars {
            let price = round_to((b.close / step).round() * step, inc);
            match cells
                .iter_mut()
                .find(|(p, _)| (*p - price).abs() < inc / 2.0)
            {
                Some(cell) => cell.1 += b.volume.max(0.0),
                None => cells.push((price, b.volume.max(0.0))),
            }
        }
        cells.sort_by(|a, b| a.0.total_cmp(&b.0));
        cells
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::instruments::{Date, Instruments, AAPL_CON_ID};

    fn aapl() -> Instrument {
        let all = Instruments::build(Date {
            year: 2026,
            month: 11,
            day: 30,
        });
        all.get(all.index_of(AAPL_CON_ID).unwrap()).clone()
    }

    #[test]
    fn parses_request_texts() {
        assert_eq!(BarSize::parse("1 secs"), Some(BarSize::Secs(1)));
        assert_eq!(BarSize::parse("1 sec"), None);
        assert_eq!(BarSize::parse("1 month"), Some(BarSize::Month));
        assert_eq!(Span::parse("3 D"), Some(Span::Days(3)));
        for bad in ["3D", "3 d", "0 D", "-1 W", "D", "1 X"] {
            assert_eq!(Span::parse(bad), None, "{bad}");
        }
        assert_eq!(smallest_bar_secs(Span::Years(1)), DAY);
        assert_eq!(smallest_bar_secs(Span::Secs(1800)), 1);
        assert_eq!(smallest_bar_secs(Span::Days(1)), 60);
    }

    #[test]
    fn bars_are_deterministic_and_near_the_quote() {
        let inst = aapl();
        let paths = Paths {
            seed: 1,
            inst: &inst,
            under: None,
        };
        let end = history_time::parse_end("20261130 16:00:00 US/Eastern").unwrap();
        let start = Span::Days(1).start(&inst, true, end);
        let bars = paths.bars(Show::Trades, BarSize::Secs(3600), true, start, end);
        assert_eq!(bars.len(), 7, "09:30, 10:00 .. 15:00");
        assert_eq!(bars[0].start + 1800, bars[1].start);
        assert_eq!(
            bars,
            paths.bars(Show::Trades, BarSize::Secs(3600), true, start, end)
        );
        for b in &bars {
            assert!(b.low <= b.open && b.open <= b.high, "{b:?}");
            assert!(b.low <= b.close && b.close <= b.high, "{b:?}");
            assert!((b.close / 189.5 - 1.0).abs() < 0.5, "{b:?}");
            assert!(b.volume > 0.0 && b.count > 0);
        }
        let other = Paths { seed: 2, ..paths };
        assert_ne!(
            bars,
            other.bars(Show::Trades, BarSize::Secs(3600), true, start, end)
        );
        let mids = paths.bars(Show::Midpoint, BarSize::Secs(3600), true, start, end);
        assert_eq!(mids[0].volume, -1.0);
    }

    #[test]
    fn every_instrument_has_sane_history() {
        let all = Instruments::build(Date {
            year: 2026,
            month: 11,
            day: 30,
        });
        let end = history_time::parse_end("20261127 12:00:00 US/Eastern").unwrap();
        // Every instrument but most of the option chain (a few cover it).
        let few_options = all.all().iter().filter(|i| i.is_option()).step_by(17);
        let others = all.all().iter().filter(|i| !i.is_option());
        for inst in others.chain(few_options) {
            let under = inst
                .is_option()
                .then(|| all.get(all.index_of(inst.under_con_id).unwrap()));
            let paths = Paths {
                seed: 1,
                inst,
                under,
            };
            let show = if Show::Midpoint.available_for(inst) {
                Show::Midpoint
            } else {
                Show::Trades
            };
            for size in [BarSize::Day, BarSize::Secs(1800), BarSize::Week] {
                let start = Span::Months(1).start(inst, false, end);
                let bars = paths.bars(show, size, false, start, end);
                assert!(!bars.is_empty(), "{} {size:?}", inst.local_symbol);
                for b in &bars {
                    assert!(
                        b.low > 0.0 && b.low <= b.high,
                        "{}: {b:?}",
                        inst.local_symbol
                    );
                    assert!(
                        b.open >= b.low && b.open <= b.high,
                        "{}: {b:?}",
                        inst.local_symbol
                    );
                    assert!(
                        b.close >= b.low && b.close <= b.high,
                        "{}: {b:?}",
                        inst.local_symbol
                    );
                }
                assert!(bars.windows(2).all(|w| w[0].start < w[1].start));
            }
            let ticks = paths.scan(false, None, end, 20, |t| paths.quote_at(t));
            if !inst.quote.last_only {
                assert_eq!(ticks.len(), 20, "{}", inst.local_symbol);
                assert!(ticks.iter().all(|q| q.bid < q.ask), "{}", inst.local_symbol);
            }
        }
    }
}
