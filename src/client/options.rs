//! How a client connects and delivers events.

use crate::protocol::versions::{MAX_CLIENT_VERSION, MIN_CLIENT_VERSION};
use crate::wire::DEFAULT_MAX_FRAME_LEN;

use super::Error;

/// Connection and delivery settings; [`Options::default`] suits real TWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Lowest protocol version advertised (default 100).
    pub min_version: i32,
    /// Highest protocol version advertised (default 226).
    pub max_version: i32,
    /// Appended to the version range in the handshake, e.g. `+PACEAPI`.
    pub connect_options: String,
    /// Sent with startApi (from server version 72).
    pub optional_capabilities: String,
    /// Events held before the reader stops reading the socket (backpressure).
    pub queue_capacity: usize,
    /// Longest frame accepted; longer is a protocol error (default 16 MiB - 1).
    pub max_frame_len: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_version: MIN_CLIENT_VERSION,
            max_version: MAX_CLIENT_VERSION,
            connect_options: String::new(),
            optional_capabilities: String::new(),
            queue_capacity: 65_536,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }
}

impl Options {
    /// Checks the settings for consistency.
    pub fn validate(&self) -> Result<(), Error> {
        if self.min_version < MIN_CLIENT_VERSION || self.min_version > self.max_version {
            return Err(Error::InvalidArgument(format!(
                "version range {}..{} is empty or below {MIN_CLIENT_VERSION}",
                self.min_version, self.max_version
            )));
        }
        if self.queue_capacity == 0 {
            return Err(Error::InvalidArgument(
                "queue capacity must be at least 1".into(),
            ));
        }
        if self.max_frame_len < 64 {
            return Err(Error::InvalidArgument(
                "max frame length must be at least 64".into(),
            ));
        }
        crate::protocol::codec::check_str(&self.connect_options, "connect_options", true)?;
        crate::protocol::codec::check_str(
            &self.optional_capabilities,
            "optional_capabilities",
            true,
        )?;
        Ok(())
    }
}
