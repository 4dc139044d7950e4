//! Event delivery: poll (with a readiness descriptor) or callback.

use std::ffi::{c_int, c_void};

use super::convert::EventSlot;
use super::result::{tws_result, Failure};
use super::types::tws_event;
use super::{ms, put, tws_client, tws_event_callback, tws_user_data_free, with_client, UserData};

/// Poll mode: waits up to `timeout_ms` (0 = do not wait) for the next event
/// and writes it to `*out_event`. Returns TWS_OK with an event, or
/// TWS_TIMEOUT_NO_EVENT. The event's pointers are valid until the next
/// `tws_client_poll` on this client (from any thread) or `tws_client_free`:
/// poll from one thread at a time, or copy what you keep.
/// Events already queued are always returned first, also after a disconnect
/// (its TWS_STATE_DISCONNECTED event comes last and is never dropped, even
/// from a full queue). With the queue empty, returns TWS_ERR_NOT_CONNECTED at
/// once (without waiting) when nothing can arrive: never connected, after
/// `tws_client_disconnect`, or after reconnecting gave up, with no
/// `tws_client_connect` in progress. While reconnecting it waits as usual.
/// The readiness descriptor (`tws_client_event_fd`) is readable with the
/// queue empty at most until the next poll, which clears it: a
/// level-triggered loop does not spin.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_NOT_CONNECTED as above;
/// TWS_ERR_WRONG_MODE while a callback is set, and for a poll waiting on
/// another thread when `tws_client_set_callback` is called.
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
        let mut slot = c.poll_arena.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(event) = c.inner.poll(ms(timeout_ms))? {
            let version = c.inner.server_version().unwrap_or(0);
            put(out_event, "out_event", slot.convert_owned(event, version))?;
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
/// then called. A `tws_client_poll` waiting on another thread is ended first
/// (it returns TWS_ERR_WRONG_MODE, or the event it already took): one
/// consumer at a time, so no event goes to both, none is lost, and every
/// event the callback sees comes after every event poll returned. Pass a NULL `callback` to return to poll mode; then
/// `user_data_free`, if given, is called at once with `user_data`.
/// `user_data_free` (may be NULL) is called exactly once on every path: when
/// the callback is replaced or cleared, or by `tws_client_free`, after the
/// last call of the callback has returned; and at once, before this returns,
/// when the call is refused (any error below), so the caller never frees
/// `user_data` itself once it passed it here.
/// Errors: TWS_ERR_NULL_ARGUMENT (client); TWS_ERR_PANIC (poisoned client);
/// TWS_ERR_REENTRANT from inside this client's callback; TWS_ERR_IO.
#[no_mangle]
pub unsafe extern "C" fn tws_client_set_callback(
    client: *mut tws_client,
    callback: tws_event_callback,
    user_data: *mut c_void,
    user_data_free: tws_user_data_free,
) -> tws_result {
    // Owned from the start: every refusal below drops it, which calls user_data_free.
    let data = UserData {
        ptr: user_data,
        free: user_data_free,
    };
    with_client(client, move |c| {
        if c.inner.in_callback() {
            return Err(Failure::new(
                tws_result::TWS_ERR_REENTRANT,
                "tws_client_set_callback called from the client's own callback",
            ));
        }
        let Some(callback) = callback else {
            c.inner.clear_callback()?;
            drop(data);
            return Ok(());
        };
        let mut slot = EventSlot::default();
        let client = ClientRef(c);
        c.inner.set_callback(Box::new(move |event| {
            let c_event = slot.convert(event, client.server_version());
            // SAFETY: the caller registered this function for this user_data; the
            // event and its strings live until the call returns.
            unsafe { callback(&c_event, data.get()) };
        }))?;
        Ok(())
    })
}

/// The client, seen from its own dispatch thread (for the negotiated server
/// version the generic accessors need).
struct ClientRef(*const tws_client);

// SAFETY: the pointer is only read on the dispatch thread while the callback
// runs, and `tws_client_free` drops the client's engine (which stops and joins
// the dispatch thread, dropping this closure) before the `tws_client` memory
// is freed; `tws_client` is Sync (its fields are).
unsafe impl Send for ClientRef {}

impl ClientRef {
    fn server_version(&self) -> i32 {
        // SAFETY: see the Send impl: the client outlives its dispatch thread.
        let c = unsafe { &*self.0 };
        c.inner.server_version().unwrap_or(0)
    }
}
