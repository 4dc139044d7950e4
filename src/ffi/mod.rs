//! The C ABI: the only `extern "C"` in libtws and nearly all of its `unsafe`.
//!
//! Every export NULL-checks its pointers, converts C strings with a typed
//! error, and runs its body inside a panic boundary. The doc comments here
//! become the comments of `include/tws.h`.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]

mod convert;
mod result;
mod types;

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::client::{Client, Options};
use crate::protocol::account_tags::ALL_TAGS;

use convert::{state_code, to_c_event, Arena};
pub use result::tws_result;
use result::{boundary, last_error_ptr, set_last_error, Failure};
pub use types::*;

/// Major version of libtws; the ABI is stable within a major version (soname `libtws.so.MAJOR`).
pub const TWS_VERSION_MAJOR: u32 = 0;
/// Minor version: additions only.
pub const TWS_VERSION_MINOR: u32 = 1;
/// Patch version: fixes only.
pub const TWS_VERSION_PATCH: u32 = 0;

/// Builder for client settings. Create with `tws_options_new`, free with
/// `tws_options_free`. Not thread-safe: use from one thread at a time.
pub struct tws_options {
    inner: Options,
}

/// A client of TWS or IB Gateway. Create with `tws_client_new`, free with
/// `tws_client_free`. Thread-safe: every function may be called from any
/// thread at once, except `tws_client_free` (no other call may be in
/// progress or start on the client) and `tws_client_poll` (see there).
pub struct tws_client {
    inner: Client,
    poisoned: AtomicBool,
    poll_arena: Mutex<Arena>,
}

/// Receives each event in callback mode, on the client's dispatch thread.
/// `event` and every pointer in it are valid only until the callback returns.
/// The callback must not unwind (no C++ exception or longjmp may leave it).
pub type tws_event_callback =
    Option<unsafe extern "C" fn(event: *const tws_event, user_data: *mut c_void)>;

/// Releases the callback's `user_data`; called exactly once.
pub type tws_user_data_free = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

// ---- helpers (not exported) -------------------------------------------------

fn ms(timeout_ms: u32) -> Duration {
    Duration::from_millis(u64::from(timeout_ms))
}

/// Borrows a C string argument as UTF-8.
///
/// The caller of the export promises that a non-NULL `p` points to a
/// NUL-terminated string that outlives the call.
fn c_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL and, by the export's documented contract, NUL-terminated and live for the call.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes.to_str().map_err(|e| {
        Failure::new(
            tws_result::TWS_ERR_INVALID_UTF8,
            format!("{name} is not valid UTF-8: {e}"),
        )
    })
}

/// Writes `value` through an out-pointer that the export has NULL-checked.
fn put<T>(out: *mut T, name: &str, value: T) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL and, by the export's documented contract, valid for a write of T.
    unsafe { out.write(value) };
    Ok(())
}

/// Runs `body` on a live, unpoisoned client; a panic poisons the client.
fn with_client(
    c: *const tws_client,
    body: impl FnOnce(&tws_client) -> Result<(), Failure>,
) -> tws_result {
    // SAFETY: by contract `c` is NULL or a pointer from `tws_client_new` that has not been freed.
    let Some(client) = (unsafe { c.as_ref() }) else {
        set_last_error("client is NULL");
        return tws_result::TWS_ERR_NULL_ARGUMENT;
    };
    if client.poisoned.load(Ordering::Acquire) {
        set_last_error("this client is poisoned by an earlier panic inside libtws");
        return tws_result::TWS_ERR_PANIC;
    }
    boundary(
        || client.poisoned.store(true, Ordering::Release),
        || body(client).map(|()| tws_result::TWS_OK),
    )
}

/// Runs `body` on options.
fn with_options(
    o: *mut tws_options,
    body: impl FnOnce(&mut Options) -> Result<(), Failure>,
) -> tws_result {
    // SAFETY: by contract `o` is NULL or a live pointer from `tws_options_new`, used by one thread at a time.
    let Some(opts) = (unsafe { o.as_mut() }) else {
        set_last_error("options is NULL");
        return tws_result::TWS_ERR_NULL_ARGUMENT;
    };
    boundary(|| {}, || body(&mut opts.inner).map(|()| tws_result::TWS_OK))
}

/// Owns the callback's `user_data` and frees it exactly once, when dropped.
struct UserData {
    ptr: *mut c_void,
    free: tws_user_data_free,
}

// SAFETY: the header tells the caller that user_data is used and freed on the
// client's dispatch thread (or the thread that replaces the callback or frees
// the client); moving the pointer between threads is the documented contract.
unsafe impl Send for UserData {}

impl UserData {
    /// The pointer; a method so closures capture the whole owner, not just the field.
    fn get(&self) -> *mut c_void {
        self.ptr
    }
}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the caller supplied this function for this pointer; Drop runs once.
            unsafe { free(self.ptr) };
        }
    }
}

// ---- library ----------------------------------------------------------------

/// The library version as "MAJOR.MINOR.PATCH". Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a result code ("TWS_OK", "TWS_ERR_TIMEOUT", ...), or
/// "TWS_UNKNOWN_RESULT" for a value that is none. Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_result_str(code: i32) -> *const c_char {
    let name = tws_result::ALL
        .iter()
        .find(|(r, _)| *r as i32 == code)
        .map_or("TWS_UNKNOWN_RESULT\0", |(_, n)| n);
    name.as_ptr().cast()
}

/// Detail of the latest failure on the calling thread (empty if none yet).
/// Thread-local: valid until the next failing libtws call on this thread.
/// Never NULL.
#[no_mangle]
pub extern "C" fn tws_last_error_message() -> *const c_char {
    last_error_ptr()
}

/// Every real account-summary tag, comma-separated: pass it as `tags` to
/// `tws_client_req_account_summary` to get them all. Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_all_account_summary_tags() -> *const c_char {
    static TAGS: once_cell::sync::Lazy<CString> =
        once_cell::sync::Lazy::new(|| CString::new(ALL_TAGS).unwrap_or_default());
    TAGS.as_ptr()
}

/// The name of a `tws_event_type` ("ACCOUNT_SUMMARY", ...), or "UNKNOWN".
/// Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_event_type_str(event_type: i32) -> *const c_char {
    const NAMES: [&str; 11] = [
        "UNKNOWN\0",
        "STATE\0",
        "ERROR\0",
        "NEXT_VALID_ID\0",
        "MANAGED_ACCOUNTS\0",
        "ACCOUNT_SUMMARY\0",
        "ACCOUNT_SUMMARY_END\0",
        "CURRENT_TIME\0",
        "CURRENT_TIME_MILLIS\0",
        "UNKNOWN_MESSAGE\0",
        "DECODE_ERROR\0",
    ];
    let i = usize::try_from(event_type)
        .ok()
        .filter(|i| *i < NAMES.len())
        .unwrap_or(0);
    NAMES[i].as_ptr().cast()
}

/// The name of a `tws_state` ("Connected", ...), or "Unknown". Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_state_str(state: i32) -> *const c_char {
    let name = match state {
        0 => "Disconnected\0",
        1 => "Connected\0",
        2 => "ConnectionLost\0",
        _ => "Unknown\0",
    };
    name.as_ptr().cast()
}

// ---- options ----------------------------------------------------------------

/// Creates options with the defaults: versions 100..226, no connect options,
/// queue of 65536 events, frames up to 16 MiB - 1.
/// Errors: TWS_ERR_NULL_ARGUMENT if `out` is NULL.
/// On success `*out` is owned by the caller: free it with `tws_options_free`.
#[no_mangle]
pub unsafe extern "C" fn tws_options_new(out: *mut *mut tws_options) -> tws_result {
    boundary(
        || {},
        || {
            let opts = Box::new(tws_options {
                inner: Options::default(),
            });
            if out.is_null() {
                return Err(Failure::null("out"));
            }
            put(out, "out", Box::into_raw(opts))?;
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Frees options. NULL is a no-op. Clients made from them keep their own copy.
#[no_mangle]
pub unsafe extern "C" fn tws_options_free(options: *mut tws_options) {
    if !options.is_null() {
        // SAFETY: by contract the pointer came from tws_options_new and is freed once.
        drop(unsafe { Box::from_raw(options) });
    }
}

/// Sets the protocol versions advertised in the handshake (default 100..226).
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT if `min_version`
/// is below 100 or above `max_version`.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_version_range(
    options: *mut tws_options,
    min_version: i32,
    max_version: i32,
) -> tws_result {
    with_options(options, |o| {
        let mut candidate = o.clone();
        candidate.min_version = min_version;
        candidate.max_version = max_version;
        candidate.validate()?;
        *o = candidate;
        Ok(())
    })
}

/// Sets the connect options appended to the handshake, e.g. "+PACEAPI".
/// `connect_options` is copied. Errors: TWS_ERR_NULL_ARGUMENT,
/// TWS_ERR_INVALID_UTF8, TWS_ERR_INVALID_CHARACTER (not printable ASCII).
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_connect_options(
    options: *mut tws_options,
    connect_options: *const c_char,
) -> tws_result {
    with_options(options, |o| {
        let text = c_str(connect_options, "connect_options")?;
        crate::protocol::codec::check_str(text, "connect_options", true)
            .map_err(crate::client::Error::from)?;
        o.connect_options = text.to_owned();
        Ok(())
    })
}

/// Sets the optional capabilities sent with startApi. Copied. Errors as for
/// `tws_options_set_connect_options`.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_optional_capabilities(
    options: *mut tws_options,
    capabilities: *const c_char,
) -> tws_result {
    with_options(options, |o| {
        let text = c_str(capabilities, "capabilities")?;
        crate::protocol::codec::check_str(text, "optional_capabilities", true)
            .map_err(crate::client::Error::from)?;
        o.optional_capabilities = text.to_owned();
        Ok(())
    })
}

/// Sets how many events may wait before the reader stops reading the socket
/// (backpressure; events are never dropped). Default 65536.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT for 0.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_queue_capacity(
    options: *mut tws_options,
    capacity: u32,
) -> tws_result {
    with_options(options, |o| {
        if capacity == 0 {
            return Err(Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                "queue capacity must be at least 1",
            ));
        }
        o.queue_capacity = capacity as usize;
        Ok(())
    })
}

/// Sets the longest frame accepted (default and maximum 16777215 bytes);
/// a longer announced frame is a protocol error that closes the connection.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT below 64 or above the default.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_max_frame_length(
    options: *mut tws_options,
    max_len: u32,
) -> tws_result {
    with_options(options, |o| {
        let len = max_len as usize;
        if !(64..=crate::wire::DEFAULT_MAX_FRAME_LEN).contains(&len) {
            return Err(Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                format!("max frame length {len} is outside 64..=16777215"),
            ));
        }
        o.max_frame_len = len;
        Ok(())
    })
}

// ---- client lifetime ----------------------------------------------------------

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
                poll_arena: Mutex::new(Arena::default()),
            });
            put(out, "out", Box::into_raw(boxed))?;
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Disconnects, stops and joins the client's threads (waiting for a callback
/// in progress to return), calls the callback's `user_data_free`, and frees
/// the client. When it returns, no libtws thread of this client runs any more.
/// NULL is a no-op (TWS_OK). No other call on the client may be in progress
/// or start once this is called, except from its own callback.
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
            if unsafe { &*client }.inner.in_callback() {
                return Err(Failure::new(
                    tws_result::TWS_ERR_REENTRANT,
                    "tws_client_free called from the client's own callback; free it after the callback returns",
                ));
            }
            // SAFETY: as above; ownership returns to Rust exactly once and the Drop joins every thread.
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

/// Closes the session and waits for the reader thread. Events already
/// queued stay pollable; a TWS_STATE_DISCONNECTED event follows them.
/// Safe at any time, also when not connected and from the callback.
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

/// Writes a fresh request id (0, 1, 2, ... per client) to `*out_req_id`.
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
            },
        )
    })
}

// ---- requests ---------------------------------------------------------------------
// Every request: TWS_ERR_NULL_ARGUMENT, TWS_ERR_NOT_CONNECTED (no live session:
// nothing is queued), TWS_ERR_IO or TWS_ERR_CONNECTION_CLOSED (the send failed).

/// reqIds: asks for the next valid order id (a TWS_EVENT_NEXT_VALID_ID follows).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_ids(client: *mut tws_client, num_ids: i32) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_ids(num_ids)?))
}

/// reqManagedAccts (a TWS_EVENT_MANAGED_ACCOUNTS follows).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_managed_accounts(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_managed_accounts()?))
}

/// reqCurrentTime (a TWS_EVENT_CURRENT_TIME follows).
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_current_time(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_current_time()?))
}

/// reqCurrentTimeInMillis (a TWS_EVENT_CURRENT_TIME_MILLIS follows).
/// Also TWS_ERR_NOT_SUPPORTED before server version 197.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_current_time_millis(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_current_time_in_millis()?))
}

/// reqAccountSummary: subscribes to `tags` (comma list, see
/// `tws_all_account_summary_tags`, or "$LEDGER", "$LEDGER:ALL", "$LEDGER:EUR")
/// for `group` ("All" or an FA group). Rows arrive as TWS_EVENT_ACCOUNT_SUMMARY
/// tagged `req_id`, then TWS_EVENT_ACCOUNT_SUMMARY_END, then updates until
/// cancelled. TWS allows two such subscriptions at once (error 322 beyond).
/// Strings are copied. Also TWS_ERR_INVALID_UTF8, TWS_ERR_INVALID_CHARACTER.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_account_summary(
    client: *mut tws_client,
    req_id: i32,
    group: *const c_char,
    tags: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        let group = c_str(group, "group")?;
        let tags = c_str(tags, "tags")?;
        Ok(c.inner.req_account_summary(req_id, group, tags)?)
    })
}

/// cancelAccountSummary: ends the subscription `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_account_summary(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_account_summary(req_id)?))
}

/// Blocking: requests the account summary, waits for every row up to the end
/// marker (at most `timeout_ms`), cancels the subscription and returns the
/// rows. Its rows do not appear as events. On success `*out_rows` is an array
/// of `*out_count` rows owned by the caller: free it with
/// `tws_account_summary_rows_free(rows, count)` (NULL and 0 when there are
/// none). On failure `*out_rows` is NULL and `*out_count` 0.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT, TWS_ERR_REQUEST_FAILED (TWS
/// refused it, e.g. error 322; see tws_last_error_message).
#[no_mangle]
pub unsafe extern "C" fn tws_client_account_summary(
    client: *mut tws_client,
    group: *const c_char,
    tags: *const c_char,
    timeout_ms: u32,
    out_rows: *mut *mut tws_account_summary_row,
    out_count: *mut usize,
) -> tws_result {
    with_client(client, |c| {
        put(out_rows, "out_rows", std::ptr::null_mut())?;
        put(out_count, "out_count", 0)?;
        let group = c_str(group, "group")?;
        let tags = c_str(tags, "tags")?;
        let rows = c.inner.account_summary(group, tags, ms(timeout_ms))?;
        if rows.is_empty() {
            return Ok(());
        }
        let owned = |s: &str| {
            CString::new(s.replace('\0', ""))
                .unwrap_or_default()
                .into_raw()
        };
        let c_rows: Box<[tws_account_summary_row]> = rows
            .iter()
            .map(|r| tws_account_summary_row {
                account: owned(&r.account),
                tag: owned(&r.tag),
                value: owned(&r.value),
                currency: owned(&r.currency),
            })
            .collect();
        let count = c_rows.len();
        put(
            out_rows,
            "out_rows",
            Box::into_raw(c_rows).cast::<tws_account_summary_row>(),
        )?;
        put(out_count, "out_count", count)
    })
}

/// Frees rows from `tws_client_account_summary`; `count` must be the count it
/// returned. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_account_summary_rows_free(
    rows: *mut tws_account_summary_row,
    count: usize,
) {
    if rows.is_null() {
        return;
    }
    // SAFETY: by contract `rows`/`count` are exactly what tws_client_account_summary
    // produced from a boxed slice, freed once; each string came from CString::into_raw.
    let slice = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(rows, count)) };
    for row in slice.iter() {
        for p in [row.account, row.tag, row.value, row.currency] {
            if !p.is_null() {
                // SAFETY: see above; each pointer is reclaimed exactly once.
                drop(unsafe { CString::from_raw(p) });
            }
        }
    }
}

// ---- delivery ------------------------------------------------------------------------

/// Poll mode: waits up to `timeout_ms` (0 = do not wait) for the next event
/// and writes it to `*out_event`. Returns TWS_OK with an event, or
/// TWS_TIMEOUT_NO_EVENT. The event's pointers are valid until the next
/// `tws_client_poll` on this client (from any thread) or `tws_client_free`:
/// poll from one thread at a time, or copy what you keep.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_WRONG_MODE while a callback is set.
#[no_mangle]
pub unsafe extern "C" fn tws_client_poll(
    client: *mut tws_client,
    timeout_ms: u32,
    out_event: *mut tws_event,
) -> tws_result {
    let mut got = false;
    let code = with_client(client, |c| {
        if out_event.is_null() {
            return Err(Failure::null("out_event"));
        }
        let mut arena = c.poll_arena.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(event) = c.inner.poll(ms(timeout_ms))? {
            put(out_event, "out_event", to_c_event(&event, &mut arena))?;
            got = true;
        }
        Ok(())
    });
    if code == tws_result::TWS_OK && !got {
        tws_result::TWS_TIMEOUT_NO_EVENT
    } else {
        code
    }
}

/// Writes a file descriptor to `*out_fd` that is readable while events wait
/// in the queue, for select/poll/epoll loops (then call `tws_client_poll`
/// with timeout 0 until TWS_TIMEOUT_NO_EVENT). Owned by the client: do not
/// read, write or close it; valid until `tws_client_free`.
/// Errors: TWS_ERR_NULL_ARGUMENT, TWS_ERR_IO.
#[no_mangle]
pub unsafe extern "C" fn tws_client_event_fd(
    client: *mut tws_client,
    out_fd: *mut c_int,
) -> tws_result {
    with_client(client, |c| put(out_fd, "out_fd", c.inner.event_fd()?))
}

/// Callback mode: from now on every event goes to `callback(event, user_data)`,
/// called in arrival order on one thread that libtws owns (the dispatch
/// thread, the same for the client's lifetime until the callback is replaced).
/// Replaces (and waits out) a previous callback, whose `user_data_free` is
/// then called. Pass a NULL `callback` to return to poll mode; then
/// `user_data_free`, if given, is called at once with `user_data`.
/// `user_data_free` (may be NULL) is called exactly once: when the callback is
/// replaced or cleared, or by `tws_client_free`, after the last call of the
/// callback has returned.
/// Errors: TWS_ERR_NULL_ARGUMENT (client); TWS_ERR_REENTRANT from inside
/// this client's callback (then `user_data_free` is not called); TWS_ERR_IO.
#[no_mangle]
pub unsafe extern "C" fn tws_client_set_callback(
    client: *mut tws_client,
    callback: tws_event_callback,
    user_data: *mut c_void,
    user_data_free: tws_user_data_free,
) -> tws_result {
    with_client(client, |c| {
        if c.inner.in_callback() {
            return Err(Failure::new(
                tws_result::TWS_ERR_REENTRANT,
                "tws_client_set_callback called from the client's own callback",
            ));
        }
        let data = UserData {
            ptr: user_data,
            free: user_data_free,
        };
        let Some(callback) = callback else {
            c.inner.clear_callback()?;
            drop(data);
            return Ok(());
        };
        let mut arena = Arena::default();
        c.inner.set_callback(Box::new(move |event| {
            let c_event = to_c_event(event, &mut arena);
            // SAFETY: the caller registered this function for this user_data; the
            // event and its strings live until the call returns.
            unsafe { callback(&c_event, data.get()) };
        }))?;
        Ok(())
    })
}
