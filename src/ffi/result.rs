//! Result codes, the thread-local error message and the panic boundary.

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::client::Error;
use crate::protocol::EncodeError;

/// The outcome of every fallible call. `TWS_OK` (0) is success, negative
/// values are failures, positive values are statuses that are not failures.
/// `tws_result_str` names each; `tws_last_error_message` has the detail of
/// the latest failure on the calling thread.
#[allow(non_camel_case_types)]
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_result {
    /// Success.
    TWS_OK = 0,
    /// `tws_client_poll`: no event arrived within the timeout (not a failure).
    TWS_TIMEOUT_NO_EVENT = 1,
    /// A lookup found nothing (`tws_client_order` for an order the view
    /// does not hold): not a failure; the out-argument is left unchanged.
    TWS_NOT_FOUND = 2,
    /// A required pointer argument was NULL.
    TWS_ERR_NULL_ARGUMENT = -1,
    /// An argument is out of range or inconsistent.
    TWS_ERR_INVALID_ARGUMENT = -2,
    /// A string argument is not valid UTF-8.
    TWS_ERR_INVALID_UTF8 = -3,
    /// A string holds a character that cannot travel to TWS; nothing was
    /// sent. The one rule: tab, LF and CR are accepted; every other control
    /// character (U+0001..U+001F, DEL U+007F, C1 U+0080..U+009F) is refused;
    /// in text-form messages (server versions < 201, and messages whose body
    /// is text at the negotiated version: the handshake and startApi always)
    /// every non-ASCII character is refused too. A NUL never travels (C
    /// strings end at it; the bindings refuse an embedded NUL with this code).
    TWS_ERR_INVALID_CHARACTER = -4,
    /// Nothing listens at that host and port.
    TWS_ERR_CONNECTION_REFUSED = -10,
    /// The operation did not complete within its timeout.
    TWS_ERR_TIMEOUT = -11,
    /// The server speaks none of the advertised protocol versions.
    TWS_ERR_NO_COMMON_VERSION = -12,
    /// TWS refused the client id: another session uses it (error 326).
    TWS_ERR_CLIENT_ID_IN_USE = -13,
    /// The server closed the connection.
    TWS_ERR_CONNECTION_CLOSED = -14,
    /// The client has no live session.
    TWS_ERR_NOT_CONNECTED = -15,
    /// `tws_client_connect` on a connected client.
    TWS_ERR_ALREADY_CONNECTED = -16,
    /// Another socket or system error.
    TWS_ERR_IO = -17,
    /// The server broke the protocol.
    TWS_ERR_PROTOCOL = -18,
    /// The request does not exist at the negotiated server version.
    TWS_ERR_NOT_SUPPORTED = -19,
    /// TWS answered a blocking request with an error.
    TWS_ERR_REQUEST_FAILED = -20,
    /// `tws_client_poll` while a callback is set.
    TWS_ERR_WRONG_MODE = -21,
    /// A call from inside this client's own callback that would deadlock.
    TWS_ERR_REENTRANT = -22,
    /// A blocking call of the same kind (`tws_client_positions`,
    /// `tws_client_account_updates`) is already running on this client; the
    /// detail names it. Nothing was sent.
    TWS_ERR_BUSY = -23,
    /// A live subscription (or a running blocking call) already uses this
    /// request id; cancel it first or take a fresh id from
    /// `tws_client_next_request_id`. Nothing was sent.
    TWS_ERR_DUPLICATE_REQUEST_ID = -24,
    /// libtws panicked (in the call, or in one of the client's engine
    /// threads: then a TWS_STATE_CONNECTION_LOST event with the reason
    /// "internal error: ..." goes to the callback, if one is set); the client
    /// is poisoned and every later call on it returns this code, except
    /// `tws_client_free`. Please report it.
    TWS_ERR_PANIC = -99,
}

impl tws_result {
    /// Every code with its name, for `tws_result_str`.
    pub(crate) const ALL: &'static [(tws_result, &'static str)] = &[
        (tws_result::TWS_OK, "TWS_OK\0"),
        (tws_result::TWS_TIMEOUT_NO_EVENT, "TWS_TIMEOUT_NO_EVENT\0"),
        (tws_result::TWS_NOT_FOUND, "TWS_NOT_FOUND\0"),
        (tws_result::TWS_ERR_NULL_ARGUMENT, "TWS_ERR_NULL_ARGUMENT\0"),
        (
            tws_result::TWS_ERR_INVALID_ARGUMENT,
            "TWS_ERR_INVALID_ARGUMENT\0",
        ),
        (tws_result::TWS_ERR_INVALID_UTF8, "TWS_ERR_INVALID_UTF8\0"),
        (
            tws_result::TWS_ERR_INVALID_CHARACTER,
            "TWS_ERR_INVALID_CHARACTER\0",
        ),
        (
            tws_result::TWS_ERR_CONNECTION_REFUSED,
            "TWS_ERR_CONNECTION_REFUSED\0",
        ),
        (tws_result::TWS_ERR_TIMEOUT, "TWS_ERR_TIMEOUT\0"),
        (
            tws_result::TWS_ERR_NO_COMMON_VERSION,
            "TWS_ERR_NO_COMMON_VERSION\0",
        ),
        (
            tws_result::TWS_ERR_CLIENT_ID_IN_USE,
            "TWS_ERR_CLIENT_ID_IN_USE\0",
        ),
        (
            tws_result::TWS_ERR_CONNECTION_CLOSED,
            "TWS_ERR_CONNECTION_CLOSED\0",
        ),
        (tws_result::TWS_ERR_NOT_CONNECTED, "TWS_ERR_NOT_CONNECTED\0"),
        (
            tws_result::TWS_ERR_ALREADY_CONNECTED,
            "TWS_ERR_ALREADY_CONNECTED\0",
        ),
        (tws_result::TWS_ERR_IO, "TWS_ERR_IO\0"),
        (tws_result::TWS_ERR_PROTOCOL, "TWS_ERR_PROTOCOL\0"),
        (tws_result::TWS_ERR_NOT_SUPPORTED, "TWS_ERR_NOT_SUPPORTED\0"),
        (
            tws_result::TWS_ERR_REQUEST_FAILED,
            "TWS_ERR_REQUEST_FAILED\0",
        ),
        (tws_result::TWS_ERR_WRONG_MODE, "TWS_ERR_WRONG_MODE\0"),
        (tws_result::TWS_ERR_REENTRANT, "TWS_ERR_REENTRANT\0"),
        (tws_result::TWS_ERR_BUSY, "TWS_ERR_BUSY\0"),
        (
            tws_result::TWS_ERR_DUPLICATE_REQUEST_ID,
            "TWS_ERR_DUPLICATE_REQUEST_ID\0",
        ),
        (tws_result::TWS_ERR_PANIC, "TWS_ERR_PANIC\0"),
    ];
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    /// TWS's error code of this thread's latest TWS_ERR_REQUEST_FAILED, 0 after any other failure.
    static LAST_TWS_CODE: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

/// TWS's error code of this thread's latest failure (0 unless it was TWS_ERR_REQUEST_FAILED).
pub(crate) fn last_tws_code() -> i32 {
    LAST_TWS_CODE.with(std::cell::Cell::get)
}

/// Records `message` as this thread's latest error detail.
pub(crate) fn set_last_error(message: &str) {
    let clean: Vec<u8> = message.bytes().filter(|&b| b != 0).collect();
    let text = CString::new(clean).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = text);
}

/// This thread's latest error detail; valid until the next failing call on this thread.
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// A failure: its code and its detail.
pub(crate) struct Failure(pub tws_result, pub String);

impl Failure {
    pub(crate) fn new(code: tws_result, detail: impl Into<String>) -> Self {
        Failure(code, detail.into())
    }

    pub(crate) fn null(name: &str) -> Self {
        Failure(tws_result::TWS_ERR_NULL_ARGUMENT, format!("{name} is NULL"))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        use tws_result::*;
        let code = match &e {
            Error::InvalidArgument(_) => TWS_ERR_INVALID_ARGUMENT,
            Error::Encode(EncodeError::InvalidCharacter { .. }) => TWS_ERR_INVALID_CHARACTER,
            Error::Encode(EncodeError::NotSupported { .. }) => TWS_ERR_NOT_SUPPORTED,
            Error::Encode(EncodeError::InvalidValue { .. }) => TWS_ERR_INVALID_ARGUMENT,
            Error::ConnectionRefused(_) => TWS_ERR_CONNECTION_REFUSED,
            Error::Timeout(_) => TWS_ERR_TIMEOUT,
            Error::NoCommonVersion(_) => TWS_ERR_NO_COMMON_VERSION,
            Error::ClientIdInUse(_) => TWS_ERR_CLIENT_ID_IN_USE,
            Error::ConnectionClosed(_) => TWS_ERR_CONNECTION_CLOSED,
            Error::NotConnected => TWS_ERR_NOT_CONNECTED,
            Error::AlreadyConnected => TWS_ERR_ALREADY_CONNECTED,
            Error::Io(_) => TWS_ERR_IO,
            Error::Protocol(_) => TWS_ERR_PROTOCOL,
            Error::Request { code, .. } => {
                LAST_TWS_CODE.with(|c| c.set(*code));
                TWS_ERR_REQUEST_FAILED
            }
            Error::WrongMode(_) => TWS_ERR_WRONG_MODE,
            Error::Reentrant(_) => TWS_ERR_REENTRANT,
            Error::Busy(_) => TWS_ERR_BUSY,
            Error::DuplicateRequestId(_) => TWS_ERR_DUPLICATE_REQUEST_ID,
            Error::Poisoned(_) => TWS_ERR_PANIC,
        };
        Failure(code, e.to_string())
    }
}

/// Runs an export's body: a panic becomes `TWS_ERR_PANIC` (and `on_panic`
/// runs, to poison the client), a failure sets the thread's error message.
pub(crate) fn boundary(
    on_panic: impl FnOnce(),
    body: impl FnOnce() -> Result<tws_result, Failure>,
) -> tws_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(code)) => code,
        Ok(Err(Failure(code, detail))) => {
            set_last_error(&detail);
            if code != tws_result::TWS_ERR_REQUEST_FAILED {
                LAST_TWS_CODE.with(|c| c.set(0));
            }
            code
        }
        Err(_) => {
            on_panic();
            set_last_error("libtws panicked; this client is poisoned (please report it)");
            tws_result::TWS_ERR_PANIC
        }
    }
}
