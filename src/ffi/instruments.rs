//! Instruments: contracts as request arguments, contract details, matching
//! symbols, option parameters, market rules, SMART components, depth
//! exchanges and family codes; their blocking calls; and `tws_messages`, the
//! handle of the rows a blocking call returns, read with the generic
//! accessor's names.
//!
//! A request that takes a contract takes `const tws_record *contract`: a
//! record from `tws_record_new("Contract", ...)` (or the one-liner
//! `tws_record_new_contract`), whose fields are set by name. Every request
//! fails with TWS_ERR_NULL_ARGUMENT, TWS_ERR_NOT_CONNECTED, TWS_ERR_IO or
//! TWS_ERR_CONNECTION_CLOSED as the other requests do; with strings also
//! TWS_ERR_INVALID_UTF8 and TWS_ERR_INVALID_CHARACTER; with a contract also
//! TWS_ERR_INVALID_ARGUMENT when `contract` is not a "Contract" record.
//! Request ids as everywhere: 0 to 0x6FFF_FFFF, a negative or reserved id is
//! TWS_ERR_INVALID_ARGUMENT, an id a live subscription or blocking call
//! holds is TWS_ERR_DUPLICATE_REQUEST_ID. Nothing is sent then.

use std::ffi::c_char;

use crate::protocol::messages::{Contract, TagValue};
use crate::protocol::messages::{FamilyCodes, MarketRule, MktDepthExchanges, SymbolSamples};
use crate::protocol::Incoming;

use super::convert::EventSlot;
use super::record::{tws_record, tws_record_free, tws_record_new, tws_record_set_string};
use super::result::{boundary, tws_result, Failure};
use super::types::tws_event;
use super::{c_str, ms, put, tws_client, with_client};
use crate::client::Event;

// ---- arguments (shared with market_data.rs) --------------------------------------

/// The contract of a `const tws_record *contract` argument.
pub(crate) fn contract_arg(p: *const tws_record) -> Result<Contract, Failure> {
    // SAFETY: by contract `p` is NULL or a live record from tws_record_new,
    // not being changed by another thread during the call.
    let rec = unsafe { p.as_ref() }.ok_or_else(|| Failure::null("contract"))?;
    if rec.name() != "Contract" {
        return Err(Failure::new(
            tws_result::TWS_ERR_INVALID_ARGUMENT,
            format!(
                "contract is a {} record, not a Contract (tws_record_new(\"Contract\", ...))",
                rec.name()
            ),
        ));
    }
    Contract::from_fields("contract", rec.values())
        .map_err(|e| Failure::new(tws_result::TWS_ERR_INVALID_ARGUMENT, e.to_string()))
}

/// The tag-value list of a `(tags, values, count)` argument: `count` pairs,
/// both arrays NULL when `count` is 0.
pub(crate) fn tag_values_arg(
    tags: *const *const c_char,
    values: *const *const c_char,
    count: usize,
) -> Result<Vec<TagValue>, Failure> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if tags.is_null() {
        return Err(Failure::null("tags"));
    }
    if values.is_null() {
        return Err(Failure::null("values"));
    }
    // SAFETY: non-NULL and, by the export's documented contract, arrays of
    // `count` string pointers live for the call.
    let (tags, values) = unsafe {
        (
            std::slice::from_raw_parts(tags, count),
            std::slice::from_raw_parts(values, count),
        )
    };
    tags.iter()
        .zip(values)
        .enumerate()
        .map(|(i, (t, v))| {
            Ok(TagValue {
                tag: c_str(*t, &format!("tags[{i}]"))?.to_owned(),
                value: c_str(*v, &format!("values[{i}]"))?.to_owned(),
            })
        })
        .collect()
}

/// Creates a "Contract" record in `*out` with the four fields most requests
/// need set (for a stock: `tws_record_new_contract("AAPL", "STK", "SMART",
/// "USD", &contract)`); set more fields with `tws_record_set_*`, free it with
/// `tws_record_free`. An empty string leaves that field unset.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_UTF8.
#[no_mangle]
pub unsafe extern "C" fn tws_record_new_contract(
    symbol: *const c_char,
    sec_type: *const c_char,
    exchange: *const c_char,
    currency: *const c_char,
    out: *mut *mut tws_record,
) -> tws_result {
    boundary(
        || {},
        || {
            put(out, "out", std::ptr::null_mut())?;
            let fields = [
                (c"symbol", symbol, c_str(symbol, "symbol")?),
                (c"sec_type", sec_type, c_str(sec_type, "sec_type")?),
                (c"exchange", exchange, c_str(exchange, "exchange")?),
                (c"currency", currency, c_str(currency, "currency")?),
            ];
            let mut rec: *mut tws_record = std::ptr::null_mut();
            // SAFETY: a static name and a valid out-pointer.
            let rc = unsafe { tws_record_new(c"Contract".as_ptr(), &mut rec) };
            if rc != tws_result::TWS_OK {
                return Err(Failure::new(rc, "tws_record_new(\"Contract\") failed"));
            }
            for (name, ptr, text) in fields {
                if text.is_empty() {
                    continue;
                }
                // SAFETY: `rec` is the live record just created; `ptr` is the
                // caller's checked NUL-terminated string.
                let rc = unsafe { tws_record_set_string(rec, name.as_ptr(), ptr) };
                if rc != tws_result::TWS_OK {
                    // SAFETY: created above, freed once, never handed out.
                    unsafe { tws_record_free(rec) };
                    return Err(Failure::new(rc, format!("setting {name:?} failed")));
                }
            }
            put(out, "out", rec)?;
            Ok(tws_result::TWS_OK)
        },
    )
}

// ---- requests ----------------------------------------------------------------------

/// reqContractDetails: every instrument matching `contract` as
/// TWS_EVENT_CONTRACT_DATA (bonds: TWS_EVENT_BOND_CONTRACT_DATA) tagged
/// `req_id`, then TWS_EVENT_CONTRACT_DATA_END; read the rows with the
/// generic accessors (`contract_details.market_name`, ...). An unknown
/// instrument gets a TWS_EVENT_ERROR with code 200 and `req_id`. One-shot:
/// not re-issued after a reconnect.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_contract_details(
    client: *mut tws_client,
    req_id: i32,
    contract: *const tws_record,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        Ok(c.inner.req_contract_details(req_id, &contract)?)
    })
}

/// cancelContractData: stops the rows of `req_id`. Server version 215+
/// (TWS_ERR_NOT_SUPPORTED before: older servers have no such message).
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_contract_data(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_contract_data(req_id)?))
}

/// reqMatchingSymbols: the instruments whose symbol or name matches
/// `pattern`, as one TWS_EVENT_SYMBOL_SAMPLES tagged `req_id`
/// (`descriptions[0].contract.symbol`, ...).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_matching_symbols(
    client: *mut tws_client,
    req_id: i32,
    pattern: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        let pattern = c_str(pattern, "pattern")?;
        Ok(c.inner.req_matching_symbols(req_id, pattern)?)
    })
}

/// reqSecDefOptParams: the option chains of an underlying (`underlying_symbol`,
/// `fut_fop_exchange` "" for options on stocks, `underlying_sec_type` such as
/// "STK", `underlying_con_id`), one TWS_EVENT_SECURITY_DEFINITION_OPTION_PARAMETER
/// per exchange and trading class (`expirations[i]`, `strikes[i]`), then
/// TWS_EVENT_SECURITY_DEFINITION_OPTION_PARAMETER_END.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_sec_def_opt_params(
    client: *mut tws_client,
    req_id: i32,
    underlying_symbol: *const c_char,
    fut_fop_exchange: *const c_char,
    underlying_sec_type: *const c_char,
    underlying_con_id: i32,
) -> tws_result {
    with_client(client, |c| {
        let symbol = c_str(underlying_symbol, "underlying_symbol")?;
        let exchange = c_str(fut_fop_exchange, "fut_fop_exchange")?;
        let sec_type = c_str(underlying_sec_type, "underlying_sec_type")?;
        Ok(c.inner
            .req_sec_def_opt_params(req_id, symbol, exchange, sec_type, underlying_con_id)?)
    })
}

/// reqMarketRule: the price increments of rule `market_rule_id` (from a
/// contract details row's `market_rule_ids`) as one TWS_EVENT_MARKET_RULE
/// (it carries the rule id, no request id). TWS answers nothing for an
/// unknown rule.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_market_rule(
    client: *mut tws_client,
    market_rule_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_market_rule(market_rule_id)?))
}

/// reqSmartComponents: the exchanges behind the SMART routing of
/// `bbo_exchange` (a tickReqParams's `bbo_exchange`), as one
/// TWS_EVENT_SMART_COMPONENTS tagged `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_smart_components(
    client: *mut tws_client,
    req_id: i32,
    bbo_exchange: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        let bbo = c_str(bbo_exchange, "bbo_exchange")?;
        Ok(c.inner.req_smart_components(req_id, bbo)?)
    })
}

/// reqMktDepthExchanges: the exchanges that offer depth, as one
/// TWS_EVENT_MKT_DEPTH_EXCHANGES (no request id).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_mkt_depth_exchanges(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_mkt_depth_exchanges()?))
}

/// reqFamilyCodes: the account family codes, as one TWS_EVENT_FAMILY_CODES
/// (no request id).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_family_codes(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_family_codes()?))
}

// ---- the rows of blocking calls ------------------------------------------------

/// The messages a blocking call returns (`tws_client_contract_details`,
/// `tws_client_matching_symbols`, ...), each as an event: opaque; read it
/// with `tws_messages_count` and `tws_messages_at`, which gives message `i`
/// as a `const tws_event *` (its `type` the message's event type,
/// TWS_EVENT_CONTRACT_DATA for a contract details row) to read with the
/// event accessors: `tws_event_message_name`, `tws_event_field_count`,
/// `tws_event_field`, `tws_event_field_by_name` (`contract.symbol`,
/// `contract_details.market_name`, `descriptions[0].contract.symbol`,
/// `strikes[2]`), and its typed view where the event type has one. Free it
/// with `tws_messages_free`. Everything in it, every event and field read
/// from it included, is owned by it and valid until it is freed (not only
/// until the next poll). Not thread-safe: read it from one thread at a time.
pub struct tws_messages {
    /// One event per message; each points into its own slot.
    events: Vec<tws_event>,
    /// The slots holding the messages. Boxed: a slot's message slot points
    /// at the event the slot itself holds, so a slot must never move.
    #[allow(clippy::vec_box)]
    _slots: Vec<Box<EventSlot>>,
}

/// The handle of `messages`, decoded at `server_version`.
pub(crate) fn messages_handle(messages: Vec<Incoming>, server_version: i32) -> *mut tws_messages {
    let mut slots = Vec::with_capacity(messages.len());
    let mut events = Vec::with_capacity(messages.len());
    for msg in messages {
        let mut slot = Box::<EventSlot>::default();
        events.push(slot.convert_owned(Event::Message(msg), server_version));
        slots.push(slot);
    }
    Box::into_raw(Box::new(tws_messages {
        events,
        _slots: slots,
    }))
}

/// Runs a blocking call that yields messages: `*out` is NULL on failure,
/// the caller's handle on success.
pub(crate) fn blocking(
    client: *mut tws_client,
    out: *mut *mut tws_messages,
    call: impl FnOnce(&tws_client) -> Result<Vec<Incoming>, Failure>,
) -> tws_result {
    with_client(client, |c| {
        put(out, "out", std::ptr::null_mut())?;
        let messages = call(c)?;
        let version = c.inner.server_version().unwrap_or(0);
        put(out, "out", messages_handle(messages, version))
    })
}

/// Blocking: requests the contract details of `contract` (reqContractDetails
/// under a reserved id) and waits for every row up to contractDetailsEnd (at
/// most `timeout_ms`). On success `*out` holds one "ContractData" message per
/// row (bond rows too, their bond fields in `contract_details`): read
/// `contract.con_id`, `contract_details.long_name`,
/// `contract_details.market_rule_ids` with `tws_event_field_by_name` on `tws_messages_at(rows, i)`. The
/// rows never appear as events. On failure `*out` is NULL.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT and TWS_ERR_REQUEST_FAILED
/// (TWS refused it: `tws_last_tws_error_code` gives TWS's code, 200 for an
/// unknown instrument, and `tws_last_error_message` its text).
#[no_mangle]
pub unsafe extern "C" fn tws_client_contract_details(
    client: *mut tws_client,
    contract: *const tws_record,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let contract = contract_arg(contract)?;
        let rows = c.inner.contract_details(&contract, ms(timeout_ms))?;
        Ok(rows.into_iter().map(Incoming::ContractData).collect())
    })
}

/// Blocking: the instruments matching `pattern` (reqMatchingSymbols under a
/// reserved id), at most `timeout_ms`. On success `*out` holds one
/// "SymbolSamples" message: `descriptions` (the count), then
/// `descriptions[i].contract.symbol`, `descriptions[i].derivative_sec_types`
/// ...; its `req_id` reads 0. Errors: as for `tws_client_contract_details`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_matching_symbols(
    client: *mut tws_client,
    pattern: *const c_char,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let pattern = c_str(pattern, "pattern")?;
        let descriptions = c.inner.matching_symbols(pattern, ms(timeout_ms))?;
        Ok(vec![Incoming::SymbolSamples(SymbolSamples {
            req_id: 0,
            descriptions,
        })])
    })
}

/// Blocking: the option chains of an underlying (reqSecDefOptParams under a
/// reserved id, arguments as for `tws_client_req_sec_def_opt_params`), up to
/// the end marker (at most `timeout_ms`). On success `*out` holds one
/// "SecDefOptParameter" message per exchange and trading class (`exchange`,
/// `trading_class`, `multiplier`, `expirations[i]`, `strikes[i]`).
/// Errors: as for `tws_client_contract_details`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_sec_def_opt_params(
    client: *mut tws_client,
    underlying_symbol: *const c_char,
    fut_fop_exchange: *const c_char,
    underlying_sec_type: *const c_char,
    underlying_con_id: i32,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let symbol = c_str(underlying_symbol, "underlying_symbol")?;
        let exchange = c_str(fut_fop_exchange, "fut_fop_exchange")?;
        let sec_type = c_str(underlying_sec_type, "underlying_sec_type")?;
        let rows = c.inner.sec_def_opt_params(
            symbol,
            exchange,
            sec_type,
            underlying_con_id,
            ms(timeout_ms),
        )?;
        Ok(rows.into_iter().map(Incoming::SecDefOptParameter).collect())
    })
}

/// Blocking: market rule `market_rule_id` (reqMarketRule), at most
/// `timeout_ms`. On success `*out` holds one "MarketRule" message
/// (`market_rule_id`, `price_increments`, `price_increments[i].low_edge`,
/// `price_increments[i].increment`). TWS answers nothing for an unknown
/// rule: that is TWS_ERR_TIMEOUT. While it waits, marketRule messages of
/// this rule go to it, not to the events; a second call for the same rule
/// meanwhile fails with TWS_ERR_BUSY.
#[no_mangle]
pub unsafe extern "C" fn tws_client_market_rule(
    client: *mut tws_client,
    market_rule_id: i32,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let price_increments = c.inner.market_rule(market_rule_id, ms(timeout_ms))?;
        Ok(vec![Incoming::MarketRule(MarketRule {
            market_rule_id,
            price_increments,
        })])
    })
}

/// Blocking: the exchanges that offer depth (reqMktDepthExchanges), at most
/// `timeout_ms`. On success `*out` holds one "MktDepthExchanges" message
/// (`descriptions[i].exchange`, `descriptions[i].sec_type`, ...). One call
/// at a time per client (TWS_ERR_BUSY).
#[no_mangle]
pub unsafe extern "C" fn tws_client_mkt_depth_exchanges(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let descriptions = c.inner.mkt_depth_exchanges(ms(timeout_ms))?;
        Ok(vec![Incoming::MktDepthExchanges(MktDepthExchanges {
            descriptions,
        })])
    })
}

/// Blocking: the family codes (reqFamilyCodes), at most `timeout_ms`. On
/// success `*out` holds one "FamilyCodes" message
/// (`family_codes[i].account_id`, `family_codes[i].family_code`). One call
/// at a time per client (TWS_ERR_BUSY).
#[no_mangle]
pub unsafe extern "C" fn tws_client_family_codes(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let family_codes = c.inner.family_codes(ms(timeout_ms))?;
        Ok(vec![Incoming::FamilyCodes(FamilyCodes { family_codes })])
    })
}

/// A live handle, or None for NULL.
fn handle<'a>(m: *const tws_messages) -> Option<&'a tws_messages> {
    // SAFETY: by contract NULL or a live handle from a blocking call, read by
    // one thread at a time.
    unsafe { m.as_ref() }
}

/// The number of messages (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn tws_messages_count(messages: *const tws_messages) -> usize {
    handle(messages).map_or(0, |m| m.events.len())
}

/// Message `index` (from 0) as an event, or NULL for a NULL handle or an
/// index out of range. Owned by the handle: valid until `tws_messages_free`.
#[no_mangle]
pub unsafe extern "C" fn tws_messages_at(
    messages: *const tws_messages,
    index: usize,
) -> *const tws_event {
    handle(messages)
        .and_then(|m| m.events.get(index))
        .map_or(std::ptr::null(), std::ptr::from_ref)
}

/// Frees a handle from a blocking call and everything in it. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_messages_free(messages: *mut tws_messages) {
    if !messages.is_null() {
        // SAFETY: by contract the handle came from a blocking call
        // (Box::into_raw in messages_handle) and is freed once.
        drop(unsafe { Box::from_raw(messages) });
    }
}
