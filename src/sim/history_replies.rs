//! The historical requests' answers: validation with TWS's refusals, the
//! pacing check, then the messages the session version calls for (bars with
//! their end, or the end folded into the bars below server 196; schedules;
//! head timestamps; histograms; tick batches), and the keep-up-to-date
//! subscriptions' updates.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::protocol::contract::{decimal_text, Contract};
use crate::protocol::history::{
    Bar, HeadTimestamp, HistogramData, HistogramEntry, HistoricalData, HistoricalDataEnd,
    HistoricalDataUpdate, HistoricalSchedule, HistoricalSession, HistoricalTick,
    HistoricalTickBidAsk, HistoricalTickLast, HistoricalTicks, HistoricalTicksBidAsk,
    HistoricalTicksLast, ReqHeadTimestamp, ReqHistogramData, ReqHistoricalData, ReqHistoricalTicks,
};
use crate::protocol::{versions, Incoming};

use super::history::{smallest_bar_secs, BarSize, GenBar, Paths, Show, Span};
use super::history_time::{self, Zone};
use super::instruments::{Instrument, Instruments, Unresolved};
use super::market::{code, round_digits};
use super::market_replies::{error, query};
use super::pacing::{Paced, Pacer, Violation};

/// TWS's error codes of historical requests.
pub mod hcode {
    /// Historical Market Data Service error (pacing, no data, too long).
    pub const HMDS: i32 = 162;
    /// A pacing violation of a request with a real-time part (keep up to date).
    pub const REAL_TIME_QUERY: i32 = 420;
    /// A bad end (or start) date-time.
    pub const BAD_DATE: i32 = 10314;
}

const HMDS_PREFIX: &str = "Historical Market Data Service error message:";
const PACING: &str = "Historical data request pacing violation";
const BAR_SIZES: &str = "1 secs, 5 secs, 10 secs, 15 secs, 30 secs, 1 min, 2 mins, 3 mins, 5 mins, 10 mins, 15 mins, 20 mins, 30 mins, 1 hour, 2 hours, 3 hours, 4 hours, 8 hours, 1 day, 1W, 1M";
const BAD_END: &str = "End Date/Time: The date, time, or time-zone entered is invalid. The correct format is yyyymmdd hh:mm:ss xx/xxx where yyyymmdd and xx/xxx are optional. E.g.: 20031126 15:59:00 US/Eastern  Note that there is a space between the date and time, and between the time and time-zone.  If no date is specified, current date is assumed. If no time-zone is specified, local time-zone is assumed(deprecated).  You can also provide yyyymmddd-hh:mm:ss time is in UTC. Note that there is a dash between the date and time in UTC notation.";
/// Bars of at most this many seconds are paced (TWS: "small bars").
const PACED_BAR_SECS: i64 = 30;
/// The most ticks one reqHistoricalTicks returns.
pub const MAX_TICKS: i32 = 1000;

fn invalid(req_id: i32, cause: &str) -> Incoming {
    error(
        req_id,
        code::VALIDATION,
        &format!("Error validating request.-'bK' : cause - {cause}"),
    )
}

fn hmds(req_id: i32, what: &str) -> Incoming {
    error(req_id, hcode::HMDS, &format!("{HMDS_PREFIX}{what}"))
}

fn no_data(req_id: i32, inst: &Instrument, exchange: &str, show: Show) -> Incoming {
    let exchange = if exchange.trim().is_empty() {
        inst.exchange
    } else {
        exchange
    };
    hmds(
        req_id,
        &format!(
            "HMDS query returned no data: {}@{exchange} {}",
            inst.local_symbol,
            show.hmds_name()
        ),
    )
}

/// What the answers need from the session.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub instruments: &'a Instruments,
    pub seed: u64,
    pub version: i32,
    /// Now, unix seconds.
    pub now: i64,
    pub pacer: &'a Pacer,
    pub at: Instant,
}

impl<'a> Context<'a> {
    #[allow(clippy::result_large_err)] // the refusal is the message sent
    fn resolve(&self, req_id: i32, contract: &Contract) -> Result<&'a Instrument, Incoming> {
        match self.instruments.resolve(&query(contract)) {
            Ok(n) => Ok(self.instruments.get(n)),
            Err(Unresolved::Unknown) => Err(error(
                req_id,
                code::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            )),
            Err(Unresolved::Ambiguous) => Err(error(
                req_id,
                code::NO_SECURITY_DEFINITION,
                &format!(
                    "The contract description specified for {} is ambiguous.",
                    contract.symbol
                ),
            )),
        }
    }

    fn paths(&self, inst: &'a Instrument) -> Paths<'a> {
        let under = inst
            .is_option()
            .then(|| self.instruments.index_of(inst.under_con_id))
            .flatten()
            .map(|n| self.instruments.get(n));
        Paths {
            seed: self.seed,
            inst,
            under,
        }
    }

    /// The pacing check; the refusal when a rule is broken.
    fn pace(&self, req_id: i32, paced: &Paced, live: bool) -> Option<Incoming> {
        let broken = self.pacer.admit(paced, self.at).err()?;
        Some(refusal(req_id, broken, live))
    }
}

/// TWS's answer to a pacing violation: 162, or 420 for a request with a
/// real-time part (keep up to date).
fn refusal(req_id: i32, _broken: Violation, live: bool) -> Incoming {
    if live {
        error(
            req_id,
            hcode::REAL_TIME_QUERY,
            &format!("Invalid Real-time Query:{PACING}"),
        )
    } else {
        hmds(req_id, PACING)
    }
}

fn weight(what_to_show: &str) -> u32 {
    if what_to_show.trim().eq_ignore_ascii_case("BID_ASK") {
        2
    } else {
        1
    }
}

fn contract_key(inst: &Instrument, exchange: &str, what_to_show: &str) -> String {
    format!(
        "{}|{}|{}",
        inst.con_id,
        exchange.trim().to_ascii_uppercase(),
        what_to_show.trim().to_ascii_uppercase()
    )
}

/// A bar as TWS sends it.
fn wire_bar(bar: &GenBar, size: BarSize, zone: Zone, format_date: i32) -> Bar {
    let date = if !size.is_intraday() {
        history_time::ymd(bar.day)
    } else if format_date == 2 {
        bar.start.to_string()
    } else {
        history_time::text_time(zone, bar.start)
    };
    Bar {
        date,
        open: bar.open,
        high: bar.high,
        low: bar.low,
        close: bar.close,
        volume: decimal_text(bar.volume),
        wap: decimal_text(bar.wap),
        bar_count: bar.count,
    }
}

fn period_text(zone: Zone, utc: i64, format_date: i32) -> String {
    if format_date == 2 {
        utc.to_string()
    } else {
        history_time::text_time(zone, utc)
    }
}

/// A validated reqHistoricalData.
struct BarRequest<'a> {
    inst: &'a Instrument,
    show: Show,
    size: BarSize,
    span: Span,
    end: i64,
}

#[allow(clippy::result_large_err)] // the refusal is the message sent
fn validate<'a>(ctx: &Context<'a>, req: &ReqHistoricalData) -> Result<BarRequest<'a>, Incoming> {
    let id = req.req_id;
    let inst = ctx.resolve(id, &req.contract)?;
    let show = Show::parse(&req.what_to_show).ok_or_else(|| {
        invalid(
            id,
            &format!(
                "Historical data request for an invalid data type: {}",
                req.what_to_show
            ),
        )
    })?;
    let size = BarSize::parse(&req.bar_size_setting).ok_or_else(|| {
        invalid(
            id,
            &format!("Historical data bar size setting is invalid. Legal ones are: {BAR_SIZES}"),
        )
    })?;
    let span = Span::parse(&req.duration).ok_or_else(|| {
        invalid(
            id,
            &format!(
                "Historical data query duration string [{}] is invalid.  Format is 'integer{{SPACE}}unit' (S|D|W|M|Y).",
                req.duration
            ),
        )
    })?;
    match span {
        Span::Secs(n) if n > 86_400 => {
            return Err(invalid(id, "Historical data requests for durations longer than 86400 seconds must be made in days."))
        }
        Span::Days(n) if n > 365 => {
            return Err(invalid(id, "Historical data requests for durations longer than 365 days must be made in years."))
        }
        _ => {}
    }
    if !matches!(req.format_date, 1 | 2) {
        return Err(invalid(
            id,
            &format!("Date formatting selection of {} rejected", req.format_date),
        ));
    }
    let given_end = !req.end_date_time.trim().is_empty();
    if req.keep_up_to_date && given_end {
        return Err(invalid(id, "End date not supported with live updates"));
    }
    if show == Show::AdjustedLast && given_end {
        return Err(invalid(id, "End date not supported with adjusted last"));
    }
    if show == Show::AdjustedLast && matches!(size, BarSize::Week | BarSize::Month) {
        return Err(invalid(
            id,
            "Multi day bar size not supported with adjusted last",
        ));
    }
    let end = if given_end {
        history_time::parse_end(&req.end_date_time)
            .ok_or_else(|| error(id, hcode::BAD_DATE, BAD_END))?
            .min(ctx.now)
    } else {
        ctx.now
    };
    if show != Show::Schedule && size.nominal_secs() < smallest_bar_secs(span) {
        return Err(hmds(id, "Time length exceed max."));
    }
    Ok(BarRequest {
        inst,
        show,
        size,
        span,
        end,
    })
}

/// reqHistoricalData: the bars and their end (or the schedule), then, with
/// keep_up_to_date, a subscription to the last bar's updates.
pub fn historical_data(
    ctx: &Context<'_>,
    req: &ReqHistoricalData,
    updates: &mut Updates,
) -> Vec<Incoming> {
    let id = req.req_id;
    let r = match validate(ctx, req) {
        Ok(r) => r,
        Err(refusal) => return vec![refusal],
    };
    let exchange = req.contract.exchange.as_str();
    if !r.show.available_for(r.inst) {
        return vec![no_data(id, r.inst, exchange, r.show)];
    }
    let small = matches!(r.size, BarSize::Secs(s) if s <= PACED_BAR_SECS);
    if small || ctx.pacer.rules().all_bar_sizes {
        let paced = Paced {
            identity: format!(
                "bars|{:?}|{}|{}|{}|{}|{}|{}|{}",
                req.contract,
                req.end_date_time,
                req.bar_size_setting,
                req.duration,
                req.what_to_show,
                req.use_rth,
                req.format_date,
                req.keep_up_to_date
            ),
            contract_key: contract_key(r.inst, exchange, &req.what_to_show),
            weight: weight(&req.what_to_show),
            opens: req.keep_up_to_date,
        };
        if let Some(refusal) = ctx.pace(id, &paced, req.keep_up_to_date) {
            return vec![refusal];
        }
    } else if req.keep_up_to_date {
        if let Err(broken) = ctx.pacer.open_slot() {
            return vec![refusal(id, broken, true)];
        }
    }
    let zone = Zone::of(r.inst);
    let start = r.span.start(r.inst, req.use_rth, r.end);
    let paths = ctx.paths(r.inst);
    if r.show == Show::Schedule {
        return vec![schedule(id, r.inst, req.use_rth, start, r.end)];
    }
    let bars = paths.bars(r.show, r.size, req.use_rth, start, r.end);
    if bars.is_empty() {
        return vec![no_data(id, r.inst, exchange, r.show)];
    }
    let bars: Vec<Bar> = bars
        .iter()
        .map(|b| wire_bar(b, r.size, zone, req.format_date))
        .collect();
    let start_date = period_text(zone, start, req.format_date);
    let end_date = period_text(zone, r.end, req.format_date);
    let mut out = Vec::new();
    if ctx.version >= versions::HISTORICAL_DATA_END {
        out.push(Incoming::HistoricalData(HistoricalData {
            req_id: id,
            start_date: String::new(),
            end_date: String::new(),
            bars,
        }));
        out.push(Incoming::HistoricalDataEnd(HistoricalDataEnd {
            req_id: id,
            start_date,
            end_date,
        }));
    } else {
        out.push(Incoming::HistoricalData(HistoricalData {
            req_id: id,
            start_date,
            end_date,
            bars,
        }));
    }
    if req.keep_up_to_date {
        let index = ctx.instruments.index_of(r.inst.con_id).unwrap_or(0);
        updates.subs.insert(
            id,
            UpdateSub {
                index,
                show: r.show,
                size: r.size,
                rth: req.use_rth,
                format_date: req.format_date,
            },
        );
    }
    out
}

/// whatToShow SCHEDULE: the sessions of the period.
fn schedule(req_id: i32, inst: &Instrument, rth: bool, start: i64, end: i64) -> Incoming {
    let zone = Zone::of(inst);
    let sessions = history_time::sessions(inst, rth, start, end)
        .into_iter()
        .map(|s| HistoricalSession {
            start_date_time: history_time::dashed_time(zone, s.start),
            end_date_time: history_time::dashed_time(zone, s.end),
            ref_date: history_time::ymd(s.day),
        })
        .collect();
    Incoming::HistoricalSchedule(HistoricalSchedule {
        req_id,
        start_date_time: history_time::dashed_time(zone, start),
        end_date_time: history_time::dashed_time(zone, end),
        time_zone: zone.name().to_owned(),
        sessions,
    })
}

/// The keep-up-to-date subscription of one request.
#[derive(Debug, Clone)]
struct UpdateSub {
    index: usize,
    show: Show,
    size: BarSize,
    rth: bool,
    format_date: i32,
}

/// One connection's keep-up-to-date subscriptions.
#[derive(Debug, Default)]
pub struct Updates {
    subs: BTreeMap<i32, UpdateSub>,
}

impl Updates {
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// cancelHistoricalData: stops the updates (nothing is sent back).
    pub fn cancel(&mut self, req_id: i32, pacer: &Pacer) {
        if self.subs.remove(&req_id).is_some() {
            pacer.close(1);
        }
    }

    /// The connection ended: frees its open slots.
    pub fn close_all(&mut self, pacer: &Pacer) {
        pacer.close(self.subs.len());
        self.subs.clear();
    }

    /// An update of each subscription's last bar as of now (outside trading
    /// hours: the last session's last bar).
    pub fn step(&self, ctx: &Context<'_>) -> Vec<Incoming> {
        let mut out = Vec::new();
        for (&req_id, sub) in &self.subs {
            let inst = ctx.instruments.get(sub.index);
            let paths = ctx.paths(inst);
            let Some(session) = history_time::last_sessions(inst, sub.rth, ctx.now + 1, 1).pop()
            else {
                continue;
            };
            let until = (ctx.now + 1).min(session.end);
            let zone = Zone::of(inst);
            let from = match sub.size {
                BarSize::Secs(len) => {
                    let local = zone.to_local(until - 1);
                    let cell = local.div_euclid(len) * len;
                    (cell + (until - 1 - local)).max(session.start)
                }
                _ => session.start,
            };
            let bar = paths.bar(sub.show, from, until, from, session.day);
            out.push(Incoming::HistoricalDataUpdate(HistoricalDataUpdate {
                req_id,
                bar: wire_bar(&bar, sub.size, zone, sub.format_date),
            }));
        }
        out
    }
}

/// reqHeadTimeStamp: the earliest data of the kind.
pub fn head_timestamp(ctx: &Context<'_>, req: &ReqHeadTimestamp) -> Vec<Incoming> {
    let id = req.req_id;
    let inst = match ctx.resolve(id, &req.contract) {
        Ok(inst) => inst,
        Err(refusal) => return vec![refusal],
    };
    let show = match Show::parse(&req.what_to_show) {
        Some(show) if show != Show::Schedule => show,
        _ => {
            return vec![invalid(
                id,
                &format!(
                    "Historical data request for an invalid data type: {}",
                    req.what_to_show
                ),
            )]
        }
    };
    if !show.available_for(inst) {
        return vec![no_data(id, inst, &req.contract.exchange, show)];
    }
    let t = ctx.paths(inst).head_timestamp(req.use_rth);
    let head_timestamp = if req.format_date == 2 {
        t.to_string()
    } else {
        history_time::dashed_time(Zone::Utc, t)
    };
    vec![Incoming::HeadTimestamp(HeadTimestamp {
        req_id: id,
        head_timestamp,
    })]
}

/// A histogram period: `<n> days|weeks|months|years` (singular too).
fn histogram_period(text: &str) -> Option<i64> {
    let (n, unit) = text.trim().split_once(' ')?;
    let n: i64 = n.parse().ok().filter(|n| (1..=1000).contains(n))?;
    let days = match unit.trim().to_ascii_lowercase().as_str() {
        "day" | "days" => 1,
        "week" | "weeks" => 7,
        "month" | "months" => 30,
        "year" | "years" => 365,
        _ => return None,
    };
    Some(n * days * 86_400)
}

/// reqHistogramData: the volume at each price over the period.
pub fn histogram(ctx: &Context<'_>, req: &ReqHistogramData) -> Vec<Incoming> {
    let id = req.req_id;
    let inst = match ctx.resolve(id, &req.contract) {
        Ok(inst) => inst,
        Err(refusal) => return vec![refusal],
    };
    let Some(period) = histogram_period(&req.time_period) else {
        return vec![invalid(
            id,
            &format!("Histogram time period [{}] is invalid", req.time_period),
        )];
    };
    if !Show::Trades.available_for(inst) {
        return vec![no_data(id, inst, &req.contract.exchange, Show::Trades)];
    }
    let entries = ctx
        .paths(inst)
        .histogram(req.use_rth, ctx.now - period, ctx.now)
        .into_iter()
        .map(|(price, size)| HistogramEntry {
            price,
            size: decimal_text(size).into(),
        })
        .collect();
    vec![Incoming::HistogramData(HistogramData {
        req_id: id,
        entries,
    })]
}

/// reqHistoricalTicks: up to 1000 trades, quotes or midpoints from the start
/// (or up to the end), in one batch marked done.
pub fn historical_ticks(ctx: &Context<'_>, req: &ReqHistoricalTicks) -> Vec<Incoming> {
    let id = req.req_id;
    let inst = match ctx.resolve(id, &req.contract) {
        Ok(inst) => inst,
        Err(refusal) => return vec![refusal],
    };
    let show = match Show::parse(&req.what_to_show) {
        Some(s @ (Show::Trades | Show::BidAsk | Show::Midpoint)) => s,
        _ => {
            return vec![invalid(
                id,
                &format!(
                    "Historical ticks request for an invalid data type: {}. Legal ones are: TRADES, BID_ASK, MIDPOINT",
                    req.what_to_show
                ),
            )]
        }
    };
    // None: a bad date; Some(None): none given.
    let parse = |text: &str| -> Option<Option<i64>> {
        if text.trim().is_empty() {
            return Some(None);
        }
        history_time::parse_end(text).map(Some)
    };
    let (Some(start), Some(end)) = (parse(&req.start_date_time), parse(&req.end_date_time)) else {
        return vec![error(id, hcode::BAD_DATE, BAD_END)];
    };
    if !show.available_for(inst) {
        return vec![no_data(id, inst, &req.contract.exchange, show)];
    }
    let paced = Paced {
        identity: format!(
            "ticks|{:?}|{}|{}|{}|{}|{}|{}",
            req.contract,
            req.start_date_time,
            req.end_date_time,
            req.number_of_ticks,
            req.what_to_show,
            req.use_rth,
            req.ignore_size
        ),
        contract_key: contract_key(inst, &req.contract.exchange, &req.what_to_show),
        weight: weight(&req.what_to_show),
        opens: false,
    };
    if let Some(refusal) = ctx.pace(id, &paced, false) {
        return vec![refusal];
    }
    let count = req.number_of_ticks.clamp(1, MAX_TICKS) as usize;
    let to = end.unwrap_or(ctx.now).min(ctx.now);
    let paths = ctx.paths(inst);
    let rth = req.use_rth;
    let msg = match show {
        Show::Trades => Incoming::HistoricalTicksLast(HistoricalTicksLast {
            req_id: id,
            ticks: paths
                .scan(rth, start, to, count, |t| paths.trade_at(t))
                .into_iter()
                .map(|t| HistoricalTickLast {
                    time: t.time,
                    attrib: 0,
                    price: t.price,
                    size: decimal_text(t.size),
                    exchange: t.exchange.to_owned(),
                    special_conditions: String::new(),
                })
                .collect(),
            done: true,
        }),
        Show::BidAsk => Incoming::HistoricalTicksBidAsk(HistoricalTicksBidAsk {
            req_id: id,
            ticks: paths
                .scan(rth, start, to, count, |t| paths.quote_at(t))
                .into_iter()
                .map(|q| HistoricalTickBidAsk {
                    time: q.time,
                    attrib: 0,
                    price_bid: q.bid,
                    price_ask: q.ask,
                    size_bid: decimal_text(if req.ignore_size { 0.0 } else { q.bid_size }).into(),
                    size_ask: decimal_text(if req.ignore_size { 0.0 } else { q.ask_size }).into(),
                })
                .collect(),
            done: true,
        }),
        _ => Incoming::HistoricalTicks(HistoricalTicks {
            req_id: id,
            ticks: paths
                .scan(rth, start, to, count, |t| paths.quote_at(t))
                .into_iter()
                .map(|q| HistoricalTick {
                    time: q.time,
                    price: round_digits((q.bid + q.ask) / 2.0, 8),
                    size: "0".into(),
                })
                .collect(),
            done: true,
        }),
    };
    vec![msg]
}
