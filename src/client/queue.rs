//! The bounded event queue between the reader thread and the consumer, with
//! an optional file descriptor that is readable while events wait.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, SendTimeoutError, Sender};
use once_cell::sync::OnceCell;

use super::events::Event;
use super::stats::Stats;

/// How often a producer blocked on a full queue re-checks whether to give up.
const BACKPRESSURE_RECHECK: Duration = Duration::from_millis(20);

/// Bounded multi-producer queue of events; full means the reader waits
/// (backpressure to the socket), never that an event is dropped.
pub(crate) struct EventQueue {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    notifier: OnceCell<Notifier>,
    stats: Arc<Stats>,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize, stats: Arc<Stats>) -> Self {
        let (tx, rx) = bounded(capacity);
        EventQueue {
            tx,
            rx,
            notifier: OnceCell::new(),
            stats,
        }
    }

    /// Pushes an event, waiting while the queue is full. Gives up (returning
    /// false) only when `abandon` becomes true while waiting.
    pub(crate) fn push(&self, event: Event, abandon: &AtomicBool) -> bool {
        let mut event = event;
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
        self.stats.note_queue_len(self.tx.len() as u64);
        if let Some(n) = self.notifier.get() {
            n.signal();
        }
        true
    }

    /// Pushes an event, waiting at most `limit` for room. False if it found none.
    pub(crate) fn push_within(&self, event: Event, limit: Duration) -> bool {
        match self.tx.send_timeout(event, limit) {
            Ok(()) => {
                self.stats.note_queue_len(self.tx.len() as u64);
                if let Some(n) = self.notifier.get() {
                    n.signal();
                }
                true
            }
            Err(_) => {
                self.stats.queue_full_waits.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Takes the next event, waiting up to `timeout`.
    pub(crate) fn pop(&self, timeout: Duration) -> Option<Event> {
        let event = if timeout.is_zero() {
            self.rx.try_recv().ok()
        } else {
            match self.rx.recv_timeout(timeout) {
                Ok(e) => Some(e),
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
            }
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

/// An eventfd that is readable while `signaled` is set. Only the edges cost
/// a system call: the first push into an empty queue, and the pop that empties it.
struct Notifier {
    fd: i32,
    signaled: AtomicBool,
}

impl Notifier {
    fn new() -> std::io::Result<Self> {
        // SAFETY: eventfd takes no pointers; the result is checked below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Notifier {
            fd,
            signaled: AtomicBool::new(false),
        })
    }

    fn signal(&self) {
        if !self.signaled.swap(true, Ordering::AcqRel) {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a live u64 to our own eventfd.
            unsafe { libc::write(self.fd, (&one as *const u64).cast(), 8) };
        }
    }

    /// Makes the fd's readability match `non_empty()` after a consumer took events.
    fn settle(&self, non_empty: impl Fn() -> bool) {
        if non_empty() {
            self.signal();
            return;
        }
        if self.signaled.swap(false, Ordering::AcqRel) {
            let mut sink: u64 = 0;
            // SAFETY: reads at most 8 bytes into a live u64 from our own non-blocking eventfd.
            unsafe { libc::read(self.fd, (&mut sink as *mut u64).cast(), 8) };
        }
        if non_empty() {
            self.signal();
        }
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        // SAFETY: the fd is ours and closed once.
        unsafe { libc::close(self.fd) };
    }
}
