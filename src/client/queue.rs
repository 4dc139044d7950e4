//! The bounded event queue between the reader thread and the consumer, with
//! an optional file descriptor that is readable while events wait.
//!
//! Bounds: at most `capacity` events and at most `max_bytes` bytes of what
//! they hold (payloads, frames, long strings); a producer that would go past
//! either waits (backpressure to the socket), an event is never dropped. An
//! empty queue always admits one event, so a single large event passes.
//!
//! Final state events (`disconnect`'s `Disconnected`) never wait: when the
//! queue is full they go to a side list the consumer sees once the queue is
//! empty, and later pushes wait behind them, so the order is kept.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{
    bounded, select, Receiver, Select, SendTimeoutError, Sender, TrySendError,
};
use once_cell::sync::OnceCell;

use super::events::Event;
use super::lock;
use super::stats::Stats;

/// One push in this many reads the queue length for the high-water mark.
const LENGTH_SAMPLE_EVERY: u64 = 16;

/// How often a producer blocked on a full queue re-checks whether to give up.
const BACKPRESSURE_RECHECK: Duration = Duration::from_millis(20);

/// Wake-up tokens that may wait at once (more would only repeat the news).
const WAKE_TOKENS: usize = 64;

/// An event and the bytes it was counted for.
type Slot = (Event, usize);

/// Bounded multi-producer queue of events; full means the reader waits
/// (backpressure to the socket), never that an event is dropped.
pub(crate) struct EventQueue {
    tx: Sender<Slot>,
    rx: Receiver<Slot>,
    /// Wakes consumers blocked in `pop` for something that is not an event
    /// in the channel (a final event, a mode change, a disconnect).
    wake_tx: Sender<()>,
    wake_rx: Receiver<()>,
    notifier: OnceCell<Notifier>,
    stats: Arc<Stats>,
    capacity: usize,
    max_bytes: usize,
    /// Bytes held by the events in the channel.
    bytes: AtomicUsize,
    /// Producers waiting for bytes to be released.
    byte_waiters: AtomicUsize,
    room: Mutex<()>,
    room_changed: Condvar,
    /// Final state events waiting for the channel to empty.
    finals: Mutex<VecDeque<Event>>,
    finals_pending: AtomicBool,
    pushes: AtomicU64,
    /// `Options::busy_poll`: waiting consumers spin instead of sleeping.
    busy_poll: AtomicBool,
}

/// While spinning, the wait conditions are re-checked (and the clock read)
/// once in this many looks at the queue.
const SPIN_CHECK_EVERY: u32 = 64;

impl EventQueue {
    pub(crate) fn new(capacity: usize, max_bytes: usize, stats: Arc<Stats>) -> Self {
        let (tx, rx) = bounded(capacity);
        let (wake_tx, wake_rx) = bounded(WAKE_TOKENS);
        EventQueue {
            tx,
            rx,
            wake_tx,
            wake_rx,
            notifier: OnceCell::new(),
            stats,
            capacity,
            max_bytes,
            bytes: AtomicUsize::new(0),
            byte_waiters: AtomicUsize::new(0),
            room: Mutex::new(()),
            room_changed: Condvar::new(),
            finals: Mutex::new(VecDeque::new()),
            finals_pending: AtomicBool::new(false),
            pushes: AtomicU64::new(0),
            busy_poll: AtomicBool::new(false),
        }
    }

    /// Low-latency mode: consumers waiting in `pop` spin (see `Options::busy_poll`).
    pub(crate) fn set_busy_poll(&self, on: bool) {
        self.busy_poll.store(on, Ordering::Relaxed);
    }

    /// Pushes an event, waiting while the queue is full. Gives up (returning
    /// false) only when `abandon` becomes true while waiting.
    pub(crate) fn push(&self, event: Event, abandon: &AtomicBool) -> bool {
        let weight = event.heap_bytes();
        self.push_weighed(event, weight, abandon)
    }

    /// `push` for an event made from a frame of `frame_len` bytes: it is
    /// counted for at least the frame (what a decoded message's fields copy).
    pub(crate) fn push_frame(&self, event: Event, frame_len: usize, abandon: &AtomicBool) -> bool {
        let weight = event.heap_bytes().max(frame_len);
        self.push_weighed(event, weight, abandon)
    }

    /// `push_frame` without waiting: `None`, and the event dropped, when the
    /// queue is full (in events or in bytes, or while final events wait).
    pub(crate) fn try_push_frame(&self, event: Event, frame_len: usize) -> Option<bool> {
        let weight = event.heap_bytes().max(frame_len);
        loop {
            if self.finals_pending.load(Ordering::Acquire) {
                return None;
            }
            let held = self.bytes.load(Ordering::Relaxed);
            if held != 0 && held.saturating_add(weight) > self.max_bytes {
                return None;
            }
            if self
                .bytes
                .compare_exchange_weak(held, held + weight, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                break;
            }
        }
        match self.tx.try_send((event, weight)) {
            Ok(()) => Some(self.pushed()),
            Err(TrySendError::Disconnected(_)) => Some(self.unreserve(weight)),
            Err(TrySendError::Full(_)) => {
                self.stats.note_queue_len(self.capacity as u64);
                self.release(weight);
                None
            }
        }
    }

    fn push_weighed(&self, event: Event, weight: usize, abandon: &AtomicBool) -> bool {
        if !self.reserve(weight, abandon) {
            return false;
        }
        // The common case first: room in the queue, no clock read, no timer.
        let mut slot = match self.tx.try_send((event, weight)) {
            Ok(()) => return self.pushed(),
            Err(TrySendError::Disconnected(_)) => return self.unreserve(weight),
            Err(TrySendError::Full(s)) => {
                // Full: the high-water mark is the capacity, exactly.
                self.stats.note_queue_len(self.capacity as u64);
                s
            }
        };
        loop {
            match self.tx.send_timeout(slot, BACKPRESSURE_RECHECK) {
                Ok(()) => break,
                Err(SendTimeoutError::Timeout(s)) => {
                    self.stats.queue_full_waits.fetch_add(1, Ordering::Relaxed);
                    if abandon.load(Ordering::Acquire) {
                        return self.unreserve(weight);
                    }
                    slot = s;
                }
                Err(SendTimeoutError::Disconnected(_)) => return self.unreserve(weight),
            }
        }
        self.pushed()
    }

    /// Counts `weight` bytes in, waiting while they would pass the bound (or
    /// while final events wait). False when `abandon` became true.
    fn reserve(&self, weight: usize, abandon: &AtomicBool) -> bool {
        loop {
            if !self.finals_pending.load(Ordering::Acquire) {
                let held = self.bytes.load(Ordering::Relaxed);
                if held == 0 || held.saturating_add(weight) <= self.max_bytes {
                    if self
                        .bytes
                        .compare_exchange_weak(
                            held,
                            held + weight,
                            Ordering::AcqRel,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                    {
                        return true;
                    }
                    continue;
                }
            }
            self.stats.queue_full_waits.fetch_add(1, Ordering::Relaxed);
            if abandon.load(Ordering::Acquire) {
                return false;
            }
            // Wait for the consumer to release bytes (it notifies while a
            // waiter is registered; the timeout covers the rest).
            self.byte_waiters.fetch_add(1, Ordering::SeqCst);
            let guard = lock(&self.room);
            let still_blocked = self.finals_pending.load(Ordering::SeqCst) || {
                let held = self.bytes.load(Ordering::SeqCst);
                held != 0 && held.saturating_add(weight) > self.max_bytes
            };
            if still_blocked {
                let _ = self
                    .room_changed
                    .wait_timeout(guard, BACKPRESSURE_RECHECK)
                    .unwrap_or_else(|p| p.into_inner());
            }
            self.byte_waiters.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn unreserve(&self, weight: usize) -> bool {
        self.release(weight);
        false
    }

    /// Counts `weight` bytes out and wakes a producer waiting for them.
    fn release(&self, weight: usize) {
        if weight != 0 {
            self.bytes.fetch_sub(weight, Ordering::SeqCst);
        }
        if self.byte_waiters.load(Ordering::SeqCst) != 0 {
            let _guard = lock(&self.room);
            self.room_changed.notify_all();
        }
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

    /// Queues an event without ever waiting: into the queue when there is
    /// room, else after everything queued (delivered once the queue has
    /// emptied; later pushes wait behind it). For final state events and for
    /// the few events made on a thread that may be the queue's consumer.
    pub(crate) fn push_final(&self, event: Event) {
        let mut finals = lock(&self.finals);
        if finals.is_empty() {
            let weight = event.heap_bytes();
            // Counted without waiting: a final event may pass the byte bound.
            self.bytes.fetch_add(weight, Ordering::AcqRel);
            match self.tx.try_send((event, weight)) {
                Ok(()) => {
                    drop(finals);
                    self.pushed();
                    self.wake();
                    return;
                }
                Err(TrySendError::Full((e, _)) | TrySendError::Disconnected((e, _))) => {
                    self.release(weight);
                    finals.push_back(e);
                }
            }
        } else {
            finals.push_back(event);
        }
        self.finals_pending.store(true, Ordering::SeqCst);
        self.stats.queue_full_waits.fetch_add(1, Ordering::Relaxed);
        drop(finals);
        if let Some(n) = self.notifier.get() {
            n.signal();
        }
        self.wake();
    }

    /// Wakes consumers blocked in `pop` so that they re-check their conditions.
    pub(crate) fn wake(&self) {
        let _ = self.wake_tx.try_send(());
    }

    /// Takes the next event without waiting.
    fn try_take(&self) -> Option<Event> {
        if let Ok((e, w)) = self.rx.try_recv() {
            self.release(w);
            return Some(e);
        }
        if !self.finals_pending.load(Ordering::Acquire) {
            return None;
        }
        let mut finals = lock(&self.finals);
        if !self.rx.is_empty() {
            // Something was pushed before the finals: it goes first.
            drop(finals);
            return self.try_take();
        }
        let e = finals.pop_front();
        if finals.is_empty() {
            self.finals_pending.store(false, Ordering::SeqCst);
            drop(finals);
            // Producers waiting behind the finals may go on.
            self.release(0);
        }
        e
    }

    /// Takes the next event without waiting (callbacks on the reader thread
    /// drain what other threads queued). Cheap on an empty queue: inlined,
    /// so the reader's look per event is two loads.
    #[inline]
    pub(crate) fn try_pop(&self) -> Option<Event> {
        if !self.non_empty_relaxed() {
            return None;
        }
        let got = self.try_take();
        if let Some(n) = self.notifier.get() {
            n.settle(|| self.non_empty());
        }
        got
    }

    /// Waits up to `timeout` until an event is queued, without taking it;
    /// false on the timeout or a wake-up (`wake`). Always sleeps, whatever
    /// `busy_poll` says: its one user, the dispatcher of callbacks on the
    /// reader thread, sees only the few events other threads make.
    pub(crate) fn wait_ready(&self, timeout: Duration) -> bool {
        if self.non_empty() {
            return true;
        }
        let mut select = Select::new();
        let events = select.recv(&self.rx);
        select.recv(&self.wake_rx);
        match select.ready_timeout(timeout) {
            Ok(i) if i == events => true,
            Ok(_) => {
                // A wake-up token means "re-check": consumed here.
                let _ = self.wake_rx.try_recv();
                self.non_empty()
            }
            Err(_) => self.non_empty(),
        }
    }

    /// Takes the next event, waiting up to `timeout`.
    pub(crate) fn pop(&self, timeout: Duration) -> Option<Event> {
        self.pop_checked(timeout, || Ok::<(), ()>(()))
            .unwrap_or(None)
    }

    /// Takes the next event, waiting up to `timeout`; before each wait (and
    /// after each wake-up) `check` may end the wait with its error. Events
    /// already queued are taken before `check` is asked.
    pub(crate) fn pop_checked<E>(
        &self,
        timeout: Duration,
        check: impl Fn() -> Result<(), E>,
    ) -> Result<Option<Event>, E> {
        let got = self.pop_inner(timeout, check);
        if let Some(n) = self.notifier.get() {
            n.settle(|| self.non_empty());
        }
        got
    }

    fn pop_inner<E>(
        &self,
        timeout: Duration,
        check: impl Fn() -> Result<(), E>,
    ) -> Result<Option<Event>, E> {
        // Try first: while events flow this reads no clock and arms no timer.
        if let Some(e) = self.try_take() {
            return Ok(Some(e));
        }
        check()?;
        if timeout.is_zero() {
            return Ok(None);
        }
        let deadline = Instant::now() + timeout;
        if self.busy_poll.load(Ordering::Relaxed) {
            return self.spin_until(deadline, check);
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            select! {
                recv(self.rx) -> got => match got {
                    Ok((e, w)) => {
                        self.release(w);
                        return Ok(Some(e));
                    }
                    Err(_) => return Ok(None),
                },
                recv(self.wake_rx) -> _ => {}
                default(left) => return Ok(None),
            }
            if let Some(e) = self.try_take() {
                return Ok(Some(e));
            }
            check()?;
        }
    }

    /// The busy-poll wait: looks at the queue until an event, `deadline` or
    /// an error of `check`; yields the CPU between looks, so that on a busy
    /// machine the reader (and everyone else) still runs.
    fn spin_until<E>(
        &self,
        deadline: Instant,
        check: impl Fn() -> Result<(), E>,
    ) -> Result<Option<Event>, E> {
        let mut looks = 0u32;
        loop {
            if let Some(e) = self.try_take() {
                return Ok(Some(e));
            }
            looks = looks.wrapping_add(1);
            if looks % SPIN_CHECK_EVERY == 0 {
                check()?;
                if Instant::now() >= deadline {
                    return Ok(None);
                }
                // A wake-up token means "re-check": it is consumed here.
                let _ = self.wake_rx.try_recv();
            }
            std::hint::spin_loop();
            std::thread::yield_now();
        }
    }

    fn non_empty(&self) -> bool {
        !self.rx.is_empty() || self.finals_pending.load(Ordering::SeqCst)
    }

    /// `non_empty` without the full fence, for a look per event.
    #[inline]
    fn non_empty_relaxed(&self) -> bool {
        !self.rx.is_empty() || self.finals_pending.load(Ordering::Acquire)
    }

    /// Events waiting now.
    pub(crate) fn len(&self) -> usize {
        let finals = if self.finals_pending.load(Ordering::Acquire) {
            lock(&self.finals).len()
        } else {
            0
        };
        self.rx.len() + finals
    }

    /// Bytes held by the events waiting now (finals not counted).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The readiness descriptor, created on first use.
    pub(crate) fn fd(&self) -> std::io::Result<i32> {
        let n = self.notifier.get_or_try_init(Notifier::new)?;
        n.settle(|| self.non_empty());
        Ok(n.fd)
    }

    /// True when the readiness descriptor exists and is readable now. Test aid.
    #[cfg(test)]
    fn fd_readable(&self) -> bool {
        self.notifier.get().is_some_and(Notifier::readable)
    }
}

/// A socket pair whose reading end is readable while `signaled` is set.
///
/// The protocol that keeps the byte and the flag consistent: only the
/// producer that flips `signaled` from false to true writes a byte, so at
/// most one byte is ever in the pipe; a consumer clears the flag only after
/// it has read that byte (if the byte is not there yet, the flag stays set
/// and the next settle reads it), then re-checks the queue. So the
/// descriptor can be readable with the queue empty only until the next
/// `poll`, which drains it: a level-triggered loop never spins.
/// Only the edges cost a system call: the first push into an empty queue,
/// and the pop that empties it.
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
        if self.flip() {
            self.write_byte();
        }
    }

    /// Sets the flag; true when this call flipped it (and so owes the byte).
    fn flip(&self) -> bool {
        !self.signaled.swap(true, Ordering::SeqCst)
    }

    fn write_byte(&self) {
        // One byte is enough: readability, not a count, is the signal.
        let _ = (&self.writer).write(&[1]);
    }

    /// Makes the fd's readability match `non_empty()` after a consumer took events.
    fn settle(&self, non_empty: impl Fn() -> bool) {
        if non_empty() {
            self.signal();
            return;
        }
        if !self.signaled.load(Ordering::SeqCst) {
            return;
        }
        // The flag is set: the byte is in the pipe or about to be written by
        // the producer that set it. Clear the flag only once it is read.
        let mut sink = [0u8; 16];
        let drained = loop {
            match (&self.reader).read(&mut sink) {
                Ok(n) if n > 0 => break true,
                Ok(_) => break false,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break false,
            }
        };
        if !drained {
            // Not written yet: it will be, and the next settle reads it.
            return;
        }
        self.signaled.store(false, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        // A push that saw the flag still set wrote nothing: look again.
        if non_empty() {
            self.signal();
        }
    }

    #[cfg(test)]
    fn readable(&self) -> bool {
        let mut pfd = [0u8; 1];
        match (&self.reader).read(&mut pfd) {
            Ok(n) if n > 0 => {
                // Put it back: the test only looks.
                self.write_byte();
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ConnectionState;

    fn queue(capacity: usize, max_bytes: usize) -> EventQueue {
        EventQueue::new(capacity, max_bytes, Arc::new(Stats::default()))
    }

    fn unknown(i: i32, len: usize) -> Event {
        Event::Unknown {
            msg_id: i,
            payload: vec![0; len],
        }
    }

    /// The interleaving of the issue, step by step: the producer flips the
    /// flag, the consumer finds the queue empty and settles, then the
    /// producer's byte arrives. The descriptor must not stay readable.
    #[test]
    fn a_late_byte_does_not_leave_the_descriptor_readable() {
        let q = queue(8, 1 << 20);
        let n = q.notifier.get_or_try_init(Notifier::new).unwrap();
        let never = AtomicBool::new(false);
        // Producer: the event goes in, the flag flips, the byte is not written yet.
        q.tx.try_send((unknown(1, 1), 1)).unwrap();
        q.bytes.fetch_add(1, Ordering::SeqCst);
        assert!(n.flip());
        // Consumer: takes the event, finds the queue empty, settles.
        assert!(q.pop(Duration::ZERO).is_some());
        // Producer: its byte arrives now.
        n.write_byte();
        // The next poll (what an epoll loop does on readability) finds
        // nothing and must leave the descriptor quiet.
        assert!(q.pop(Duration::ZERO).is_none());
        assert!(!q.fd_readable(), "descriptor readable with an empty queue");
        // And it still signals the next event.
        assert!(q.push(unknown(2, 1), &never));
        assert!(q.fd_readable());
        assert!(q.pop(Duration::ZERO).is_some());
        assert!(!q.fd_readable());
    }

    #[test]
    fn the_byte_bound_holds_and_one_large_event_passes() {
        let q = Arc::new(queue(1000, 1000));
        let never = AtomicBool::new(false);
        // One event larger than the bound enters an empty queue.
        assert!(q.push(unknown(0, 5000), &never));
        let q2 = q.clone();
        let producer = std::thread::spawn(move || {
            let never = AtomicBool::new(false);
            for i in 1..50 {
                assert!(q2.push(unknown(i, 300), &never));
                assert!(q2.bytes() <= 5000);
            }
        });
        std::thread::sleep(Duration::from_millis(100));
        // Blocked behind the large event.
        assert_eq!(q.len(), 1);
        let mut seen = Vec::new();
        while seen.len() < 50 {
            if let Some(Event::Unknown { msg_id, .. }) = q.pop(Duration::from_secs(5)) {
                assert!(q.bytes() <= 1000 || seen.is_empty());
                seen.push(msg_id);
            }
        }
        producer.join().unwrap();
        assert_eq!(seen, (0..50).collect::<Vec<_>>());
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn a_final_event_on_a_full_queue_comes_last_and_never_blocks() {
        let q = queue(2, 1 << 20);
        let never = AtomicBool::new(false);
        assert!(q.push(unknown(0, 1), &never));
        assert!(q.push(unknown(1, 1), &never));
        q.push_final(Event::state(ConnectionState::Disconnected, "bye"));
        assert_eq!(q.len(), 3);
        assert!(matches!(
            q.pop(Duration::ZERO),
            Some(Event::Unknown { msg_id: 0, .. })
        ));
        assert!(matches!(
            q.pop(Duration::ZERO),
            Some(Event::Unknown { msg_id: 1, .. })
        ));
        assert!(matches!(
            q.pop(Duration::ZERO),
            Some(Event::State {
                state: ConnectionState::Disconnected,
                ..
            })
        ));
        assert!(q.pop(Duration::ZERO).is_none());
    }

    /// The low-latency mode spins instead of sleeping: a waiting pop takes
    /// an event pushed from another thread, in order, and an empty queue
    /// still times out.
    #[test]
    fn a_busy_poll_takes_events_from_another_thread_and_times_out() {
        let q = Arc::new(queue(8, 1 << 20));
        q.set_busy_poll(true);
        let producer = {
            let q = q.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                let abandon = AtomicBool::new(false);
                assert!(q.push(unknown(1, 1), &abandon));
                assert!(q.push(unknown(2, 1), &abandon));
            })
        };
        let ids: Vec<i32> = (0..2)
            .map(|_| match q.pop(Duration::from_secs(5)) {
                Some(Event::Unknown { msg_id, .. }) => msg_id,
                other => panic!("expected an event, got {other:?}"),
            })
            .collect();
        producer.join().unwrap();
        assert_eq!(ids, [1, 2]);
        let started = Instant::now();
        assert!(q.pop(Duration::from_millis(30)).is_none());
        assert!(started.elapsed() >= Duration::from_millis(30));
    }
}
