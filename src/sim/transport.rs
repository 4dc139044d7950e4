//! One connection's bytes with bounded waits: every read returns within a
//! short poll interval so that deadlines and the simulator's stop flag are
//! honoured, and every write gives up after a timeout.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::wire::{FrameError, FrameSplitter, DEFAULT_MAX_FRAME_LEN};

/// How long one blocking read may wait before deadlines and stop are checked.
const POLL: Duration = Duration::from_millis(50);
/// The longest a graceful close discards what the peer still sends.
const CLOSE_DRAIN: Duration = Duration::from_millis(500);
/// How long a write may block on a peer that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a connection ended.
#[derive(Debug)]
pub enum End {
    /// The simulator is stopping.
    Stopped,
    /// The peer closed the connection.
    PeerClosed,
    /// A deadline passed (handshake, startApi).
    TimedOut,
    /// The peer broke the protocol.
    Protocol(String),
    /// The socket failed.
    Io(io::Error),
    /// A scripted fault ended the connection.
    Fault(String),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Stopped => f.write_str("simulator stopping"),
            End::PeerClosed => f.write_str("peer closed the connection"),
            End::TimedOut => f.write_str("timed out"),
            End::Protocol(why) => write!(f, "protocol error: {why}"),
            End::Io(e) => write!(f, "socket error: {e}"),
            End::Fault(why) => f.write_str(why),
        }
    }
}

impl From<FrameError> for End {
    fn from(e: FrameError) -> Self {
        End::Protocol(e.to_string())
    }
}

/// A connection's socket and the frames it has received but not yet handed out.
#[derive(Debug)]
pub struct Transport {
    stream: TcpStream,
    splitter: FrameSplitter,
    stop: Arc<AtomicBool>,
}

impl Transport {
    /// Wraps an accepted socket; fails if its timeouts cannot be set.
    pub fn new(stream: TcpStream, stop: Arc<AtomicBool>) -> io::Result<Self> {
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(POLL))?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(Transport {
            stream,
            splitter: FrameSplitter::new(DEFAULT_MAX_FRAME_LEN),
            stop,
        })
    }

    /// Reads exactly `buf.len()` raw bytes (the `API\0` prefix) by `deadline`.
    pub fn read_exact_by(&mut self, buf: &mut [u8], deadline: Instant) -> Result<(), End> {
        let mut got = 0;
        while got < buf.len() {
            self.check(deadline)?;
            match self.stream.read(&mut buf[got..]) {
                Ok(0) => return Err(End::PeerClosed),
                Ok(n) => got += n,
                Err(e) if is_retry(&e) => {}
                Err(e) => return Err(End::Io(e)),
            }
        }
        Ok(())
    }

    /// The next frame's payload, received by `deadline`; `Err(End::TimedOut)`
    /// when none arrived in time.
    pub fn frame_by(&mut self, deadline: Instant) -> Result<Vec<u8>, End> {
        self.next_frame_until(deadline)?.ok_or(End::TimedOut)
    }

    /// The next frame's payload, or `Ok(None)` once `until` has passed
    /// without one.
    pub fn next_frame_until(&mut self, until: Instant) -> Result<Option<Vec<u8>>, End> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(End::Stopped);
            }
            if let Some(frame) = self.splitter.next_frame()? {
                return Ok(Some(frame.to_vec()));
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            match self.splitter.read_from(&mut self.stream) {
                Ok(0) => return Err(End::PeerClosed),
                Ok(_) => {}
                Err(e) if is_retry(&e) => {}
                Err(e) => return Err(End::Io(e)),
            }
        }
    }

    /// Writes all of `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), End> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(End::Stopped);
        }
        self.stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush())
            .map_err(End::Io)
    }

    /// Ends the connection with a FIN rather than a reset: sends nothing
    /// more, discards what the peer sent but was not read (unread bytes make
    /// the kernel reset the connection), then lets the socket drop.
    pub fn close_gracefully(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let mut sink = [0u8; 4096];
        let until = Instant::now() + CLOSE_DRAIN;
        while Instant::now() < until {
            match self.stream.read(&mut sink) {
                Ok(n) if n > 0 => {}
                _ => break,
            }
        }
    }

    fn check(&self, deadline: Instant) -> Result<(), End> {
        if self.stop.load(Ordering::SeqCst) {
            Err(End::Stopped)
        } else if Instant::now() >= deadline {
            Err(End::TimedOut)
        } else {
            Ok(())
        }
    }
}

fn is_retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
