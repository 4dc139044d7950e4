//! Every way a client call can fail.

use crate::protocol::EncodeError;

/// A failed client call. Each variant maps to one `tws_result` code in the C API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An argument is out of range or malformed.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A string cannot travel on the wire (NUL, or non-ASCII in text form).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// Nothing listens at the address (the port is closed).
    #[error("connection refused: {0}")]
    ConnectionRefused(String),
    /// The deadline passed before the operation completed.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server supports none of the versions we advertised.
    #[error("no common protocol version: {0}")]
    NoCommonVersion(String),
    /// TWS refused the client id (error 326): another session uses it.
    #[error("client id in use: {0}")]
    ClientIdInUse(String),
    /// The server closed the connection.
    #[error("connection closed by peer: {0}")]
    ConnectionClosed(String),
    /// The client has no live session.
    #[error("not connected")]
    NotConnected,
    /// `connect` on a client that is connected already.
    #[error("already connected")]
    AlreadyConnected,
    /// A socket error other than the ones above.
    #[error("i/o error: {0}")]
    Io(String),
    /// The peer broke the protocol (for example an oversize frame).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// TWS answered a blocking request with an error.
    #[error("TWS error {code}: {message}")]
    Request { code: i32, message: String },
    /// A poll on a client in callback mode, or the reverse.
    #[error("wrong delivery mode: {0}")]
    WrongMode(String),
    /// A call from this client's own callback that would deadlock.
    #[error("not allowed from this client's own callback: {0}")]
    Reentrant(String),
    /// A blocking call of the same kind is already running on this client
    /// (names the call).
    #[error("busy: {0} is already running on this client")]
    Busy(String),
    /// A live subscription or a running blocking call already uses this request id.
    #[error("request id {0} is in use by a live subscription or request")]
    DuplicateRequestId(i32),
    /// An engine thread panicked; the client is unusable (`Client::is_poisoned`).
    #[error("the client is poisoned: {0}")]
    Poisoned(String),
}

impl Error {
    pub(crate) fn from_io(err: &std::io::Error, what: &str) -> Error {
        use std::io::ErrorKind::*;
        match err.kind() {
            ConnectionRefused => Error::ConnectionRefused(format!("{what}: {err}")),
            TimedOut | WouldBlock => Error::Timeout(format!("{what}: {err}")),
            ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                Error::ConnectionClosed(format!("{what}: {err}"))
            }
            NotConnected => Error::NotConnected,
            _ => Error::Io(format!("{what}: {err}")),
        }
    }
}
