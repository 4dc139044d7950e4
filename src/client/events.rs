//! What a client delivers, in arrival order.

use std::time::Duration;

use crate::protocol::Incoming;

/// Where a client's session stands, and the changes a state event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// No session; `connect` may be called.
    Disconnected,
    /// The session is ready: `nextValidId` and `managedAccounts` arrived.
    Connected,
    /// The socket closed or failed without `disconnect` being called
    /// (`reason` says how). With reconnect on, `Reconnecting` follows.
    ConnectionLost,
    /// A reconnect attempt is scheduled: `attempt` (from 1) starts after `next_delay`.
    Reconnecting,
    /// Event only: the session is back and ready; `resubscribed` lists the
    /// request ids of the live subscriptions re-issued, whose requests are
    /// sent right after this event (so their rows follow it). The state is
    /// then `Connected`.
    Reconnected,
    /// Event only: reconnecting stopped for good (`reason` says why: the
    /// attempts ran out, or TWS kept refusing the client id with error 326).
    /// The state is then `Disconnected`.
    ReconnectFailed,
    /// TWS lost its own connection to IB (error 1100). The socket to TWS is
    /// up; data stops until `IbLinkRestored`.
    IbLinkLost,
    /// Event only: TWS is connected to IB again: after 1101 (data lost) the
    /// live subscriptions were re-issued (`resubscribed`), after 1102 (data
    /// kept) nothing was. The state is then `Connected`.
    IbLinkRestored,
    /// Event only: after a reconnect or a 1101, the open orders and the
    /// executions since the loss were requested and folded into the order
    /// view; every fill that happened meanwhile was delivered once, as an
    /// ordinary execDetails (req_id -1), before this event. `reason` says
    /// what was recovered (open orders seen, new fills, orders whose status
    /// changed; `Client::last_reconciliation` has the numbers). The state
    /// is then `Connected`.
    Reconciled,
}

impl ConnectionState {
    /// The state's name, as in logs.
    pub fn name(self) -> &'static str {
        match self {
            ConnectionState::Disconnected => "Disconnected",
            ConnectionState::Connected => "Connected",
            ConnectionState::ConnectionLost => "ConnectionLost",
            ConnectionState::Reconnecting => "Reconnecting",
            ConnectionState::Reconnected => "Reconnected",
            ConnectionState::ReconnectFailed => "ReconnectFailed",
            ConnectionState::IbLinkLost => "IbLinkLost",
            ConnectionState::IbLinkRestored => "IbLinkRestored",
            ConnectionState::Reconciled => "Reconciled",
        }
    }

    /// The lasting state a change leaves the session in.
    pub(crate) fn settled(self) -> ConnectionState {
        match self {
            ConnectionState::Reconnected
            | ConnectionState::IbLinkRestored
            | ConnectionState::Reconciled => ConnectionState::Connected,
            ConnectionState::ReconnectFailed => ConnectionState::Disconnected,
            other => other,
        }
    }
}

/// One event from a client.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The session changed state; `reason` says why (empty when obvious).
    State {
        state: ConnectionState,
        reason: String,
        /// `Reconnecting`: the attempt about to be made (from 1); else 0.
        attempt: u32,
        /// `Reconnecting`: the wait before that attempt; else zero.
        next_delay: Duration,
        /// `Reconnected`, `IbLinkRestored`: the request ids re-issued right after this event.
        resubscribed: Vec<i32>,
    },
    /// A decoded message from TWS.
    Message(Incoming),
    /// A message whose id this version of libtws does not know yet.
    Unknown { msg_id: i32, payload: Vec<u8> },
    /// A message that failed to decode; the session goes on.
    DecodeFailed {
        msg_id: i32,
        reason: String,
        payload: Vec<u8>,
    },
    /// The peer broke the framing (for example an oversize length prefix)
    /// and the stream cannot be trusted any more: the connection is closed
    /// (a `ConnectionLost` state event follows, then reconnecting if on).
    /// `bytes` holds what was read of the offending frame (its length prefix).
    ProtocolError { reason: String, bytes: Vec<u8> },
    /// A historical-data request is held by the pacing (`Options::history_pacing`),
    /// or was let go after being held: see [`PacingNotice`].
    Paced(PacingNotice),
}

/// A historical-data request held back by the pacing, or let go after it
/// was (`Event::Paced`). A request that never waits makes no notice; one
/// that waits makes a `Held` notice when it starts waiting (and another if
/// the rule holding it changes), then one `Released` or `Withdrawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingNotice {
    /// The request's id.
    pub req_id: i32,
    /// IB's name of the request ("reqHistoricalData", "reqHeadTimeStamp", ...).
    pub request: &'static str,
    pub stage: PacingStage,
    /// What held it (for `Released` and `Withdrawn`, the last rule that did).
    pub rule: PacingRule,
    /// `Held`: how long the rule holds it, when the rule says (a window
    /// rule), else zero (it waits for other requests to go or to end).
    /// `Released`, `Withdrawn`: how long it waited.
    pub wait: Duration,
}

/// Where a paced request stands (`PacingNotice::stage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacingStage {
    /// It waits; it has not been sent.
    Held,
    /// It waited and is sent now.
    Released,
    /// It waited and was not sent: its blocking call's deadline came, or the
    /// connection went (the call returns that error).
    Withdrawn,
}

/// Which rule holds a request back (`PacingNotice::rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacingRule {
    /// An earlier request for the same contract waits: requests for one
    /// contract leave in the order they came.
    ContractOrder,
    /// The most requests open at once (`max_open`) are open.
    OpenRequests,
    /// An identical request went within `identical_window` (15 s).
    IdenticalRequest,
    /// The most requests for the contract, exchange and what-to-show within
    /// `same_contract_window` (2 s).
    SameContract,
    /// The most requests within `window` (10 minutes).
    Window,
}

impl PacingStage {
    /// The stage's name, as in logs.
    pub fn name(self) -> &'static str {
        match self {
            PacingStage::Held => "Held",
            PacingStage::Released => "Released",
            PacingStage::Withdrawn => "Withdrawn",
        }
    }
}

impl PacingRule {
    /// The rule's name, as in logs.
    pub fn name(self) -> &'static str {
        match self {
            PacingRule::ContractOrder => "ContractOrder",
            PacingRule::OpenRequests => "OpenRequests",
            PacingRule::IdenticalRequest => "IdenticalRequest",
            PacingRule::SameContract => "SameContract",
            PacingRule::Window => "Window",
        }
    }
}

impl Event {
    /// A state event with no attempt, delay or resubscription.
    pub(crate) fn state(state: ConnectionState, reason: impl Into<String>) -> Event {
        Event::State {
            state,
            reason: reason.into(),
            attempt: 0,
            next_delay: Duration::ZERO,
            resubscribed: Vec::new(),
        }
    }
}

impl Event {
    /// The heap bytes the event holds beyond its own size, as the queue's
    /// byte bound counts them: payloads and state texts. A decoded message
    /// counts 0 here; the reader counts it for its frame's length.
    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            Event::State {
                reason,
                resubscribed,
                ..
            } => reason.len() + resubscribed.len() * std::mem::size_of::<i32>(),
            Event::Message(_) => 0,
            Event::Unknown { payload, .. } => payload.len(),
            Event::DecodeFailed {
                reason, payload, ..
            } => reason.len() + payload.len(),
            Event::ProtocolError { reason, bytes } => reason.len() + bytes.len(),
            Event::Paced(_) => 0,
        }
    }
}
