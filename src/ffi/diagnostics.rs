//! Seeing what happens: the library's log, routed to a host callback, and the
//! per-client wire trace file.

use std::ffi::{c_char, c_void, CString};
use std::path::PathBuf;
use std::sync::Arc;

use crate::logging::{self, Level};

use super::result::{boundary, tws_result, Failure};
use super::{c_str, tws_options, tws_user_data_free, with_options, UserData};

/// Log level: something failed.
pub const TWS_LOG_ERROR: i32 = 1;
/// Log level: something went wrong but libtws goes on (connection lost, a frame that does not decode).
pub const TWS_LOG_WARN: i32 = 2;
/// Log level: session milestones (connecting, version agreed, session ready, disconnect). The default maximum.
pub const TWS_LOG_INFO: i32 = 3;
/// Log level: details for finding a problem (each connect attempt, unknown messages).
pub const TWS_LOG_DEBUG: i32 = 4;
/// Log level: everything.
pub const TWS_LOG_TRACE: i32 = 5;

/// Receives one log record: `level` (a TWS_LOG_* value), `target` (the part
/// of libtws that logs, e.g. "tws::client::reader") and `message`. Both strings
/// are valid only until the callback returns. Called on whichever thread
/// logs (a caller's thread, a reader or dispatch thread), possibly on several
/// threads at once: the callback must be thread-safe and must not unwind.
pub type tws_log_callback = Option<
    unsafe extern "C" fn(
        level: i32,
        target: *const c_char,
        message: *const c_char,
        user_data: *mut c_void,
    ),
>;

/// The host's log callback with its user data.
struct LogCallback {
    callback: unsafe extern "C" fn(i32, *const c_char, *const c_char, *mut c_void),
    data: UserData,
}

// SAFETY: tws_set_log_callback documents that the callback and its user_data
// are used from any thread, at the same time, and freed on any thread.
unsafe impl Sync for LogCallback {}

impl LogCallback {
    fn call(&self, level: Level, target: &str, message: &str) {
        let c = |s: &str| CString::new(s.replace('\0', "")).unwrap_or_default();
        let (target, message) = (c(target), c(message));
        // SAFETY: the host registered this function for this user_data; both
        // strings live until the call returns.
        unsafe {
            (self.callback)(
                level as i32,
                target.as_ptr(),
                message.as_ptr(),
                self.data.get(),
            )
        };
    }
}

/// Routes libtws's log records to `callback` (process-wide: one callback for
/// every client). Records up to the maximum level (`tws_set_log_level`,
/// default TWS_LOG_INFO) are delivered. Replaces a previous callback; pass a
/// NULL `callback` to stop logging. `user_data_free` (may be NULL) is called
/// exactly once with `user_data`: when the callback is replaced or removed,
/// after every call of it in progress has returned (so possibly on another
/// thread, inside libtws), or at once if `callback` is NULL. Without a
/// callback nothing is logged or formatted.
/// Thread-safe; may be called from inside the log callback itself.
/// Errors: none besides TWS_ERR_PANIC (returns TWS_OK).
#[no_mangle]
pub unsafe extern "C" fn tws_set_log_callback(
    callback: tws_log_callback,
    user_data: *mut c_void,
    user_data_free: tws_user_data_free,
) -> tws_result {
    boundary(
        || {},
        || {
            let data = UserData {
                ptr: user_data,
                free: user_data_free,
            };
            let sink: Option<Arc<logging::Sink>> = callback.map(|callback| {
                let host = LogCallback { callback, data };
                Arc::new(move |l: Level, t: &str, m: &str| host.call(l, t, m)) as Arc<logging::Sink>
            });
            // Dropping the previous sink frees its user_data once the last call in progress returns.
            drop(logging::set_sink(sink));
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Sets the most verbose level passed to the log callback: TWS_LOG_ERROR (1)
/// through TWS_LOG_TRACE (5); default TWS_LOG_INFO. Process-wide; thread-safe.
/// Errors: TWS_ERR_INVALID_ARGUMENT for any other value.
#[no_mangle]
pub extern "C" fn tws_set_log_level(level: i32) -> tws_result {
    boundary(
        || {},
        || {
            let level = Level::from_number(level).ok_or_else(|| {
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!(
                        "log level {level} is not one of TWS_LOG_ERROR (1) .. TWS_LOG_TRACE (5)"
                    ),
                )
            })?;
            logging::set_max_level(level);
            Ok(tws_result::TWS_OK)
        },
    )
}

/// The name of a log level ("error", "warn", "info", "debug", "trace"), or
/// "unknown". Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_log_level_str(level: i32) -> *const c_char {
    let name = match Level::from_number(level) {
        Some(Level::Error) => "error\0",
        Some(Level::Warn) => "warn\0",
        Some(Level::Info) => "info\0",
        Some(Level::Debug) => "debug\0",
        Some(Level::Trace) => "trace\0",
        None => "unknown\0",
    };
    name.as_ptr().cast()
}

/// Enables the wire trace: clients made from these options append one line
/// per message sent and received to the file at `path` (created if missing),
/// like the API message log TWS keeps:
/// `2026-11-25T14:50:35.123456Z -> ReqAccountSummary req_id: 0, group: "All", tags: "..."`
/// (UTC timestamp, `->` sent / `<-` received, message name, fields as
/// `name: value` with the field names `tws-decode` prints). The handshake is traced as `Handshake` / `ServerVersion`,
/// messages libtws does not know as `Unknown`, undecodable ones as
/// `DecodeFailed` and a broken frame as `ProtocolError`, both ending in
/// `hex: <digits>` (the frame with its length prefix; `tws-decode --trace FILE`
/// decodes them again). Lines marked `--` record the connection's events:
/// `Connect` (host, port, client id, server version), `Connected`,
/// `ConnectionLost` (reason), `Reconnecting`, `Reconnected`, `Disconnected`
/// and the other state events. An empty `path` disables the trace. `path` is copied; the
/// file is opened by `tws_client_new`, which fails with TWS_ERR_IO if it
/// cannot be. Account data travels in clear text in the trace: protect the file.
/// Errors: TWS_ERR_NULL_ARGUMENT, TWS_ERR_INVALID_UTF8.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_trace_file(
    options: *mut tws_options,
    path: *const c_char,
) -> tws_result {
    with_options(options, |o| {
        let path = c_str(path, "path")?;
        o.trace_file = (!path.is_empty()).then(|| PathBuf::from(path));
        Ok(())
    })
}
