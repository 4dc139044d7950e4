//! What a client delivers, in arrival order.

use crate::protocol::Incoming;

/// Where a client's session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// No session; `connect` may be called.
    Disconnected,
    /// The session is ready: `nextValidId` and `managedAccounts` arrived.
    Connected,
    /// The socket closed or failed without `disconnect` being called.
    ConnectionLost,
}

impl ConnectionState {
    /// The state's name, as in logs.
    pub fn name(self) -> &'static str {
        match self {
            ConnectionState::Disconnected => "Disconnected",
            ConnectionState::Connected => "Connected",
            ConnectionState::ConnectionLost => "ConnectionLost",
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
}
