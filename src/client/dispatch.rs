//! Callback delivery: one engine-owned thread takes events from the queue in
//! arrival order and hands each to the user's callback. With
//! `Options::callbacks_on_reader` the reader thread calls the callback itself
//! for what it decodes (`deliver_on_reader`), and the dispatch thread only
//! delivers what other threads queue; the callback then lives in
//! `Shared::inline_callback`, whose lock makes sure it runs on one thread at
//! a time and sees the events in arrival order.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::events::Event;
use super::liveness::panic_message;
use super::{lock, Shared};

/// The user's event handler. It runs on the dispatch thread, one event at a time.
pub type Callback = Box<dyn FnMut(&Event) + Send + 'static>;

pub(crate) struct Dispatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

thread_local! {
    /// On a dispatch thread: the address of the client state it serves
    /// (0 elsewhere). Lets "am I inside this client's callback?" be answered
    /// without a lock, so a callback can call any client function without
    /// waiting on whoever is stopping it.
    static DISPATCHING_FOR: Cell<usize> = const { Cell::new(0) };
    /// On a reader thread: the address of the client state it reads for (0
    /// elsewhere). The reader runs user code only in a callback (callbacks on
    /// the reader thread), so "on the reader thread" means "in the callback".
    static READING_FOR: Cell<usize> = const { Cell::new(0) };
    /// On a reader thread: set by `disconnect` from a callback it runs; the
    /// reader stops once the callback returns.
    static READER_STOPPING: Cell<bool> = const { Cell::new(false) };
}

/// True when the calling thread is the dispatch thread of `shared`.
pub(crate) fn is_dispatch_thread_of(shared: &Arc<Shared>) -> bool {
    DISPATCHING_FOR.with(|d| d.get()) == Arc::as_ptr(shared) as usize
}

/// True when the calling thread is a reader thread of `shared` (so, in a
/// callback it runs: callbacks on the reader thread).
pub(crate) fn is_reader_thread_of(shared: &Shared) -> bool {
    READING_FOR.with(|d| d.get()) == shared as *const Shared as usize
}

/// Marks the calling thread as a reader of `shared` for the rest of its life.
pub(crate) fn mark_reader_thread(shared: &Shared) {
    READING_FOR.with(|d| d.set(shared as *const Shared as usize));
}

/// Called by `disconnect` on a reader thread: that reader stops reading
/// once the callback returns.
pub(crate) fn stop_this_reader() {
    READER_STOPPING.with(|s| s.set(true));
}

/// True on a reader thread after `stop_this_reader`.
pub(crate) fn this_reader_stopping() -> bool {
    READER_STOPPING.with(|s| s.get())
}

/// Refuses `what` on a reader thread of `shared` with `Reentrant`: a call
/// that waits for TWS's answer would wait for itself there.
pub(crate) fn refuse_on_reader(shared: &Shared, what: &str) -> Result<(), super::Error> {
    if is_reader_thread_of(shared) {
        return Err(super::Error::Reentrant(format!(
            "{what} waits for TWS's answer, which only the reader thread running this callback can deliver"
        )));
    }
    Ok(())
}

/// Callbacks on the reader thread: when a callback is set, hands it the
/// events other threads queued, then `event`, on the calling (reader)
/// thread, and returns true. False, with nothing delivered, when no callback
/// is set: the caller queues `event` as usual.
pub(crate) fn deliver_on_reader(shared: &Shared, event: &Event) -> bool {
    let mut slot = lock(&shared.inline_callback);
    let Some(callback) = slot.as_mut() else {
        return false;
    };
    deliver_queued(shared, callback);
    call(shared, callback, event);
    true
}

/// Hands the callback every event queued now, in order.
fn deliver_queued(shared: &Shared, callback: &mut Callback) {
    while let Some(queued) = shared.queue.try_pop() {
        call(shared, callback, &queued);
    }
}

/// Runs the callback on one event, containing (and counting) a panic in it.
fn call(shared: &Shared, callback: &mut Callback, event: &Event) {
    if catch_unwind(AssertUnwindSafe(|| callback(event))).is_err() {
        shared.stats.callback_panics.fetch_add(1, Ordering::Relaxed);
    }
}

const STOP_RECHECK: Duration = Duration::from_millis(25);

/// The dispatch loop: delivers events until `stop` is set. A panic in the
/// callback is contained and counted; the caller catches any other.
fn run(shared: &Shared, stop: &AtomicBool, mut callback: Callback) {
    while !stop.load(Ordering::Acquire) {
        if let Some(event) = shared.queue.pop(STOP_RECHECK) {
            call(shared, &mut callback, &event);
            if shared.options.panic_in_dispatcher_for_tests {
                panic!("test hook: after a callback (Options::panic_in_dispatcher_for_tests)");
            }
        }
    }
    // The callback (and what it owns) is dropped here, on this thread.
    drop(callback);
}

/// The dispatch loop of callbacks on the reader thread: delivers what other
/// threads queue, under the callback's lock (so never at the same time as
/// the reader, and in order), until `stop` is set; then takes the callback
/// out of its slot and drops it, on this thread.
fn run_shared(shared: &Shared, stop: &AtomicBool) {
    while !stop.load(Ordering::Acquire) {
        if !shared.queue.wait_ready(STOP_RECHECK) {
            continue;
        }
        let mut slot = lock(&shared.inline_callback);
        if let Some(callback) = slot.as_mut() {
            deliver_queued(shared, callback);
        }
    }
    let callback = lock(&shared.inline_callback).take();
    drop(callback);
}

impl Dispatcher {
    pub(crate) fn start(shared: Arc<Shared>, callback: Callback) -> std::io::Result<Dispatcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        // Callbacks on the reader thread: the callback goes where the reader
        // finds it, and this thread delivers only what others queue.
        let mut own = Some(callback);
        if shared.options.callbacks_on_reader {
            *lock(&shared.inline_callback) = own.take();
        }
        let for_thread = shared.clone();
        let thread = thread::Builder::new()
            .name("tws-dispatch".into())
            .spawn(move || {
                let shared = for_thread;
                DISPATCHING_FOR.with(|d| d.set(Arc::as_ptr(&shared) as usize));
                // The user's callback has its own boundary in `call`; this
                // one catches a panic anywhere else in the thread (taking an
                // event, dropping the callback) and poisons the client, as a
                // reader or supervisor panic does.
                let ran = catch_unwind(AssertUnwindSafe(|| match own {
                    Some(callback) => run(&shared, &stop_flag, callback),
                    None => run_shared(&shared, &stop_flag),
                }));
                if let Err(payload) = ran {
                    let message = panic_message(&*payload);
                    shared.poison_engine("dispatcher", &message, &stop_flag);
                }
                DISPATCHING_FOR.with(|d| d.set(0));
            });
        let thread = match thread {
            Ok(t) => t,
            Err(e) => {
                // Refused: the callback is dropped now, as the caller expects.
                let callback = lock(&shared.inline_callback).take();
                drop(callback);
                return Err(e);
            }
        };
        Ok(Dispatcher {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread after the callback in progress returns, and waits for it
    /// unless called from the callback itself.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            if t.thread().id() != thread::current().id() {
                let _ = t.join();
            }
        }
    }
}
