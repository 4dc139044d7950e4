//! Library-wide functions: version, names of codes, the thread's last error.

use std::ffi::{c_char, CString};

use crate::protocol::account_tags::ALL_TAGS;

use super::result::{last_error_ptr, tws_result};
use super::types::tws_event_type;

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

/// TWS's error code behind the latest TWS_ERR_REQUEST_FAILED on the calling
/// thread (200 when a blocking call asked for an unknown instrument, 354
/// without a market data subscription, ...; `tws_error_code_name` and
/// `tws_error_code_meaning` say what it is); 0 when the latest failure on this
/// thread was another one, or none yet. Thread-local like
/// `tws_last_error_message`.
#[no_mangle]
pub extern "C" fn tws_last_tws_error_code() -> i32 {
    super::result::last_tws_code()
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
    let name = tws_event_type::from_i32(event_type).map_or("UNKNOWN\0", tws_event_type::name);
    name.as_ptr().cast()
}

/// The name of a `tws_state` ("Connected", ...), or "Unknown". Static storage; never NULL.
#[no_mangle]
pub extern "C" fn tws_state_str(state: i32) -> *const c_char {
    let name = match state {
        0 => "Disconnected\0",
        1 => "Connected\0",
        2 => "ConnectionLost\0",
        3 => "Reconnecting\0",
        4 => "Reconnected\0",
        5 => "ReconnectFailed\0",
        6 => "IbLinkLost\0",
        7 => "IbLinkRestored\0",
        8 => "Reconciled\0",
        _ => "Unknown\0",
    };
    name.as_ptr().cast()
}
