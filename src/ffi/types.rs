//! The `#[repr(C)]` views of events, rows and counters that C code reads.
//!
//! Every `const char *` in an event is borrowed: valid until the next
//! `tws_client_poll` on the same client, or until the callback returns.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_void};

pub use super::generated::events::*;

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
    /// Event only: after TWS_STATE_RECONNECTED or a 1101, the open orders
    /// and the executions since the loss were requested and folded into the
    /// order view (`tws_client_order`); every fill that happened meanwhile
    /// was delivered once, as an ordinary execDetails event (req_id -1),
    /// before this event. `reason` says what was recovered (open orders
    /// seen, new fills, orders whose status changed). The state is then
    /// TWS_STATE_CONNECTED.
    TWS_STATE_RECONCILED = 8,
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

/// Where a paced historical-data request stands (`tws_pacing_event.stage`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_pacing_stage {
    /// It waits and has not been sent. Made when it starts waiting, and
    /// again when the rule holding it changes.
    TWS_PACING_HELD = 1,
    /// It waited and is sent now.
    TWS_PACING_RELEASED = 2,
    /// It waited and was not sent: its blocking call's deadline came, or the
    /// connection went (the call returns that error).
    TWS_PACING_WITHDRAWN = 3,
}

/// The rule that holds a historical-data request back (`tws_pacing_event.rule`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_pacing_rule {
    /// An earlier request for the same contract waits: requests for one
    /// contract leave in the order they came.
    TWS_PACING_RULE_CONTRACT_ORDER = 1,
    /// The most requests open at once are open.
    TWS_PACING_RULE_OPEN_REQUESTS = 2,
    /// An identical request went within the identical window (15 s).
    TWS_PACING_RULE_IDENTICAL_REQUEST = 3,
    /// The most requests for the contract, exchange and what-to-show within
    /// the same-contract window (2 s).
    TWS_PACING_RULE_SAME_CONTRACT = 4,
    /// The most requests within the overall window (10 minutes).
    TWS_PACING_RULE_WINDOW = 5,
}

/// `TWS_EVENT_HISTORY_PACING`: a historical-data request held back by the
/// pacing (`tws_options_set_history_pacing`), or let go after it was. A
/// request that never waits makes none; one that waits makes a
/// TWS_PACING_HELD event, then one TWS_PACING_RELEASED or TWS_PACING_WITHDRAWN.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_pacing_event {
    /// The request's id.
    pub req_id: i32,
    /// A `tws_pacing_stage` value.
    pub stage: i32,
    /// A `tws_pacing_rule` value: what holds it (for RELEASED and WITHDRAWN,
    /// the last rule that did).
    pub rule: i32,
    /// TWS_PACING_HELD: milliseconds the rule holds it, when the rule says
    /// (a window rule), else 0 (it waits for other requests to go or to
    /// end). RELEASED, WITHDRAWN: milliseconds it waited.
    pub wait_ms: u32,
    /// IB's name of the request ("reqHistoricalData", "reqHeadTimeStamp",
    /// "reqHistogramData", "reqHistoricalTicks"). Never NULL.
    pub request: *const c_char,
}

/// One event. Allocated by the caller (on the stack is fine), filled by
/// `tws_client_poll`, or passed to the callback. ABI 1.0: its size and
/// layout are fixed for the major version.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_event {
    /// A `tws_event_type` value.
    pub r#type: i32,
    /// The member named by `type` holds the data (kinds without a member:
    /// read them with `tws_event_field`). Its pointers are borrowed: valid
    /// until the next tws_client_poll on this client or until the callback
    /// returns.
    pub data: tws_event_data,
    /// The whole decoded message, for the generic accessors
    /// (`tws_event_message_name`, `tws_event_field_count`, `tws_event_field`,
    /// `tws_event_field_by_name`); NULL for engine events (state, unknown
    /// message, decode error, protocol error). Valid exactly as long as the
    /// event's strings.
    pub message: *const tws_message,
    /// Reserved for later versions of the ABI; NULL.
    pub _reserved: [*mut c_void; 3],
}

/// An opaque handle to the decoded message behind an event (`tws_event.message`).
/// Read it with the generic accessors; it is owned by the client.
pub struct tws_message {
    pub(crate) inner: super::fields::MessageSlot,
}
/// One row of `tws_client_account_summary`. Owned by the rows handle it is in; read it through the handle's `_at` accessor.
#[repr(C)]
pub struct tws_account_summary_row {
    /// The account code (e.g. "DU123456"). Owned by the rows handle; freed by
    /// `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub account: *const c_char,
    /// The summary tag (e.g. "NetLiquidation"). Owned by the rows handle; freed by
    /// `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub tag: *const c_char,
    /// The value, exactly as TWS sent it (e.g. "100000.00", "INDIVIDUAL"). Owned by the
    /// rows handle; freed by `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub value: *const c_char,
    /// The currency; empty for tags without one (e.g. AccountType). Owned by the array;
    /// freed by `tws_account_summary_rows_free`. Never NULL, may be empty.
    pub currency: *const c_char,
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

/// One row of `tws_client_positions`. Owned by the rows handle it is in; read it through the handle's `_at` accessor.
#[repr(C)]
pub struct tws_position_row {
    /// The account code (e.g. "DU123456"). Owned by the rows handle; freed by
    /// `tws_position_rows_free`. Never NULL, may be empty.
    pub account: *const c_char,
    /// The instrument; its strings are owned by the rows handle and freed by
    /// `tws_position_rows_free`.
    pub contract: tws_contract,
    /// Exact decimal text.
    pub position: *const c_char,
    /// Average cost per unit (times the multiplier for derivatives).
    pub avg_cost: f64,
}

/// One value of a `tws_account_snapshot`. Owned by the snapshot.
#[repr(C)]
pub struct tws_account_value_row {
    /// The value's name (e.g. "NetLiquidation", "CashBalance"). Owned by the snapshot;
    /// freed by `tws_account_snapshot_free`. Never NULL, may be empty.
    pub key: *const c_char,
    /// The value, exactly as TWS sent it (decimal text for amounts, e.g. "100000.00").
    /// Owned by the snapshot; freed by `tws_account_snapshot_free`. Never NULL, may be
    /// empty.
    pub value: *const c_char,
    /// The currency; empty for values without one (e.g. AccountType). Owned by the
    /// snapshot; freed by `tws_account_snapshot_free`. Never NULL, may be empty.
    pub currency: *const c_char,
}

/// One holding of a `tws_account_snapshot`. Owned by the snapshot.
#[repr(C)]
pub struct tws_portfolio_row {
    /// The instrument; its strings are owned by the snapshot and freed by
    /// `tws_account_snapshot_free`.
    pub contract: tws_contract,
    /// Exact decimal text.
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
}
