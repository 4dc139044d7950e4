//! Historical data: bars (with keep-up-to-date updates), head timestamps,
//! histograms, historical ticks and trading schedules; their blocking
//! calls (returning `tws_messages`); `tws_bar`, the typed view of a bar;
//! and `tws_parse_hist_time`, the dates and times of history as UTC epoch
//! seconds.
//!
//! Every history request goes through the historical-data pacing
//! (`tws_options_set_history_pacing`): one that would break TWS's pacing
//! rules waits (the call returns once it is sent), and a blocking call's
//! timeout covers that wait (TWS_ERR_TIMEOUT, nothing sent). Arguments and
//! errors as for the instrument requests (contract records, request ids,
//! strings).

use std::ffi::c_char;

use crate::client::{HistTime, TickHistory};
use crate::protocol::history::{
    HeadTimestamp, HistogramData, HistoricalData, HistoricalTicks, HistoricalTicksBidAsk,
    HistoricalTicksLast,
};
use crate::protocol::Incoming;

use super::fields::tws_event_field_by_name;
use super::fields::{tws_field, tws_field_kind};
use super::instruments::{blocking, contract_arg, tws_messages};
use super::record::tws_record;
use super::result::{boundary, tws_result, Failure};
use super::types::tws_event;
use super::types::tws_event_type;
use super::{c_str, ms, put, tws_client, with_client};

// ---- requests ----------------------------------------------------------------------

/// reqHistoricalData: the bars of `contract` over `duration` ("1 D", "2 W",
/// "1 Y", ...) of `bar_size` ("1 min", "1 hour", "1 day", ...) up to `end`
/// ("yyyymmdd hh:mm:ss[ zone]", "" for now) of `what_to_show` (TRADES,
/// MIDPOINT, BID, ASK, BID_ASK, ...), as TWS_EVENT_HISTORICAL_DATA (its bars:
/// `tws_event_bar`) then TWS_EVENT_HISTORICAL_DATA_END tagged `req_id` (below
/// server 196 the end is inside the last TWS_EVENT_HISTORICAL_DATA: its
/// `end_date` is set). `format_date` 1 gives text dates, 2 epoch seconds.
/// With `keep_up_to_date` (`end` must be "") TWS_EVENT_HISTORICAL_DATA_UPDATE
/// events follow until `tws_client_cancel_historical_data`: a subscription,
/// re-issued after a reconnect or a 1101. Without it, one-shot. TWS refuses
/// a bad combination with a TWS_EVENT_ERROR for `req_id` (e.g. 321, 162).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_historical_data(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    end: *const c_char,
    duration: *const c_char,
    bar_size: *const c_char,
    what_to_show: *const c_char,
    use_rth: bool,
    format_date: i32,
    keep_up_to_date: bool,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        Ok(c.inner.req_historical_data(
            req_id,
            &contract,
            c_str(end, "end")?,
            c_str(duration, "duration")?,
            c_str(bar_size, "bar_size")?,
            c_str(what_to_show, "what_to_show")?,
            use_rth,
            format_date,
            keep_up_to_date,
        )?)
    })
}

/// cancelHistoricalData: ends request `req_id` (a keep-up-to-date one is
/// forgotten: not re-issued after a reconnect).
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_historical_data(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_historical_data(req_id)?))
}

/// reqHeadTimeStamp: the earliest data of `what_to_show` for `contract`, as
/// one TWS_EVENT_HEAD_TIMESTAMP (`head_timestamp`: "yyyymmdd-hh:mm:ss" UTC
/// with `format_date` 1, epoch seconds with 2).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_head_timestamp(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    what_to_show: *const c_char,
    use_rth: bool,
    format_date: i32,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let what = c_str(what_to_show, "what_to_show")?;
        Ok(c.inner
            .req_head_timestamp(req_id, &contract, what, use_rth, format_date)?)
    })
}

/// cancelHeadTimeStamp.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_head_timestamp(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_head_timestamp(req_id)?))
}

/// reqHistogramData: the volume traded at each price of `contract` over
/// `time_period` ("3 days", "1 weeks", ...), as one TWS_EVENT_HISTOGRAM_DATA
/// (`entries[i].price`, `entries[i].size`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_histogram_data(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    use_rth: bool,
    time_period: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let period = c_str(time_period, "time_period")?;
        Ok(c.inner
            .req_histogram_data(req_id, &contract, use_rth, period)?)
    })
}

/// cancelHistogramData.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_histogram_data(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_histogram_data(req_id)?))
}

/// reqHistoricalTicks: up to `number_of_ticks` (at most 1000) ticks of
/// `contract` from `start` or up to `end` (give one, the other ""), as
/// TWS_EVENT_HISTORICAL_TICKS (MIDPOINT), TWS_EVENT_HISTORICAL_TICKS_BID_ASK
/// (BID_ASK) or TWS_EVENT_HISTORICAL_TICKS_LAST (TRADES) batches tagged
/// `req_id` (`ticks[i].time`, `ticks[i].price`, ...), the last with `done`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_historical_ticks(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    start: *const c_char,
    end: *const c_char,
    number_of_ticks: i32,
    what_to_show: *const c_char,
    use_rth: bool,
    ignore_size: bool,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        Ok(c.inner.req_historical_ticks(
            req_id,
            &contract,
            c_str(start, "start")?,
            c_str(end, "end")?,
            number_of_ticks,
            c_str(what_to_show, "what_to_show")?,
            use_rth,
            ignore_size,
        )?)
    })
}

/// cancelHistoricalTicks. Server version 215+ (TWS_ERR_NOT_SUPPORTED before).
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_historical_ticks(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_historical_ticks(req_id)?))
}

// ---- blocking calls ------------------------------------------------------------------

/// Blocking: the bars of `contract` (reqHistoricalData under a reserved id,
/// text dates, no updates; arguments as for
/// `tws_client_req_historical_data`), every one up to the end marker, at
/// most `timeout_ms` (the pacing wait included). On success `*out` holds one
/// "HistoricalData" message with every bar: read them with `tws_event_bar`
/// on `tws_messages_at(out, 0)` (`bars` is their count), or by name
/// (`bars[3].close`). The bars never appear as events. On failure `*out` is
/// NULL. Errors: as for requests, plus TWS_ERR_TIMEOUT (also when the
/// pacing would hold it past the timeout: then it is not sent) and
/// TWS_ERR_REQUEST_FAILED (TWS refused it: `tws_last_tws_error_code`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_historical_bars(
    client: *mut tws_client,
    contract: *const tws_record,
    end: *const c_char,
    duration: *const c_char,
    bar_size: *const c_char,
    what_to_show: *const c_char,
    use_rth: bool,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let contract = contract_arg(contract)?;
        let bars = c.inner.historical_bars(
            &contract,
            c_str(end, "end")?,
            c_str(duration, "duration")?,
            c_str(bar_size, "bar_size")?,
            c_str(what_to_show, "what_to_show")?,
            use_rth,
            ms(timeout_ms),
        )?;
        Ok(vec![Incoming::HistoricalData(HistoricalData {
            req_id: 0,
            start_date: String::new(),
            end_date: String::new(),
            bars,
        })])
    })
}

/// Blocking: the head timestamp of `contract` (reqHeadTimeStamp under a
/// reserved id), at most `timeout_ms`. On success `*out` holds one
/// "HeadTimestamp" message (`head_timestamp`, "yyyymmdd-hh:mm:ss" UTC as TWS
/// sent it: `tws_parse_hist_time` reads it). Errors: as for
/// `tws_client_historical_bars`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_head_timestamp(
    client: *mut tws_client,
    contract: *const tws_record,
    what_to_show: *const c_char,
    use_rth: bool,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let contract = contract_arg(contract)?;
        let what = c_str(what_to_show, "what_to_show")?;
        let head = c
            .inner
            .head_timestamp(&contract, what, use_rth, ms(timeout_ms))?;
        Ok(vec![Incoming::HeadTimestamp(HeadTimestamp {
            req_id: 0,
            head_timestamp: head.text,
        })])
    })
}

/// Blocking: the histogram of `contract` over `time_period`
/// (reqHistogramData under a reserved id), at most `timeout_ms`. On success
/// `*out` holds one "HistogramData" message (`entries`, `entries[i].price`,
/// `entries[i].size`). Errors: as for `tws_client_historical_bars`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_histogram(
    client: *mut tws_client,
    contract: *const tws_record,
    use_rth: bool,
    time_period: *const c_char,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let contract = contract_arg(contract)?;
        let period = c_str(time_period, "time_period")?;
        let entries = c
            .inner
            .histogram(&contract, use_rth, period, ms(timeout_ms))?;
        Ok(vec![Incoming::HistogramData(HistogramData {
            req_id: 0,
            entries,
        })])
    })
}

/// Blocking: historical ticks (reqHistoricalTicks under a reserved id,
/// arguments as for `tws_client_req_historical_ticks`), every batch up to
/// the one marked done, at most `timeout_ms`. On success `*out` holds one
/// message with every tick: "HistoricalTicks" (MIDPOINT),
/// "HistoricalTicksBidAsk" (BID_ASK) or "HistoricalTicksLast" (TRADES), its
/// `done` set (`ticks`, `ticks[i].time`, `ticks[i].price`, ...). Errors: as
/// for `tws_client_historical_bars`; TWS_ERR_INVALID_ARGUMENT for another
/// `what_to_show`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_historical_ticks(
    client: *mut tws_client,
    contract: *const tws_record,
    start: *const c_char,
    end: *const c_char,
    number_of_ticks: i32,
    what_to_show: *const c_char,
    use_rth: bool,
    ignore_size: bool,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let contract = contract_arg(contract)?;
        let ticks = c.inner.historical_ticks(
            &contract,
            c_str(start, "start")?,
            c_str(end, "end")?,
            number_of_ticks,
            c_str(what_to_show, "what_to_show")?,
            use_rth,
            ignore_size,
            ms(timeout_ms),
        )?;
        Ok(vec![match ticks {
            TickHistory::Midpoint(ticks) => Incoming::HistoricalTicks(HistoricalTicks {
                req_id: 0,
                ticks,
                done: true,
            }),
            TickHistory::BidAsk(ticks) => Incoming::HistoricalTicksBidAsk(HistoricalTicksBidAsk {
                req_id: 0,
                ticks,
                done: true,
            }),
            TickHistory::Trades(ticks) => Incoming::HistoricalTicksLast(HistoricalTicksLast {
                req_id: 0,
                ticks,
                done: true,
            }),
        }])
    })
}

/// Blocking: the trading schedule of `contract` over `duration` up to `end`
/// (reqHistoricalData with what-to-show SCHEDULE under a reserved id, server
/// 165+), at most `timeout_ms`. On success `*out` holds one
/// "HistoricalSchedule" message (`time_zone`, `sessions`,
/// `sessions[i].start_date_time`, `sessions[i].end_date_time`,
/// `sessions[i].ref_date`). Errors: as for `tws_client_historical_bars`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_historical_schedule(
    client: *mut tws_client,
    contract: *const tws_record,
    end: *const c_char,
    duration: *const c_char,
    use_rth: bool,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let contract = contract_arg(contract)?;
        let schedule = c.inner.historical_schedule(
            &contract,
            c_str(end, "end")?,
            c_str(duration, "duration")?,
            use_rth,
            ms(timeout_ms),
        )?;
        Ok(vec![Incoming::HistoricalSchedule(schedule)])
    })
}

// ---- the typed bar view and times ------------------------------------------------------

/// One bar of historical data (`tws_event_bar`). Its strings are borrowed
/// from the event: valid exactly as long as the event's own strings.
#[repr(C)]
pub struct tws_bar {
    /// The bar's date or time as TWS sent it ("20261130", "20261130 10:00:00
    /// US/Eastern", or epoch seconds with format date 2). Never NULL.
    pub date: *const c_char,
    /// `date` as UTC epoch seconds (`tws_parse_hist_time` with no default
    /// zone: a time naming no zone, and a bare date's midnight, read as
    /// UTC); INT64_MIN when it cannot be read.
    pub time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// The volume, exact decimal text ("" when TWS left it unset). Never NULL.
    pub volume: *const c_char,
    /// The volume-weighted average price, exact decimal text. Never NULL.
    pub wap: *const c_char,
    /// Trades in the bar.
    pub bar_count: i32,
}

/// Reads bar `index` (from 0) of a TWS_EVENT_HISTORICAL_DATA event (or of
/// the message of `tws_client_historical_bars`), or the bar of a
/// TWS_EVENT_HISTORICAL_DATA_UPDATE (`index` 0), into `*out`.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT for another
/// event type or an index out of range.
#[no_mangle]
pub unsafe extern "C" fn tws_event_bar(
    event: *const tws_event,
    index: usize,
    out: *mut tws_bar,
) -> tws_result {
    boundary(
        || {},
        || {
            // SAFETY: by contract NULL or a live event from poll, the
            // callback or tws_messages_at.
            let ev = unsafe { event.as_ref() }.ok_or_else(|| Failure::null("event"))?;
            if out.is_null() {
                return Err(Failure::null("out"));
            }
            let prefix = if ev.r#type == tws_event_type::TWS_EVENT_HISTORICAL_DATA as i32 {
                format!("bars[{index}].")
            } else if ev.r#type == tws_event_type::TWS_EVENT_HISTORICAL_DATA_UPDATE as i32
                && index == 0
            {
                "bar.".to_owned()
            } else {
                return Err(Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!(
                        "event type {} holds no bar {index} (historicalData or historicalDataUpdate)",
                        ev.r#type
                    ),
                ));
            };
            let field = |name: &str| -> Result<tws_field, Failure> {
                let full = std::ffi::CString::new(format!("{prefix}{name}"))
                    .map_err(|_| Failure::new(tws_result::TWS_ERR_INVALID_ARGUMENT, "name"))?;
                let mut f = tws_field {
                    name: std::ptr::null(),
                    kind: tws_field_kind::TWS_FIELD_INT as i32,
                    present: false,
                    int_value: 0,
                    double_value: 0.0,
                    string_value: std::ptr::null(),
                };
                // SAFETY: `event` is live (checked above), `full` is a
                // NUL-terminated name living for the call, `f` a valid out.
                let rc = unsafe { tws_event_field_by_name(event, full.as_ptr(), &mut f) };
                if rc != tws_result::TWS_OK {
                    return Err(Failure::new(
                        tws_result::TWS_ERR_INVALID_ARGUMENT,
                        format!("no bar {index} in this event"),
                    ));
                }
                Ok(f)
            };
            let date = field("date")?.string_value;
            // SAFETY: a field's string is never NULL and NUL-terminated,
            // owned by the event.
            let text = unsafe { std::ffi::CStr::from_ptr(date) }.to_string_lossy();
            let bar = tws_bar {
                date,
                time: HistTime::parse(&text, "").map_or(i64::MIN, |t| t.epoch),
                open: field("open")?.double_value,
                high: field("high")?.double_value,
                low: field("low")?.double_value,
                close: field("close")?.double_value,
                volume: field("volume")?.string_value,
                wap: field("wap")?.string_value,
                bar_count: field("bar_count")?.int_value as i32,
            };
            put(out, "out", bar)?;
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Parses a date or time of historical data ("yyyymmdd", "yyyymmdd
/// hh:mm:ss", "yyyymmdd hh:mm:ss Zone", "yyyymmdd-hh:mm:ss" UTC, or epoch
/// seconds) into UTC epoch seconds in `*epoch`. A time naming no zone is
/// read in `default_zone` ("" = UTC). Zones: the ones TWS names (US/Eastern,
/// America/New_York, US/Central, US/Pacific, Europe/London, Europe/Berlin,
/// Asia/Tokyo, Asia/Hong_Kong, UTC, GMT, ...) with their daylight-saving
/// rules. Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_UTF8;
/// TWS_ERR_INVALID_ARGUMENT when it is none of these forms or names a zone
/// libtws does not know.
#[no_mangle]
pub unsafe extern "C" fn tws_parse_hist_time(
    text: *const c_char,
    default_zone: *const c_char,
    epoch: *mut i64,
) -> tws_result {
    boundary(
        || {},
        || {
            let t = c_str(text, "text")?;
            let zone = c_str(default_zone, "default_zone")?;
            let parsed = HistTime::parse(t, zone).ok_or_else(|| {
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!(
                        "{t:?} is not a date or time of historical data (or its zone is unknown)"
                    ),
                )
            })?;
            put(epoch, "epoch", parsed.epoch)?;
            Ok(tws_result::TWS_OK)
        },
    )
}
