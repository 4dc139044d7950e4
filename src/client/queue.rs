//! The bounded event queue between the reader thread and the consumer, with
//! an optional file descriptor that is readable while events wait.

use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{
    bounded, Receiver, RecvTimeoutError, SendTimeoutError, Sender, TrySendError,
};
use once_cell::sync::OnceCell;

use super::events::Event;
use super::stats::Stats;

/// One push in this many reads the queue length for the high-water mark.
const LENGTH_SAMPLE_EVERY: u64 = 16;

/// How often a producer blocked on a full queue re-checks whether to give up.
const BACKPRESSURE_RECHECK: Duration = Duration::from_millis(20);

/// Bounded multi-producer queue of events; full means the reader waits
/// (backpressure to the socket), never that an event is dropped.
pub(crate) struct EventQueue {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    notifier: OnceCell<Notifier>,
    stats: Arc<Stats>,
    capacity: usize,
    pushes: AtomicU64,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize, stats: Arc<Stats>) -> Self {
        let (tx, rx) = bounded(capacity);
        EventQueue {
            tx,
            rx,
            notifier: OnceCell::new(),
            stats,
            capacity,
            pushes: AtomicU64::new(0),
        }
    }

    /// Pushes an event, waiting while the queue is full. Gives up (returning
    /// false) only when `abandon` becomes true while waiting.
    pub(crate) fn push(&self, event: Event, abandon: &AtomicBool) -> bool {
        // The common case first: room in the queue, no clock read, no timer.
        let mut event = match self.tx.try_send(event) {
            Ok(()) => return self.pushed(),
            Err(TrySendError::Disconnected(_)) => return false,
            Err(TrySendError::Full(e)) => {
                // Full: the high-water mark is the capacity, exactly.
                self.stats.note_queue_len(self.capacity as u64);
                e
            }
        };
        loop {
            match self.tx.send_timeout(event, BACKPRESSURE_RECHECK) {
                Ok(()) => break,
                Err(SendTimeoutError::Timeout(e)) => {
                    self.stats.queue_full_waits.fetch_add(1, Ordering::Relaxed);
                    if abandon.load(Ordering::Acquire) {
                        return false;
                    }
                    event = e;
                }
                Err(SendTimeoutError::Disconnected(_)) => return false,
            }
        }
        self.pushed()
    }

    /// Bookkeeping after a successful push.
    fn pushed(&self) -> bool {
        // Reading the length touches the consumer's side of the channel (a
        // cache miss per push in a flood), so sample it; a full queue is
        // recorded exactly where the push finds it full.
        let pushes = self.pushes.fetch_add(1, Ordering::Relaxed);
        if pushes % LENGTH_SAMPLE_EVERY == 0 {
            self.stats.note_queue_len(self.tx.len() as u64);
        }
        if let Some(n) = self.notifier.get() {
            n.signal();
        }
        true
    }

    /// Pushes an event, waiting at most `limit` for room. False if it found none.
    pub(crate) fn push_within(&self, event: Event, limit: Duration) -> bool {
        match self.tx.send_timeout(event, limit) {
            Ok(()) => self.pushed(),
            Err(_) => {
                self.stats.queue_full_waits.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Takes the next event, waiting up to `timeout`.
    pub(crate) fn pop(&self, timeout: Duration) -> Option<Event> {
        // Try first: while events flow this reads no clock and arms no timer.
        let event = match self.rx.try_recv() {
            Ok(e) => Some(e),
            Err(_) if timeout.is_zero() => None,
            Err(_) => match self.rx.recv_timeout(timeout) {
                Ok(e) => Some(e),
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
            },
        };
        if let Some(n) = self.notifier.get() {
            n.settle(|| !self.rx.is_empty());
        }
        event
    }

    /// Events waiting now.
    pub(crate) fn len(&self) -> usize {
        self.rx.len()
    }

    /// The readiness descriptor, created on first use.
    pub(crate) fn fd(&self) -> std::io::Result<i32> {
        let n = self.notifier.get_or_try_init(Notifier::new)?;
        n.settle(|| !self.rx.is_empty());
        Ok(n.fd)
    }
}

/// A socket pair whose reading end is readable while `signaled` is set. Only
/// the edges cost a system call: the first push into an empty queue, and the
/// pop that empties it.
struct Notifier {
    reader: UnixStream,
    writer: UnixStream,
    fd: i32,
    signaled: AtomicBool,
}

impl Notifier {
    fn new() -> std::io::Result<Self> {
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        Ok(Notifier {
            fd: reader.as_raw_fd(),
            reader,
            writer,
            signaled: AtomicBool::new(false),
        })
    }

    fn signal(&self) {
        if !self.signaled.swap(true, Ordering::AcqRel) {
            // One byte is enough: readability, not a count, is the signal.
            let _ = (&self.writer).write(&[1]);
        }
    }

    /// Makes the fd's readability match `non_empty()` after a consumer took events.
    fn settle(&self, non_empty: impl Fn() -> bool) {
        if non_empty() {
            self.signal();
            return;
        }
        // Drain while the flag is still set: no producer writes then (only
        // the one that flips it from false does), so no fresh byte is eaten.
        if self.signaled.load(Ordering::Acquire) {
            let mut sink = [0u8; 16];
            while matches!((&self.reader).read(&mut sink), Ok(n) if n > 0) {}
            self.signaled.store(false, Ordering::Release);
        }
        // A push that saw the flag still set wrote nothing: look again.
        if non_empty() {
            self.signal();
        }
    }
}
