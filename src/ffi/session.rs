//! Client lifetime and session: create, connect, disconnect, free, state, ids, counters.

use std::ffi::c_char;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use crate::client::Client;

use super::convert::{state_code, EventSlot};
use super::result::{boundary, tws_result, Failure};
use super::types::tws_stats;
use super::{c_str, ms, put, tws_client, tws_options, with_client};

/// Creates a disconnected client. `options` may be NULL for the defaults; it
/// is copied, so it may be freed right after. Errors: TWS_ERR_NULL_ARGUMENT
/// if `out` is NULL. On success `*out` is owned by the caller: free it with
/// `tws_client_free`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_new(
    options: *const tws_options,
    out: *mut *mut tws_client,
) -> tws_result {
    boundary(
        || {},
        || {
            if out.is_null() {
                return Err(Failure::null("out"));
            }
            // SAFETY: by contract `options` is NULL or a live pointer from tws_options_new.
            let opts = unsafe { options.as_ref() }
                .map(|o| o.inner.clone())
                .unwrap_or_default();
            let client = Client::new(opts)?;
            let boxed = Box::new(tws_client {
                inner: client,
                poisoned: AtomicBool::new(false),
                poll_arena: Mutex::new(EventSlot::default()),
                batch_arena: Mutex::new(Vec::new()),
            });
            put(out, "out", Box::into_raw(boxed))?;
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Stops the dispatch thread (waiting for a callback in progress to return;
/// that callback may still call functions on this client meanwhile), calls
/// the callback's `user_data_free`, disconnects, joins the client's threads,
/// and frees the client. When it returns, no libtws thread of this client
/// runs any more. NULL is a no-op (TWS_OK). No other call on the client may
/// be in progress or start once this is called, except from its own callback.
/// Errors: TWS_ERR_REENTRANT when called from the client's own callback (the
/// client is not freed; free it after the callback returns).
#[no_mangle]
pub unsafe extern "C" fn tws_client_free(client: *mut tws_client) -> tws_result {
    if client.is_null() {
        return tws_result::TWS_OK;
    }
    boundary(
        || {},
        || {
            // SAFETY: non-NULL, from tws_client_new and not yet freed (contract).
            // Only a shared reference: a callback still running may re-enter
            // through the same pointer (tws_client_state, a request, ...),
            // which is sound while nothing holds the client uniquely.
            let shared: &tws_client = unsafe { &*client };
            if shared.inner.in_callback() {
                return Err(Failure::new(
                    tws_result::TWS_ERR_REENTRANT,
                    "tws_client_free called from the client's own callback; free it after the callback returns",
                ));
            }
            // Shut down through the shared reference: stop and join the
            // dispatch thread (waiting for a callback in progress; its
            // user_data_free runs there), then close the session and join
            // the connection's threads. Afterwards no thread of this client
            // runs and no user code can hold the pointer any more.
            shared.inner.clear_callback()?;
            shared.inner.disconnect();
            // SAFETY: as above; nothing can reach the client any more, so
            // ownership returns to Rust exactly once, unaliased.
            drop(unsafe { Box::from_raw(client) });
            Ok(tws_result::TWS_OK)
        },
    )
}

// ---- session --------------------------------------------------------------------

/// Connects to TWS or IB Gateway at `host`:`port` (7497 paper TWS, 7496 live,
/// 4002/4001 Gateway), negotiates a version, starts the API as `client_id`
/// and returns once the session is ready (nextValidId and managedAccounts
/// received), all within `timeout_ms`. Blocks the calling thread.
/// A failing connect is not retried. Once connected, a lost connection is
/// re-established automatically unless the options turned that off
/// (`tws_options_set_reconnect`): watch the state events. Each attempt is
/// bounded by `timeout_ms`.
/// Errors: TWS_ERR_NULL_ARGUMENT, TWS_ERR_INVALID_UTF8, TWS_ERR_INVALID_ARGUMENT
/// (host does not resolve), TWS_ERR_CONNECTION_REFUSED (port closed),
/// TWS_ERR_TIMEOUT (no answer within timeout_ms), TWS_ERR_NO_COMMON_VERSION,
/// TWS_ERR_CLIENT_ID_IN_USE (error 326), TWS_ERR_CONNECTION_CLOSED,
/// TWS_ERR_ALREADY_CONNECTED, TWS_ERR_IO, TWS_ERR_PROTOCOL.
#[no_mangle]
pub unsafe extern "C" fn tws_client_connect(
    client: *mut tws_client,
    host: *const c_char,
    port: u16,
    client_id: i32,
    timeout_ms: u32,
) -> tws_result {
    with_client(client, |c| {
        let host = c_str(host, "host")?;
        Ok(c.inner.connect(host, port, client_id, ms(timeout_ms))?)
    })
}

/// Closes the session, stops any reconnecting at once and waits for the
/// connection's threads (an attempt in progress is cut short; only a TCP
/// connect to an unresponsive host may take up to the connect timeout).
/// Events already queued stay pollable; a TWS_STATE_DISCONNECTED event
/// follows them. Safe at any time, also when not connected and from the
/// callback; from a callback on the reader thread
/// (`tws_options_set_callbacks_on_reader`) it returns at once and the
/// connection's threads end as soon as the callback returns.
/// Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_disconnect(client: *mut tws_client) -> tws_result {
    with_client(client, |c| {
        c.inner.disconnect();
        Ok(())
    })
}

/// Writes the session state (a `tws_state`) to `*out_state`.
/// Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_state(
    client: *const tws_client,
    out_state: *mut i32,
) -> tws_result {
    with_client(client, |c| {
        put(out_state, "out_state", state_code(c.inner.state()) as i32)
    })
}

/// Writes the negotiated server version to `*out_version`.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_NOT_CONNECTED before the first connect.
#[no_mangle]
pub unsafe extern "C" fn tws_client_server_version(
    client: *const tws_client,
    out_version: *mut i32,
) -> tws_result {
    with_client(client, |c| {
        let v = c
            .inner
            .server_version()
            .ok_or(crate::client::Error::NotConnected)?;
        put(out_version, "out_version", v)
    })
}

/// Writes a fresh request id (0, 1, 2, ... per client, at most 0x6FFF_FFFF,
/// then 0 again; ids from 0x7000_0000 up are libtws's own) to `*out_req_id`.
/// Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_next_request_id(
    client: *mut tws_client,
    out_req_id: *mut i32,
) -> tws_result {
    with_client(client, |c| {
        put(out_req_id, "out_req_id", c.inner.next_request_id())
    })
}

/// Writes the next order id (from nextValidId, counting up) to `*out_order_id`.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_NOT_CONNECTED before TWS sent one.
#[no_mangle]
pub unsafe extern "C" fn tws_client_next_order_id(
    client: *mut tws_client,
    out_order_id: *mut i64,
) -> tws_result {
    with_client(client, |c| {
        put(out_order_id, "out_order_id", c.inner.next_order_id()?)
    })
}

/// Writes the client's counters to `*out_stats`. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_stats(
    client: *const tws_client,
    out_stats: *mut tws_stats,
) -> tws_result {
    with_client(client, |c| {
        let s = c.inner.stats();
        put(
            out_stats,
            "out_stats",
            tws_stats {
                messages_in: s.messages_in,
                bytes_in: s.bytes_in,
                messages_out: s.messages_out,
                bytes_out: s.bytes_out,
                decode_errors: s.decode_errors,
                unknown_messages: s.unknown_messages,
                queue_high_water: s.queue_high_water,
                queue_full_waits: s.queue_full_waits,
                queue_len: s.queue_len,
                connects: s.connects,
                callback_panics: c.inner.callback_panics(),
                reconnects: s.reconnects,
                reconnect_attempts: s.reconnect_attempts,
                resubscriptions: s.resubscriptions,
                paced_delays: s.paced_delays,
                protocol_errors: s.protocol_errors,
                late_replies_dropped: s.late_replies_dropped,
            },
        )
    })
}

/// Writes the counter named `name` to `*out_value`: any field of
/// `tws_stats` by its name, and the counters added after ABI 1.0 that
/// `tws_stats` (caller-allocated, fixed in size) cannot carry:
/// "queue_bytes" (bytes of the events waiting now), "ticks_conflated"
/// (ticks folded into the quote view instead of queued while the queue was
/// full, see `tws_options_set_conflate_ticks`), "subscriptions_refused"
/// (subscriptions TWS refused outright, forgotten rather than re-issued),
/// "executions_deduplicated" (execDetails not delivered again: their exec
/// id had been seen), "commissions_deduplicated" (repeated commission
/// reports not delivered), "fills_recovered" (fills that happened while
/// disconnected, delivered by a reconciliation) and "reconciliations".
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_UTF8;
/// TWS_ERR_INVALID_ARGUMENT for an unknown name (named in the last error).
#[no_mangle]
pub unsafe extern "C" fn tws_client_stat(
    client: *const tws_client,
    name: *const c_char,
    out_value: *mut u64,
) -> tws_result {
    with_client(client, |c| {
        let name = c_str(name, "name")?;
        let value = if name == "callback_panics" {
            Some(c.inner.callback_panics())
        } else {
            c.inner.stats().by_name(name)
        };
        let value = value.ok_or_else(|| {
            Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                format!("no counter named {name:?}"),
            )
        })?;
        put(out_value, "out_value", value)
    })
}
