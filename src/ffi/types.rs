//! The `#[repr(C)]` views of events, rows and counters that C code reads.
//!
//! Every `const char *` in an event is borrowed: valid until the next
//! `tws_client_poll` on the same client, or until the callback returns.

#![allow(non_camel_case_types)]

use std::ffi::c_char;

/// Kinds of event (the `type` field of `tws_event`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_event_type {
    /// `data.state`: the session changed state.
    TWS_EVENT_STATE = 1,
    /// `data.error`: an error, warning, notice or connectivity message from TWS.
    TWS_EVENT_ERROR = 2,
    /// `data.next_valid_id`: the next valid order id.
    TWS_EVENT_NEXT_VALID_ID = 3,
    /// `data.managed_accounts`: the accounts this login manages.
    TWS_EVENT_MANAGED_ACCOUNTS = 4,
    /// `data.account_summary`: one account-summary row.
    TWS_EVENT_ACCOUNT_SUMMARY = 5,
    /// `data.account_summary_end`: the first snapshot is complete.
    TWS_EVENT_ACCOUNT_SUMMARY_END = 6,
    /// `data.current_time`: the server clock in seconds.
    TWS_EVENT_CURRENT_TIME = 7,
    /// `data.current_time_millis`: the server clock in milliseconds.
    TWS_EVENT_CURRENT_TIME_MILLIS = 8,
    /// `data.unknown_message`: a message id this libtws does not know yet.
    TWS_EVENT_UNKNOWN_MESSAGE = 9,
    /// `data.decode_error`: a message that failed to decode; the session goes on.
    TWS_EVENT_DECODE_ERROR = 10,
}

/// Session states (`tws_state_event.state`, `tws_client_state`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_state {
    /// No session.
    TWS_STATE_DISCONNECTED = 0,
    /// The session is ready.
    TWS_STATE_CONNECTED = 1,
    /// The socket closed or failed without `tws_client_disconnect`.
    TWS_STATE_CONNECTION_LOST = 2,
}

/// What an error message means (`tws_error_event.error_class`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_error_class {
    /// Informational (2104, 2106, 2158 data farm OK, ...): not a failure.
    TWS_ERROR_CLASS_NOTICE = 0,
    /// A warning (2100..2199 by IB's convention): the request stands.
    TWS_ERROR_CLASS_WARNING = 1,
    /// A request or the session failed.
    TWS_ERROR_CLASS_ERROR = 2,
    /// TWS's own link to IB: 1100 lost, 1101 restored (data lost), 1102 restored (data kept), 1300.
    TWS_ERROR_CLASS_CONNECTIVITY = 3,
}

/// `TWS_EVENT_STATE`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_state_event {
    /// A `tws_state` value.
    pub state: i32,
    /// Why (for example "connection closed by peer"); may be empty, never NULL.
    pub reason: *const c_char,
}

/// `TWS_EVENT_ERROR`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_error_event {
    /// The request or order id it concerns; -1 for none.
    pub req_id: i32,
    /// The TWS error code.
    pub code: i32,
    /// When TWS raised it, unix milliseconds (0 from servers older than v194).
    pub time_ms: i64,
    /// The message text (escapes decoded).
    pub message: *const c_char,
    /// Advanced order reject JSON, or empty.
    pub advanced_order_reject_json: *const c_char,
    /// A `tws_error_class` value.
    pub error_class: i32,
}

/// `TWS_EVENT_NEXT_VALID_ID`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_next_valid_id_event {
    pub order_id: i64,
}

/// `TWS_EVENT_MANAGED_ACCOUNTS`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_managed_accounts_event {
    /// Comma-separated account codes, as TWS sent them.
    pub accounts: *const c_char,
}

/// `TWS_EVENT_ACCOUNT_SUMMARY`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_account_summary_event {
    pub req_id: i32,
    pub account: *const c_char,
    pub tag: *const c_char,
    pub value: *const c_char,
    /// May be empty (for example for AccountType).
    pub currency: *const c_char,
}

/// `TWS_EVENT_ACCOUNT_SUMMARY_END`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_account_summary_end_event {
    pub req_id: i32,
}

/// `TWS_EVENT_CURRENT_TIME` (seconds) and `TWS_EVENT_CURRENT_TIME_MILLIS` (milliseconds).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_time_event {
    pub time: i64,
}

/// `TWS_EVENT_UNKNOWN_MESSAGE` and `TWS_EVENT_DECODE_ERROR`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_raw_message_event {
    /// The message id, or -1 when none could be read.
    pub msg_id: i32,
    /// For decode errors, why; for unknown messages, empty. Never NULL.
    pub reason: *const c_char,
    /// The frame's payload as received (without the length prefix).
    pub payload: *const u8,
    pub payload_len: usize,
}

/// The event's data; read the member named by `tws_event.type`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union tws_event_data {
    pub state: tws_state_event,
    pub error: tws_error_event,
    pub next_valid_id: tws_next_valid_id_event,
    pub managed_accounts: tws_managed_accounts_event,
    pub account_summary: tws_account_summary_event,
    pub account_summary_end: tws_account_summary_end_event,
    pub current_time: tws_time_event,
    pub raw: tws_raw_message_event,
    /// Reserves room so later event kinds never change the size.
    pub _reserved: [u64; 32],
}

/// One event. Allocated by the caller (on the stack is fine), filled by
/// `tws_client_poll`, or passed to the callback.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_event {
    /// A `tws_event_type` value.
    pub r#type: i32,
    pub data: tws_event_data,
}

/// One row of `tws_client_account_summary`. Owned by the array it is in.
#[repr(C)]
pub struct tws_account_summary_row {
    pub account: *mut c_char,
    pub tag: *mut c_char,
    pub value: *mut c_char,
    pub currency: *mut c_char,
}

/// A client's counters (`tws_client_stats`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct tws_stats {
    pub messages_in: u64,
    pub bytes_in: u64,
    pub messages_out: u64,
    pub bytes_out: u64,
    /// Frames that failed to decode.
    pub decode_errors: u64,
    /// Messages with an id libtws does not know.
    pub unknown_messages: u64,
    /// Most events ever waiting at once.
    pub queue_high_water: u64,
    /// Times the reader waited on a full queue (backpressure; nothing dropped).
    pub queue_full_waits: u64,
    /// Events waiting now.
    pub queue_len: u64,
    /// Sessions established.
    pub connects: u64,
    /// Callbacks that panicked or were otherwise contained.
    pub callback_panics: u64,
}
