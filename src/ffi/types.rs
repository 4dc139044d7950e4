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
    /// `data.current_time` (its `time` in milliseconds): the server clock.
    TWS_EVENT_CURRENT_TIME_MILLIS = 8,
    /// `data.raw`: a message id this libtws does not know yet.
    TWS_EVENT_UNKNOWN_MESSAGE = 9,
    /// `data.raw`: a message that failed to decode; the session goes on.
    TWS_EVENT_DECODE_ERROR = 10,
    /// `data.position`: one position (after `tws_client_req_positions`).
    TWS_EVENT_POSITION = 11,
    /// No data: every position of the first snapshot has been sent.
    TWS_EVENT_POSITION_END = 12,
    /// `data.account_value`: one value of the subscribed account.
    TWS_EVENT_ACCOUNT_VALUE = 13,
    /// `data.portfolio_value`: one holding of the subscribed account, valued.
    TWS_EVENT_PORTFOLIO_VALUE = 14,
    /// `data.account_update_time`: when the account values were last updated.
    TWS_EVENT_ACCOUNT_UPDATE_TIME = 15,
    /// `data.account_download_end`: the first account-updates snapshot is complete.
    TWS_EVENT_ACCOUNT_DOWNLOAD_END = 16,
    /// `data.position_multi`: one position of an account and/or model.
    TWS_EVENT_POSITION_MULTI = 17,
    /// `data.multi_end`: the positions-multi snapshot `req_id` is complete.
    TWS_EVENT_POSITION_MULTI_END = 18,
    /// `data.account_update_multi`: one value of an account and/or model.
    TWS_EVENT_ACCOUNT_UPDATE_MULTI = 19,
    /// `data.multi_end`: the account-updates-multi snapshot `req_id` is complete.
    TWS_EVENT_ACCOUNT_UPDATE_MULTI_END = 20,
    /// `data.pnl`: PnL of an account and/or model.
    TWS_EVENT_PNL = 21,
    /// `data.pnl_single`: PnL of one position.
    TWS_EVENT_PNL_SINGLE = 22,
    /// `data.raw`: the peer broke the framing (for example a length prefix
    /// over the maximum frame length; `payload` holds those 4 bytes, and the
    /// announced frame was neither read nor allocated). The connection is
    /// closed: a TWS_STATE_CONNECTION_LOST event follows, then reconnecting.
    TWS_EVENT_PROTOCOL_ERROR = 23,
}

impl tws_event_type {
    /// The event type with this value, if any.
    pub(crate) fn from_i32(value: i32) -> Option<tws_event_type> {
        use tws_event_type::*;
        // A match on the value, not a position in a table; `name` below is
        // the exhaustive match that makes a new kind name itself.
        Some(match value {
            1 => TWS_EVENT_STATE,
            2 => TWS_EVENT_ERROR,
            3 => TWS_EVENT_NEXT_VALID_ID,
            4 => TWS_EVENT_MANAGED_ACCOUNTS,
            5 => TWS_EVENT_ACCOUNT_SUMMARY,
            6 => TWS_EVENT_ACCOUNT_SUMMARY_END,
            7 => TWS_EVENT_CURRENT_TIME,
            8 => TWS_EVENT_CURRENT_TIME_MILLIS,
            9 => TWS_EVENT_UNKNOWN_MESSAGE,
            10 => TWS_EVENT_DECODE_ERROR,
            11 => TWS_EVENT_POSITION,
            12 => TWS_EVENT_POSITION_END,
            13 => TWS_EVENT_ACCOUNT_VALUE,
            14 => TWS_EVENT_PORTFOLIO_VALUE,
            15 => TWS_EVENT_ACCOUNT_UPDATE_TIME,
            16 => TWS_EVENT_ACCOUNT_DOWNLOAD_END,
            17 => TWS_EVENT_POSITION_MULTI,
            18 => TWS_EVENT_POSITION_MULTI_END,
            19 => TWS_EVENT_ACCOUNT_UPDATE_MULTI,
            20 => TWS_EVENT_ACCOUNT_UPDATE_MULTI_END,
            21 => TWS_EVENT_PNL,
            22 => TWS_EVENT_PNL_SINGLE,
            23 => TWS_EVENT_PROTOCOL_ERROR,
            _ => return None,
        })
        .filter(|t| *t as i32 == value)
    }

    /// The name without the `TWS_EVENT_` prefix, NUL-terminated.
    pub(crate) fn name(self) -> &'static str {
        use tws_event_type::*;
        match self {
            TWS_EVENT_STATE => "STATE\0",
            TWS_EVENT_ERROR => "ERROR\0",
            TWS_EVENT_NEXT_VALID_ID => "NEXT_VALID_ID\0",
            TWS_EVENT_MANAGED_ACCOUNTS => "MANAGED_ACCOUNTS\0",
            TWS_EVENT_ACCOUNT_SUMMARY => "ACCOUNT_SUMMARY\0",
            TWS_EVENT_ACCOUNT_SUMMARY_END => "ACCOUNT_SUMMARY_END\0",
            TWS_EVENT_CURRENT_TIME => "CURRENT_TIME\0",
            TWS_EVENT_CURRENT_TIME_MILLIS => "CURRENT_TIME_MILLIS\0",
            TWS_EVENT_UNKNOWN_MESSAGE => "UNKNOWN_MESSAGE\0",
            TWS_EVENT_DECODE_ERROR => "DECODE_ERROR\0",
            TWS_EVENT_POSITION => "POSITION\0",
            TWS_EVENT_POSITION_END => "POSITION_END\0",
            TWS_EVENT_ACCOUNT_VALUE => "ACCOUNT_VALUE\0",
            TWS_EVENT_PORTFOLIO_VALUE => "PORTFOLIO_VALUE\0",
            TWS_EVENT_ACCOUNT_UPDATE_TIME => "ACCOUNT_UPDATE_TIME\0",
            TWS_EVENT_ACCOUNT_DOWNLOAD_END => "ACCOUNT_DOWNLOAD_END\0",
            TWS_EVENT_POSITION_MULTI => "POSITION_MULTI\0",
            TWS_EVENT_POSITION_MULTI_END => "POSITION_MULTI_END\0",
            TWS_EVENT_ACCOUNT_UPDATE_MULTI => "ACCOUNT_UPDATE_MULTI\0",
            TWS_EVENT_ACCOUNT_UPDATE_MULTI_END => "ACCOUNT_UPDATE_MULTI_END\0",
            TWS_EVENT_PNL => "PNL\0",
            TWS_EVENT_PNL_SINGLE => "PNL_SINGLE\0",
            TWS_EVENT_PROTOCOL_ERROR => "PROTOCOL_ERROR\0",
        }
    }
}

/// Session states (`tws_state_event.state`, `tws_client_state`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_state {
    /// No session.
    TWS_STATE_DISCONNECTED = 0,
    /// The session is ready.
    TWS_STATE_CONNECTED = 1,
    /// The socket closed or failed without `tws_client_disconnect`; `reason`
    /// says how. With reconnect on (the default), TWS_STATE_RECONNECTING follows.
    TWS_STATE_CONNECTION_LOST = 2,
    /// A reconnect attempt is scheduled: attempt number `attempt` (from 1)
    /// starts in `next_delay_ms`. `reason` is the previous attempt's failure.
    /// Requests fail with TWS_ERR_NOT_CONNECTED meanwhile.
    TWS_STATE_RECONNECTING = 3,
    /// Event only: the session is back and ready, and `resubscribed` live
    /// subscriptions (account summaries, positions, account updates, *Multi,
    /// PnL) are re-issued under their own
    /// request ids right after this event; their rows follow it. The state
    /// is then TWS_STATE_CONNECTED.
    TWS_STATE_RECONNECTED = 4,
    /// Event only: reconnecting stopped for good; `reason` says why (the
    /// attempts ran out, or TWS kept answering error 326, client id in use).
    /// The state is then TWS_STATE_DISCONNECTED.
    TWS_STATE_RECONNECT_FAILED = 5,
    /// TWS lost its own connection to IB (error 1100). The socket to TWS
    /// stays up and requests are accepted; data pauses.
    TWS_STATE_IB_LINK_LOST = 6,
    /// Event only: TWS is connected to IB again. After 1101 (data lost) the
    /// live subscriptions were re-issued (`resubscribed` says how many);
    /// after 1102 (data kept) none was. The state is then TWS_STATE_CONNECTED.
    TWS_STATE_IB_LINK_RESTORED = 7,
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
    /// TWS_STATE_RECONNECTING: the attempt about to be made (from 1); else 0.
    pub attempt: u32,
    /// TWS_STATE_RECONNECTING: milliseconds until that attempt; else 0.
    pub next_delay_ms: u32,
    /// TWS_STATE_RECONNECTED, TWS_STATE_IB_LINK_RESTORED: how many live
    /// subscriptions were re-issued; else 0.
    pub resubscribed: u32,
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
    /// The next order id this client may use (TWS's nextValidId; it also marks the session
    /// ready).
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
    /// The `req_id` of the `tws_client_req_account_summary` subscription.
    pub req_id: i32,
    /// The account code (e.g. "DU123456"). Borrowed: valid until the next tws_client_poll
    /// on this client or until the callback returns; never NULL, may be empty.
    pub account: *const c_char,
    /// The summary tag (e.g. "NetLiquidation", "AccountType"). Borrowed: valid until the
    /// next tws_client_poll on this client or until the callback returns; never NULL, may
    /// be empty.
    pub tag: *const c_char,
    /// The value, exactly as TWS sent it: decimal text for amounts (e.g. "100000.00"),
    /// plain text otherwise (e.g. "INDIVIDUAL"). Borrowed: valid until the next
    /// tws_client_poll on this client or until the callback returns; never NULL, may be
    /// empty.
    pub value: *const c_char,
    /// May be empty (for example for AccountType).
    pub currency: *const c_char,
}

/// `TWS_EVENT_ACCOUNT_SUMMARY_END`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_account_summary_end_event {
    /// The `req_id` of the subscription whose first snapshot is complete.
    pub req_id: i32,
}

/// `TWS_EVENT_CURRENT_TIME` (seconds) and `TWS_EVENT_CURRENT_TIME_MILLIS` (milliseconds).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_time_event {
    /// The server clock since the unix epoch: in seconds for TWS_EVENT_CURRENT_TIME, in
    /// milliseconds for TWS_EVENT_CURRENT_TIME_MILLIS.
    pub time: i64,
}

/// `TWS_EVENT_UNKNOWN_MESSAGE`, `TWS_EVENT_DECODE_ERROR` and `TWS_EVENT_PROTOCOL_ERROR`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_raw_message_event {
    /// The message id, or -1 when none could be read.
    pub msg_id: i32,
    /// For decode errors, why; for unknown messages, empty. Never NULL.
    pub reason: *const c_char,
    /// The frame's payload as received (without the length prefix).
    pub payload: *const u8,
    /// Length of `payload` in bytes; when 0, `payload` may be NULL.
    pub payload_len: usize,
}

/// The event's data; read the member named by `tws_event.type`.
/// ABI growth: the union is fixed at 256 bytes and the row structs
/// (`tws_position_row`, ...) at their current layout, so an event or row that
/// needs more room cannot be added without breaking the ABI. This scheme is
/// being replaced (the message-catalogue work); until then no member grows.
#[repr(C)]
#[derive(Clone, Copy)]
pub union tws_event_data {
    /// `TWS_EVENT_STATE`.
    pub state: tws_state_event,
    /// `TWS_EVENT_ERROR`.
    pub error: tws_error_event,
    /// `TWS_EVENT_NEXT_VALID_ID`.
    pub next_valid_id: tws_next_valid_id_event,
    /// `TWS_EVENT_MANAGED_ACCOUNTS`.
    pub managed_accounts: tws_managed_accounts_event,
    /// `TWS_EVENT_ACCOUNT_SUMMARY`.
    pub account_summary: tws_account_summary_event,
    /// `TWS_EVENT_ACCOUNT_SUMMARY_END`.
    pub account_summary_end: tws_account_summary_end_event,
    /// `TWS_EVENT_CURRENT_TIME` and `TWS_EVENT_CURRENT_TIME_MILLIS`.
    pub current_time: tws_time_event,
    /// `TWS_EVENT_UNKNOWN_MESSAGE`, `TWS_EVENT_DECODE_ERROR` and
    /// `TWS_EVENT_PROTOCOL_ERROR`.
    pub raw: tws_raw_message_event,
    /// `TWS_EVENT_POSITION`.
    pub position: tws_position_event,
    /// `TWS_EVENT_ACCOUNT_VALUE`.
    pub account_value: tws_account_value_event,
    /// `TWS_EVENT_PORTFOLIO_VALUE`.
    pub portfolio_value: tws_portfolio_value_event,
    /// `TWS_EVENT_ACCOUNT_UPDATE_TIME`.
    pub account_update_time: tws_account_update_time_event,
    /// `TWS_EVENT_ACCOUNT_DOWNLOAD_END`.
    pub account_download_end: tws_account_download_end_event,
    /// `TWS_EVENT_POSITION_MULTI`.
    pub position_multi: tws_position_multi_event,
    /// `TWS_EVENT_ACCOUNT_UPDATE_MULTI`.
    pub account_update_multi: tws_account_update_multi_event,
    /// `TWS_EVENT_POSITION_MULTI_END` and `TWS_EVENT_ACCOUNT_UPDATE_MULTI_END`.
    pub multi_end: tws_multi_end_event,
    /// `TWS_EVENT_PNL`.
    pub pnl: tws_pnl_event,
    /// `TWS_EVENT_PNL_SINGLE`.
    pub pnl_single: tws_pnl_single_event,
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
    /// The member named by `type` holds the data (none for TWS_EVENT_POSITION_END). Its
    /// pointers are borrowed: valid until the next tws_client_poll on this client or until
    /// the callback returns.
    pub data: tws_event_data,
}

/// One row of `tws_client_account_summary`. Owned by the array it is in.
#[repr(C)]
pub struct tws_account_summary_row {
    /// The account code (e.g. "DU123456"). Owned by the array; freed by
    /// `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub account: *mut c_char,
    /// The summary tag (e.g. "NetLiquidation"). Owned by the array; freed by
    /// `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub tag: *mut c_char,
    /// The value, exactly as TWS sent it (e.g. "100000.00", "INDIVIDUAL"). Owned by the
    /// array; freed by `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub value: *mut c_char,
    /// The currency; empty for tags without one (e.g. AccountType). Owned by the array;
    /// freed by `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub currency: *mut c_char,
}

/// A client's counters (`tws_client_stats`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct tws_stats {
    /// Messages (frames) received from TWS since `tws_client_new`.
    pub messages_in: u64,
    /// Bytes received from TWS, length prefixes included.
    pub bytes_in: u64,
    /// Messages sent to TWS, the handshake included.
    pub messages_out: u64,
    /// Bytes sent to TWS, the handshake and length prefixes included.
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
    /// Sessions established (by tws_client_connect and by reconnecting).
    pub connects: u64,
    /// Callbacks that panicked or were otherwise contained.
    pub callback_panics: u64,
    /// Sessions re-established automatically after a lost connection.
    pub reconnects: u64,
    /// Reconnect attempts made, successful or not.
    pub reconnect_attempts: u64,
    /// Subscription requests re-issued (after reconnects and error 1101).
    pub resubscriptions: u64,
    /// Requests that waited for a pacing slot (none is ever dropped).
    pub paced_delays: u64,
    /// Connections closed because the peer broke the framing.
    pub protocol_errors: u64,
    /// Answers to a blocking call that had already ended (timed out, failed,
    /// or finished before they came): dropped, never delivered as events.
    pub late_replies_dropped: u64,
}

/// The instrument of a position or portfolio row. In an event its strings are
/// borrowed like the event's; in a row from a blocking call they are owned by
/// the array the row is in. No pointer is NULL; absent values are "".
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_contract {
    /// IB's contract id.
    pub con_id: i32,
    /// The strike; 0 when the instrument has none (DBL_MAX when a protobuf
    /// message left it out: unset, as the official client reads it).
    pub strike: f64,
    /// The symbol (e.g. "AAPL"), or "".
    pub symbol: *const c_char,
    /// "STK", "OPT", "FUT", "CASH", ...
    pub sec_type: *const c_char,
    /// "YYYYMMDD" or "YYYYMM" for derivatives.
    pub last_trade_date_or_contract_month: *const c_char,
    /// "C", "P" or "".
    pub right: *const c_char,
    /// Decimal text ("100"), or "".
    pub multiplier: *const c_char,
    /// Set in position rows ("" in portfolio rows).
    pub exchange: *const c_char,
    /// Set in portfolio rows ("" in position rows).
    pub primary_exchange: *const c_char,
    /// The currency (e.g. "USD"), or "".
    pub currency: *const c_char,
    /// The exchange's own symbol for the instrument, or "".
    pub local_symbol: *const c_char,
    /// The trading class, or "".
    pub trading_class: *const c_char,
}

/// `TWS_EVENT_POSITION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_position_event {
    /// The account code (e.g. "DU123456"). Borrowed: valid until the next tws_client_poll
    /// on this client or until the callback returns; never NULL, may be empty.
    pub account: *const c_char,
    /// The instrument; its strings are borrowed like this event's.
    pub contract: tws_contract,
    /// The quantity as exact decimal text ("100", "0.5"); "" when unset.
    pub position: *const c_char,
    /// Average cost per unit (times the multiplier for derivatives).
    pub avg_cost: f64,
}

/// `TWS_EVENT_ACCOUNT_VALUE`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_account_value_event {
    /// The value's name (e.g. "NetLiquidation", "CashBalance"). Borrowed: valid until the
    /// next tws_client_poll on this client or until the callback returns; never NULL, may
    /// be empty.
    pub key: *const c_char,
    /// The value, exactly as TWS sent it (decimal text for amounts, e.g. "100000.00").
    /// Borrowed: valid until the next tws_client_poll on this client or until the callback
    /// returns; never NULL, may be empty.
    pub value: *const c_char,
    /// May be empty (for example for AccountType).
    pub currency: *const c_char,
    /// The account code. Borrowed: valid until the next tws_client_poll on this client or
    /// until the callback returns; never NULL, may be empty.
    pub account: *const c_char,
}

/// `TWS_EVENT_PORTFOLIO_VALUE`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_portfolio_value_event {
    /// The instrument; its strings are borrowed like this event's.
    pub contract: tws_contract,
    /// The quantity as exact decimal text; "" when unset.
    pub position: *const c_char,
    /// Market price per unit; 0 when TWS sent none.
    pub market_price: f64,
    /// Market value of the holding; 0 when TWS sent none.
    pub market_value: f64,
    /// Average cost per unit (times the multiplier for derivatives); 0 when TWS sent none.
    pub average_cost: f64,
    /// Unrealized PnL of the holding; 0 when TWS sent none.
    pub unrealized_pnl: f64,
    /// Realized PnL of the holding; 0 when TWS sent none.
    pub realized_pnl: f64,
    /// The account code. Borrowed: valid until the next tws_client_poll on this client or
    /// until the callback returns; never NULL, may be empty.
    pub account: *const c_char,
}

/// `TWS_EVENT_ACCOUNT_UPDATE_TIME`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_account_update_time_event {
    /// "HH:MM".
    pub time_stamp: *const c_char,
}

/// `TWS_EVENT_ACCOUNT_DOWNLOAD_END`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_account_download_end_event {
    /// The account whose first snapshot is complete. Borrowed: valid until the next
    /// tws_client_poll on this client or until the callback returns; never NULL, may be
    /// empty.
    pub account: *const c_char,
}

/// `TWS_EVENT_POSITION_MULTI`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_position_multi_event {
    /// The `req_id` of the `tws_client_req_positions_multi` subscription.
    pub req_id: i32,
    /// The account code. Borrowed: valid until the next tws_client_poll on this client or
    /// until the callback returns; never NULL, may be empty.
    pub account: *const c_char,
    /// The model code, or empty for none. Borrowed: valid until the next tws_client_poll on
    /// this client or until the callback returns; never NULL, may be empty.
    pub model_code: *const c_char,
    /// The instrument; its strings are borrowed like this event's.
    pub contract: tws_contract,
    /// The quantity as exact decimal text; "" when unset.
    pub position: *const c_char,
    /// Average cost per unit (times the multiplier for derivatives).
    pub avg_cost: f64,
}

/// `TWS_EVENT_ACCOUNT_UPDATE_MULTI`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_account_update_multi_event {
    /// The `req_id` of the `tws_client_req_account_updates_multi` subscription.
    pub req_id: i32,
    /// The account code. Borrowed: valid until the next tws_client_poll on this client or
    /// until the callback returns; never NULL, may be empty.
    pub account: *const c_char,
    /// The model code, or empty for none. Borrowed: valid until the next tws_client_poll on
    /// this client or until the callback returns; never NULL, may be empty.
    pub model_code: *const c_char,
    /// The value's name (e.g. "NetLiquidation"). Borrowed: valid until the next
    /// tws_client_poll on this client or until the callback returns; never NULL, may be
    /// empty.
    pub key: *const c_char,
    /// The value, exactly as TWS sent it (decimal text for amounts). Borrowed: valid until
    /// the next tws_client_poll on this client or until the callback returns; never NULL,
    /// may be empty.
    pub value: *const c_char,
    /// The currency; empty for values without one (e.g. AccountType). Borrowed: valid until
    /// the next tws_client_poll on this client or until the callback returns; never NULL,
    /// may be empty.
    pub currency: *const c_char,
}

/// `TWS_EVENT_POSITION_MULTI_END` and `TWS_EVENT_ACCOUNT_UPDATE_MULTI_END`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_multi_end_event {
    /// The `req_id` of the subscription whose snapshot is complete.
    pub req_id: i32,
}

/// `TWS_EVENT_PNL`. A value TWS did not set (or a server too old to send it:
/// unrealized before v129, realized before v135) is DBL_MAX.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_pnl_event {
    /// The `req_id` of the `tws_client_req_pnl` subscription.
    pub req_id: i32,
    /// Today's PnL; DBL_MAX when TWS left it unset.
    pub daily_pnl: f64,
    /// Unrealized PnL; DBL_MAX when TWS left it unset or the server is older than v129.
    pub unrealized_pnl: f64,
    /// Realized PnL; DBL_MAX when TWS left it unset or the server is older than v135.
    pub realized_pnl: f64,
}

/// `TWS_EVENT_PNL_SINGLE`. Unset values are DBL_MAX, as in `tws_pnl_event`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_pnl_single_event {
    /// The `req_id` of the `tws_client_req_pnl_single` subscription.
    pub req_id: i32,
    /// The quantity as exact decimal text; "" when unset.
    pub position: *const c_char,
    /// Today's PnL of the position; DBL_MAX when TWS left it unset.
    pub daily_pnl: f64,
    /// Unrealized PnL of the position; DBL_MAX when TWS left it unset or the server is
    /// older than v129.
    pub unrealized_pnl: f64,
    /// Realized PnL of the position; DBL_MAX when TWS left it unset or the server is older
    /// than v135.
    pub realized_pnl: f64,
    /// Market value of the position.
    pub value: f64,
}

/// One row of `tws_client_positions`. Owned by the array it is in.
#[repr(C)]
pub struct tws_position_row {
    /// The account code (e.g. "DU123456"). Owned by the array; freed by
    /// `tws_position_rows_free`. Never NULL, may be empty.
    pub account: *mut c_char,
    /// The instrument; its strings are owned by the array and freed by
    /// `tws_position_rows_free`.
    pub contract: tws_contract,
    /// Exact decimal text.
    pub position: *mut c_char,
    /// Average cost per unit (times the multiplier for derivatives).
    pub avg_cost: f64,
}

/// One value of a `tws_account_snapshot`. Owned by the snapshot.
#[repr(C)]
pub struct tws_account_value_row {
    /// The value's name (e.g. "NetLiquidation", "CashBalance"). Owned by the snapshot;
    /// freed by `tws_account_snapshot_free`. Never NULL, may be empty.
    pub key: *mut c_char,
    /// The value, exactly as TWS sent it (decimal text for amounts, e.g. "100000.00").
    /// Owned by the snapshot; freed by `tws_account_snapshot_free`. Never NULL, may be
    /// empty.
    pub value: *mut c_char,
    /// The currency; empty for values without one (e.g. AccountType). Owned by the
    /// snapshot; freed by `tws_account_snapshot_free`. Never NULL, may be empty.
    pub currency: *mut c_char,
}

/// One holding of a `tws_account_snapshot`. Owned by the snapshot.
#[repr(C)]
pub struct tws_portfolio_row {
    /// The instrument; its strings are owned by the snapshot and freed by
    /// `tws_account_snapshot_free`.
    pub contract: tws_contract,
    /// Exact decimal text.
    pub position: *mut c_char,
    /// Market price per unit; 0 when TWS sent none.
    pub market_price: f64,
    /// Market value of the holding; 0 when TWS sent none.
    pub market_value: f64,
    /// Average cost per unit (times the multiplier for derivatives); 0 when TWS sent none.
    pub average_cost: f64,
    /// Unrealized PnL of the holding; 0 when TWS sent none.
    pub unrealized_pnl: f64,
    /// Realized PnL of the holding; 0 when TWS sent none.
    pub realized_pnl: f64,
}

/// What `tws_client_account_updates` returns: one account's values and
/// portfolio. Free with `tws_account_snapshot_free`; everything in it is
/// owned by it.
#[repr(C)]
pub struct tws_account_snapshot {
    /// The account code. Owned by the snapshot; freed by `tws_account_snapshot_free`. Never
    /// NULL, may be empty.
    pub account: *mut c_char,
    /// The latest update time ("HH:MM"), or "".
    pub time: *mut c_char,
    /// `value_count` values (NULL when 0).
    pub values: *mut tws_account_value_row,
    /// Number of rows at `values`.
    pub value_count: usize,
    /// `portfolio_count` holdings (NULL when 0).
    pub portfolio: *mut tws_portfolio_row,
    /// Number of rows at `portfolio`.
    pub portfolio_count: usize,
}

// Every event kind fits the union's reserved room, so the ABI never changes size.
const _: () = assert!(std::mem::size_of::<tws_event_data>() == 256);
