//! The C ABI: the only `extern "C"` in libtws and nearly all of its `unsafe`.
//!
//! Every export NULL-checks its pointers, converts C strings with a typed
//! error, and runs its body inside a panic boundary. The doc comments here
//! become the comments of `include/tws.h`.
//!
//! Strings: a C string is checked here only for UTF-8
//! (`TWS_ERR_INVALID_UTF8`); what may travel to TWS is decided in one place,
//! the engine's `check_str` (tab, LF and CR pass; other control characters
//! are refused; text-form messages also refuse non-ASCII), which maps to
//! `TWS_ERR_INVALID_CHARACTER` with nothing sent. The header's conventions
//! and the doc of `TWS_ERR_INVALID_CHARACTER` state the rule.

#![allow(non_camel_case_types, clippy::missing_safety_doc)]

mod convert;
mod generated;
mod result;
pub(crate) mod sockopt;
mod types;

// The exports, in the order the header presents them.
mod library;

mod options;

mod session;

mod requests;

mod account_summary;

mod account_data;

mod instruments;

mod rest;

mod market_data;

mod history;
mod order_view;
mod orders;

mod delivery;

mod batch;

mod diagnostics;

mod fields;

mod record;

use std::ffi::{c_char, c_void, CStr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::client::{Client, Options};

use convert::EventSlot;
pub use diagnostics::{
    tws_log_callback, TWS_LOG_DEBUG, TWS_LOG_ERROR, TWS_LOG_INFO, TWS_LOG_TRACE, TWS_LOG_WARN,
};
pub use fields::{tws_field, tws_field_kind};
pub use result::tws_result;
use result::{boundary, set_last_error, Failure};
pub use types::*;

/// Major version of libtws; the ABI is stable within a major version (soname `libtws.so.MAJOR`).
pub const TWS_VERSION_MAJOR: u32 = 1;
/// Minor version: additions only.
pub const TWS_VERSION_MINOR: u32 = 0;
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
    poll_arena: Mutex<EventSlot>,
    /// The events of the last `tws_client_poll_batch`.
    batch_arena: Mutex<Vec<EventSlot>>,
}

/// Receives each event in callback mode, on the client's dispatch thread.
/// `event` and every pointer in it are valid only until the callback returns.
/// The callback must not unwind (no C++ exception or longjmp may leave it).
pub type tws_event_callback =
    Option<unsafe extern "C" fn(event: *const tws_event, user_data: *mut c_void)>;

/// Releases the `user_data` passed with it; called exactly once per call
/// that received it, also when that call is refused (then before it returns).
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
    if let Err(e) = client.inner.check_poisoned() {
        // An engine thread (reader, supervisor, dispatcher) panicked.
        set_last_error(&e.to_string());
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

#[cfg(test)]
mod tests;
