//! Batched poll: many events per call, for hosts where every call across
//! the C boundary is expensive (the Python binding's `Client.poll_many`).

use std::time::Duration;

use super::convert::EventSlot;
use super::result::{tws_result, Failure};
use super::types::tws_event;
use super::{ms, put, tws_client, with_client};

/// Poll mode, many events at once: waits up to `timeout_ms` (0 = do not
/// wait) for a first event, then takes, without waiting, the events already
/// queued behind it, up to `max` in all, into `out_events[0]` ..
/// `out_events[*out_count - 1]`. Returns TWS_OK with `*out_count` >= 1, or
/// TWS_TIMEOUT_NO_EVENT with `*out_count` 0. Everything else is as for
/// `tws_client_poll` (order, the final disconnect event, TWS_ERR_NOT_CONNECTED
/// with an empty queue and nothing to arrive, TWS_ERR_WRONG_MODE while a
/// callback is set). The events' pointers are valid until the next
/// `tws_client_poll_batch` or `tws_client_poll` on this client (from any
/// thread) or `tws_client_free`: poll from one thread at a time, or copy what
/// you keep. `out_events` must have room for `max` events.
/// Errors: TWS_ERR_NULL_ARGUMENT (`out_events` or `out_count` NULL);
/// TWS_ERR_INVALID_ARGUMENT (`max` 0).
///
/// # Safety
/// `client` is NULL or live; `out_events` is NULL or valid for `max`
/// writes of `tws_event`; `out_count` is NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn tws_client_poll_batch(
    client: *mut tws_client,
    timeout_ms: u32,
    out_events: *mut tws_event,
    max: usize,
    out_count: *mut usize,
) -> tws_result {
    let mut count = 0usize;
    let code = with_client(client, |c| {
        if out_events.is_null() {
            return Err(Failure::null("out_events"));
        }
        if out_count.is_null() {
            return Err(Failure::null("out_count"));
        }
        put(out_count, "out_count", 0)?;
        if max == 0 {
            return Err(Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                "max must be at least 1",
            ));
        }
        // The single poll's slot too: its event is invalidated, as documented.
        let _single = c.poll_arena.lock().unwrap_or_else(|p| p.into_inner());
        let mut slots = c.batch_arena.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() < max {
            slots.resize_with(max, EventSlot::default);
        }
        let version = c.inner.server_version().unwrap_or(0);
        let mut wait = ms(timeout_ms);
        while count < max {
            let event = match c.inner.poll(wait) {
                Ok(Some(event)) => event,
                Ok(None) => break,
                // An error after the first event ends the batch; it comes
                // again on the next call.
                Err(_) if count > 0 => break,
                Err(e) => return Err(e.into()),
            };
            let converted = slots[count].convert_owned(event, version);
            // SAFETY: `count < max` and `out_events` is valid for `max` writes.
            put(unsafe { out_events.add(count) }, "out_events", converted)?;
            count += 1;
            wait = Duration::ZERO;
        }
        put(out_count, "out_count", count)
    });
    if code == tws_result::TWS_OK && count == 0 {
        tws_result::TWS_TIMEOUT_NO_EVENT
    } else {
        code
    }
}
