//! Market data, depth, tick-by-tick, real-time bars, the market data type
//! and the option calculations; the quote view (`tws_client_quote`), the
//! blocking snapshot quote, tick type names and error code names.
//!
//! Contracts, tag-value options, errors and request ids as in the
//! instruments section above. Subscriptions (streaming market data, depth,
//! tick-by-tick, real-time bars, the market data type) are recorded by the
//! client and re-issued after a reconnect or TWS's 1101 under the same id
//! until cancelled; snapshots and the option calculations are one-shot.
//! Tag-value options are `count` pairs `tags[i]` = `values[i]` (both arrays
//! may be NULL when `count` is 0); the strings are copied.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use crate::client::Quote;
use crate::protocol::error_codes::{describe, ErrorClass};
use crate::protocol::tick_types::tick_type_name;

use super::convert::class_code;
use super::instruments::{contract_arg, tag_values_arg};
use super::record::tws_record;
use super::result::tws_result;
use super::types::tws_error_class;
use super::{c_str, ms, put, tws_client, with_client};

/// reqMarketDataType: 1 live, 2 frozen, 3 delayed, 4 delayed frozen, for the
/// market data requested after it. A session setting, re-issued after a
/// reconnect. Any other value: TWS_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_market_data_type(
    client: *mut tws_client,
    market_data_type: i32,
) -> tws_result {
    with_client(client, |c| {
        Ok(c.inner.req_market_data_type(market_data_type)?)
    })
}

/// reqMktData: the ticks of `contract` tagged `req_id`: TWS_EVENT_TICK_PRICE,
/// TWS_EVENT_TICK_SIZE, TWS_EVENT_TICK_STRING, TWS_EVENT_TICK_GENERIC, ...
/// (their `tick_type`: `tws_tick_type_name`). `generic_ticks` is a
/// comma-separated list of generic tick ids ("" for the default set, e.g.
/// "233" for RT volume). A streaming request (`snapshot` and
/// `regulatory_snapshot` false) is a subscription with a quote view
/// (`tws_client_quote`); a snapshot ends with TWS_EVENT_TICK_SNAPSHOT_END
/// and is not re-issued. TWS answers an unknown instrument with error 200,
/// a missing subscription with 354 (or delayed data with 10167), too many
/// lines with 101.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_mkt_data(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    generic_ticks: *const c_char,
    snapshot: bool,
    regulatory_snapshot: bool,
    option_tags: *const *const c_char,
    option_values: *const *const c_char,
    option_count: usize,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let generic_ticks = c_str(generic_ticks, "generic_ticks")?;
        let options = tag_values_arg(option_tags, option_values, option_count)?;
        Ok(c.inner.req_mkt_data(
            req_id,
            &contract,
            generic_ticks,
            snapshot,
            regulatory_snapshot,
            &options,
        )?)
    })
}

/// cancelMktData: ends the market data of `req_id` and its quote view.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_mkt_data(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_mkt_data(req_id)?))
}

/// reqMktDepth: `num_rows` levels of the book of `contract` as
/// TWS_EVENT_UPDATE_MKT_DEPTH (TWS_EVENT_UPDATE_MKT_DEPTH_L2 with the market
/// maker) tagged `req_id`; `smart_depth` aggregates over exchanges (server
/// version 146+). A subscription. Errors from TWS: 309 (too many depth
/// requests), 317 (the book was reset: clear it).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_mkt_depth(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    num_rows: i32,
    smart_depth: bool,
    option_tags: *const *const c_char,
    option_values: *const *const c_char,
    option_count: usize,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let options = tag_values_arg(option_tags, option_values, option_count)?;
        Ok(c.inner
            .req_mkt_depth(req_id, &contract, num_rows, smart_depth, &options)?)
    })
}

/// cancelMktDepth (`smart_depth` as in the request).
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_mkt_depth(
    client: *mut tws_client,
    req_id: i32,
    smart_depth: bool,
) -> tws_result {
    with_client(client, |c| {
        Ok(c.inner.cancel_mkt_depth(req_id, smart_depth)?)
    })
}

/// reqTickByTickData: every trade ("Last", "AllLast"), quote ("BidAsk") or
/// midpoint ("MidPoint") of `contract` as they happen, after
/// `number_of_ticks` historical ones; `ignore_size` skips quotes that only
/// change size. Server version 140+ (TWS_ERR_NOT_SUPPORTED before). A
/// subscription.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_tick_by_tick_data(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    tick_type: *const c_char,
    number_of_ticks: i32,
    ignore_size: bool,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let tick_type = c_str(tick_type, "tick_type")?;
        Ok(c.inner.req_tick_by_tick_data(
            req_id,
            &contract,
            tick_type,
            number_of_ticks,
            ignore_size,
        )?)
    })
}

/// cancelTickByTickData: ends the tick-by-tick stream `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_tick_by_tick_data(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_tick_by_tick_data(req_id)?))
}

/// reqRealTimeBars: 5-second bars (`bar_size` 5) of `what_to_show`
/// ("TRADES", "BID", "ASK", "MIDPOINT") of `contract` as
/// TWS_EVENT_REALTIME_BAR tagged `req_id`; `use_rth` keeps regular trading
/// hours only. A subscription.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_real_time_bars(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    bar_size: i32,
    what_to_show: *const c_char,
    use_rth: bool,
    option_tags: *const *const c_char,
    option_values: *const *const c_char,
    option_count: usize,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let what = c_str(what_to_show, "what_to_show")?;
        let options = tag_values_arg(option_tags, option_values, option_count)?;
        Ok(c.inner
            .req_real_time_bars(req_id, &contract, bar_size, what, use_rth, &options)?)
    })
}

/// cancelRealTimeBars: ends the bars of `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_real_time_bars(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_real_time_bars(req_id)?))
}

/// calculateImpliedVolatility: one TWS_EVENT_TICK_OPTION_COMPUTATION tagged
/// `req_id` with the implied volatility of the option `contract` at
/// `option_price`, the underlying at `under_price`. One-shot.
#[no_mangle]
pub unsafe extern "C" fn tws_client_calculate_implied_volatility(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    option_price: f64,
    under_price: f64,
    option_tags: *const *const c_char,
    option_values: *const *const c_char,
    option_count: usize,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let options = tag_values_arg(option_tags, option_values, option_count)?;
        Ok(c.inner.calculate_implied_volatility(
            req_id,
            &contract,
            option_price,
            under_price,
            &options,
        )?)
    })
}

/// cancelCalculateImpliedVolatility.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_calculate_implied_volatility(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| {
        Ok(c.inner.cancel_calculate_implied_volatility(req_id)?)
    })
}

/// calculateOptionPrice: one TWS_EVENT_TICK_OPTION_COMPUTATION tagged
/// `req_id` with the price of the option `contract` at `volatility`, the
/// underlying at `under_price`. One-shot.
#[no_mangle]
pub unsafe extern "C" fn tws_client_calculate_option_price(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
    volatility: f64,
    under_price: f64,
    option_tags: *const *const c_char,
    option_values: *const *const c_char,
    option_count: usize,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let options = tag_values_arg(option_tags, option_values, option_count)?;
        Ok(c.inner
            .calculate_option_price(req_id, &contract, volatility, under_price, &options)?)
    })
}

/// cancelCalculateOptionPrice.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_calculate_option_price(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| {
        Ok(c.inner.cancel_calculate_option_price(req_id)?)
    })
}

// ---- the quote view ------------------------------------------------------------

/// The room for a size's exact decimal text in `tws_quote`, NUL included.
pub const TWS_QUOTE_SIZE_LEN: usize = 48;

/// The latest quote of one market-data request (`tws_client_quote`,
/// `tws_client_snapshot_quote`). The caller allocates it; libtws fills all
/// of it. A value is present when its `has_` flag is true; an absent value
/// (TWS sent none yet, or IB's "no price" -1) reads as 0 / "". Sizes are the
/// exact decimal text TWS sent ("300", "0.5"); a size text longer than
/// TWS_QUOTE_SIZE_LEN - 1 bytes (no real decimal is) reads as absent.
/// Delayed ticks (DELAYED_BID 66 ...) fill the same fields as their live
/// twins. Its layout is fixed within ABI 1 (callers allocate it).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_quote {
    pub bid: f64,
    pub has_bid: bool,
    pub ask: f64,
    pub has_ask: bool,
    pub last: f64,
    pub has_last: bool,
    pub high: f64,
    pub has_high: bool,
    pub low: f64,
    pub has_low: bool,
    /// The previous day's close.
    pub close: f64,
    pub has_close: bool,
    pub open: f64,
    pub has_open: bool,
    pub bid_size: [c_char; TWS_QUOTE_SIZE_LEN],
    pub has_bid_size: bool,
    pub ask_size: [c_char; TWS_QUOTE_SIZE_LEN],
    pub has_ask_size: bool,
    pub last_size: [c_char; TWS_QUOTE_SIZE_LEN],
    pub has_last_size: bool,
    /// The day's volume.
    pub volume: [c_char; TWS_QUOTE_SIZE_LEN],
    pub has_volume: bool,
    /// The time of the last trade, unix seconds (tick LAST_TIMESTAMP).
    pub last_time: i64,
    pub has_last_time: bool,
    /// Tick HALTED: 0 not halted, 1 halted, 2 volatility halt.
    pub halted: i32,
    pub has_halted: bool,
    /// 1 live, 2 frozen, 3 delayed, 4 delayed frozen.
    pub market_data_type: i32,
    pub has_market_data_type: bool,
    /// Ticks folded in so far: grows with every update, so two reads with
    /// the same value saw the same quote.
    pub updated_at: u64,
}

fn size_text(value: &Option<String>) -> ([c_char; TWS_QUOTE_SIZE_LEN], bool) {
    let mut out = [0 as c_char; TWS_QUOTE_SIZE_LEN];
    match value {
        Some(s) if s.len() < TWS_QUOTE_SIZE_LEN && !s.contains('\0') => {
            for (o, b) in out.iter_mut().zip(s.bytes()) {
                *o = b as c_char;
            }
            (out, true)
        }
        _ => (out, false),
    }
}

fn quote_view(q: &Quote) -> tws_quote {
    let p = |v: Option<f64>| (v.unwrap_or(0.0), v.is_some());
    let (bid, has_bid) = p(q.bid);
    let (ask, has_ask) = p(q.ask);
    let (last, has_last) = p(q.last);
    let (high, has_high) = p(q.high);
    let (low, has_low) = p(q.low);
    let (close, has_close) = p(q.close);
    let (open, has_open) = p(q.open);
    let (bid_size, has_bid_size) = size_text(&q.bid_size);
    let (ask_size, has_ask_size) = size_text(&q.ask_size);
    let (last_size, has_last_size) = size_text(&q.last_size);
    let (volume, has_volume) = size_text(&q.volume);
    tws_quote {
        bid,
        has_bid,
        ask,
        has_ask,
        last,
        has_last,
        high,
        has_high,
        low,
        has_low,
        close,
        has_close,
        open,
        has_open,
        bid_size,
        has_bid_size,
        ask_size,
        has_ask_size,
        last_size,
        has_last_size,
        volume,
        has_volume,
        last_time: q.last_time.unwrap_or(0),
        has_last_time: q.last_time.is_some(),
        halted: q.halted.unwrap_or(0),
        has_halted: q.halted.is_some(),
        market_data_type: q.market_data_type.unwrap_or(0),
        has_market_data_type: q.market_data_type.is_some(),
        updated_at: q.updated_at,
    }
}

/// Writes the latest quote of the streaming market-data request `req_id`
/// (`tws_client_req_mkt_data` without snapshot) to `*out`. The reader
/// thread keeps it up to date before each tick is queued, so it follows the
/// market whether or not the events are drained. Any thread, any time.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT when no such
/// subscription is live (never requested, cancelled, or a snapshot).
#[no_mangle]
pub unsafe extern "C" fn tws_client_quote(
    client: *mut tws_client,
    req_id: i32,
    out: *mut tws_quote,
) -> tws_result {
    with_client(client, |c| {
        if out.is_null() {
            return Err(super::result::Failure::null("out"));
        }
        let q = c.inner.quote(req_id).ok_or_else(|| {
            super::result::Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                format!("no live market-data subscription has request id {req_id}"),
            )
        })?;
        put(out, "out", quote_view(&q))
    })
}

/// Blocking: a one-shot snapshot of `contract` (reqMktData with snapshot
/// under a reserved id; its ticks never appear as events), waiting for
/// tickSnapshotEnd (at most `timeout_ms`), written to `*out`.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT and TWS_ERR_REQUEST_FAILED
/// (`tws_last_tws_error_code`: 200 for an unknown instrument, 354 without a
/// subscription). `*out` is left unchanged on failure.
#[no_mangle]
pub unsafe extern "C" fn tws_client_snapshot_quote(
    client: *mut tws_client,
    contract: *const tws_record,
    timeout_ms: u32,
    out: *mut tws_quote,
) -> tws_result {
    with_client(client, |c| {
        if out.is_null() {
            return Err(super::result::Failure::null("out"));
        }
        let contract = contract_arg(contract)?;
        let q = c.inner.snapshot_quote(&contract, ms(timeout_ms))?;
        put(out, "out", quote_view(&q))
    })
}

// ---- names ------------------------------------------------------------------------

/// NUL-terminated copies of static names, made once.
fn c_names(names: impl Iterator<Item = &'static str>) -> Vec<CString> {
    names.map(|n| CString::new(n).unwrap_or_default()).collect()
}

/// IB's name of tick type `tick_type` ("BID", "ASK_SIZE", "DELAYED_LAST",
/// "LAST_TIMESTAMP", ...), or "UNKNOWN" for a number no tick type has.
/// Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_tick_type_name(tick_type: i32) -> *const c_char {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    let names = NAMES.get_or_init(|| c_names((0..).map_while(tick_type_name)));
    usize::try_from(tick_type)
        .ok()
        .and_then(|i| names.get(i))
        .map_or(c"UNKNOWN".as_ptr(), |n| n.as_ptr())
}

/// The name libtws gives TWS's error code `code` ("NO_SECURITY_DEFINITION"
/// for 200, "MARKET_DATA_NOT_SUBSCRIBED" for 354, "MAX_TICKERS" for 101,
/// ...), or NULL for a code without one. Static storage.
#[no_mangle]
pub extern "C" fn tws_error_code_name(code: i32) -> *const c_char {
    static NAMES: OnceLock<Vec<(i32, CString, CString)>> = OnceLock::new();
    known(&NAMES, code).map_or(std::ptr::null(), |(_, n, _)| n.as_ptr())
}

/// What TWS's error code `code` means, in a few words ("no security
/// definition found for the request" for 200), or NULL for a code without
/// a description. Static storage.
#[no_mangle]
pub extern "C" fn tws_error_code_meaning(code: i32) -> *const c_char {
    static NAMES: OnceLock<Vec<(i32, CString, CString)>> = OnceLock::new();
    known(&NAMES, code).map_or(std::ptr::null(), |(_, _, m)| m.as_ptr())
}

/// The class of TWS's error code `code` (`TWS_ERROR_CLASS_ERROR`,
/// `_WARNING`, `_NOTICE`, `_CONNECTIVITY`): the same classification as
/// `tws_error_event.error_class`, for any code.
#[no_mangle]
pub extern "C" fn tws_error_code_class(code: i32) -> tws_error_class {
    let class: ErrorClass = crate::protocol::classify(code);
    class_code(class)
}

fn known(
    table: &'static OnceLock<Vec<(i32, CString, CString)>>,
    code: i32,
) -> Option<&'static (i32, CString, CString)> {
    let table = table.get_or_init(|| {
        crate::protocol::error_codes::KNOWN
            .iter()
            .map(|k| {
                let c = |s: &str| CString::new(s).unwrap_or_default();
                (k.code, c(k.name), c(k.meaning))
            })
            .collect()
    });
    describe(code)?;
    table.iter().find(|(c, _, _)| *c == code)
}
