//! The options builder.

use std::ffi::c_char;

use crate::client::{HistoryPacing, Liveness, Options, ReconnectPolicy};

use super::result::{boundary, tws_result, Failure};
use super::{c_str, ms, put, tws_options, with_options};

/// Creates options with the defaults: versions 100..226, no connect options,
/// queue of 65536 events and 64 MiB of their data, frames up to 16 MiB - 1,
/// automatic reconnect on, pacing at 50 messages per second, dead-peer
/// detection after 20 s + 10 s.
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
/// is below 100 or above `max_version`, or `max_version` is above 226 (the
/// highest version libtws implements).
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
/// TWS_ERR_INVALID_UTF8, TWS_ERR_INVALID_CHARACTER (the handshake is text: ASCII only).
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_connect_options(
    options: *mut tws_options,
    connect_options: *const c_char,
) -> tws_result {
    with_options(options, |o| {
        o.connect_options = handshake_text(connect_options, "connect_options")?;
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
        o.optional_capabilities = handshake_text(capabilities, "optional_capabilities")?;
        Ok(())
    })
}

/// Sets how many events may wait before the reader stops reading the socket
/// (backpressure; events are never dropped, except ticks folded into the
/// quote view while the queue is full: `tws_options_set_conflate_ticks`).
/// Default 65536.
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

/// Sets how many bytes the waiting events may hold (payloads, frames,
/// texts) before the reader stops reading the socket (backpressure; events
/// are never dropped). Default 67108864 (64 MiB): with the default options
/// the queue holds at most 65536 events and 64 MiB of their data. One event
/// always enters an empty queue, so a single larger event still passes.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT for 0.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_queue_max_bytes(
    options: *mut tws_options,
    bytes: u64,
) -> tws_result {
    with_options(options, |o| {
        if bytes == 0 {
            return Err(Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                "queue max bytes must be at least 1",
            ));
        }
        o.queue_max_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
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

/// Configures automatic reconnection (on by default: 1000 ms initial delay,
/// 30000 ms maximum, 20 % jitter, unlimited attempts). After a session that
/// `tws_client_connect` established is lost, attempt n waits
/// `initial_delay_ms * 2^(n-1)` (at most `max_delay_ms`), varied by up to
/// `jitter_percent` either way, and is bounded by the connect timeout.
/// `enabled` 0 turns reconnecting off (any other value turns it on).
/// `max_attempts` 0 means unlimited; TWS refusing the client id (error 326)
/// stops reconnecting after 3 refusals in a row regardless.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT when
/// `initial_delay_ms` is 0 or above `max_delay_ms`, or `jitter_percent` > 100.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_reconnect(
    options: *mut tws_options,
    enabled: i32,
    initial_delay_ms: u32,
    max_delay_ms: u32,
    jitter_percent: u32,
    max_attempts: u32,
) -> tws_result {
    with_options(options, |o| {
        let mut candidate = o.clone();
        candidate.reconnect = ReconnectPolicy {
            enabled: enabled != 0,
            initial_delay: ms(initial_delay_ms),
            max_delay: ms(max_delay_ms),
            jitter_percent,
            max_attempts,
        };
        candidate.validate()?;
        *o = candidate;
        Ok(())
    })
}

/// Sets outgoing pacing: at most `max_messages_per_second` messages in any
/// one-second window (default 50, TWS's own limit; 0 = no pacing). A request
/// beyond it waits in the calling thread for its slot, in order; nothing is
/// dropped. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_pacing(
    options: *mut tws_options,
    max_messages_per_second: u32,
) -> tws_result {
    with_options(options, |o| {
        o.max_messages_per_second = max_messages_per_second;
        Ok(())
    })
}

/// Sets dead-peer detection (on by default: 20000 ms idle, 10000 ms timeout).
/// After `idle_ms` without a single byte from TWS, the engine sends
/// reqCurrentTime as a probe (its currentTime answer is not delivered as an
/// event); if nothing at all arrives within `timeout_ms` more, the
/// connection is treated as lost: a TWS_STATE_CONNECTION_LOST event with the
/// reason "no data from TWS for N s (dead-peer probe unanswered)", then the
/// normal reconnect. A frozen TWS, a dropped NAT mapping or a machine that
/// slept is so noticed within `idle_ms + timeout_ms`. `idle_ms` 0 turns it
/// off (`timeout_ms` is then ignored). TCP keepalive is on either way.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT when `idle_ms` is
/// not 0 and either value is outside 10..3600000.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_liveness(
    options: *mut tws_options,
    idle_ms: u32,
    timeout_ms: u32,
) -> tws_result {
    with_options(options, |o| {
        let mut candidate = o.clone();
        candidate.liveness = if idle_ms == 0 {
            Liveness::off()
        } else {
            Liveness {
                idle: ms(idle_ms),
                timeout: ms(timeout_ms),
            }
        };
        candidate.validate()?;
        *o = candidate;
        Ok(())
    })
}

/// Sets tick conflation (on by default). With it on, while the event queue
/// is full, a tick whose values the quote view (`tws_client_quote`) already
/// holds is folded into the view and not queued, so the view never lags
/// behind the market with a slow consumer; `tws_client_stat(client,
/// "ticks_conflated", ...)` counts them. Off, every tick waits for room in
/// the queue like every other event (and the reader, with it, waits).
/// Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_conflate_ticks(
    options: *mut tws_options,
    conflate: bool,
) -> tws_result {
    with_options(options, |o| {
        o.conflate_ticks = conflate;
        Ok(())
    })
}

/// Turns the historical-data pacing on (the default) or off. On, a history
/// request (reqHistoricalData, reqHeadTimeStamp, reqHistogramData,
/// reqHistoricalTicks) that would break one of TWS's pacing rules (no
/// identical request within 15 s; at most 5 for one contract, exchange and
/// what-to-show within 2 s; at most 60 within 10 minutes, BID_ASK counting
/// twice; at most 50 open at once) waits until it would not, and is never
/// dropped: TWS then never answers error 162 or 420 for pacing.
/// `tws_client_stat(client, "history_paced", ...)` counts the requests that
/// waited, "history_pacing_wait_ms" the time. Off, they go at once.
/// Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_history_pacing(
    options: *mut tws_options,
    enabled: bool,
) -> tws_result {
    with_options(options, |o| {
        o.history_pacing.enabled = enabled;
        Ok(())
    })
}

/// Sets the historical-data pacing rules (see
/// `tws_options_set_history_pacing`; defaults 15000, 2000, 5, 600000, 60,
/// 50): no identical request within `identical_ms`; at most
/// `same_contract_max` requests for one contract, exchange and what-to-show
/// within `same_contract_ms`; at most `window_max` within `window_ms`
/// (BID_ASK counting twice in both); at most `max_open` open at once. Turns
/// the pacing on. For a TWS with other limits, and for tests.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT when
/// `same_contract_max` or `window_max` is below 2 or `max_open` is 0.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_history_pacing_rules(
    options: *mut tws_options,
    identical_ms: u32,
    same_contract_ms: u32,
    same_contract_max: u32,
    window_ms: u32,
    window_max: u32,
    max_open: u32,
) -> tws_result {
    with_options(options, |o| {
        let mut candidate = o.clone();
        candidate.history_pacing = HistoryPacing {
            enabled: true,
            identical_window: ms(identical_ms),
            same_contract_window: ms(same_contract_ms),
            same_contract_max,
            window: ms(window_ms),
            window_max,
            max_open,
        };
        candidate.validate()?;
        *o = candidate;
        Ok(())
    })
}

/// Sets the low-latency mode (off by default). On, `tws_client_poll` waiting
/// for an event, and the thread that runs the callback, spin on the event
/// queue (yielding the CPU between looks) instead of sleeping until the
/// reader wakes them: one thread wake-up less per event, the round trip
/// close to a raw socket's (with `tws_options_set_callbacks_on_reader` the
/// reader spins on the socket instead, and the dispatch thread sleeps: the
/// lowest latency). The price: a waiting consumer keeps a core busy
/// while it waits (in callback mode, as long as the callback is set), so
/// give it a core of its own; in the callback, do not block (no sleeping,
/// no waiting on locks the host holds for long, no blocking library calls
/// such as `tws_client_contract_details`): every event behind it
/// waits. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_busy_poll(
    options: *mut tws_options,
    busy_poll: bool,
) -> tws_result {
    with_options(options, |o| {
        o.busy_poll = busy_poll;
        Ok(())
    })
}

/// Sets callbacks on the reader thread (off by default). On, while a
/// callback is set (`tws_client_set_callback`), the reader thread calls it
/// with each message it decoded: no queue and no thread hand-over in
/// between, the fastest delivery there is; the events other threads make
/// (state changes, pacing notices) still reach it in arrival order, from the
/// dispatch thread, never at the same time. With `tws_options_set_busy_poll`
/// the reader also spins on the socket instead of sleeping in `read`: the
/// lowest round-trip latency, for a core kept busy while connected. What the
/// callback must not do then: block (while it runs nothing is read; TWS
/// buffers); call what waits for TWS's answer (the blocking calls such as
/// `tws_client_contract_details`, `tws_client_connect`, a historical-data
/// request held by pacing): they return TWS_ERR_REENTRANT, since the answer
/// could only come through the thread that waits. `tws_client_disconnect`
/// in the callback returns at once; the connection ends when the callback
/// returns. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_callbacks_on_reader(
    options: *mut tws_options,
    on: bool,
) -> tws_result {
    with_options(options, |o| {
        o.callbacks_on_reader = on;
        Ok(())
    })
}

/// A copy of a C string that travels in the handshake or startApi, which
/// are text: ASCII only (tab, LF and CR aside, no control characters).
fn handshake_text(p: *const c_char, name: &'static str) -> Result<String, Failure> {
    let text = c_str(p, name)?;
    crate::protocol::codec::check_str(text, name, true).map_err(crate::client::Error::from)?;
    Ok(text.to_owned())
}
