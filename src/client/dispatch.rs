//! Callback delivery: one engine-owned thread takes events from the queue in
//! arrival order and hands each to the user's callback.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::events::Event;
use super::liveness::panic_message;
use super::Shared;

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
}

/// True when the calling thread is the dispatch thread of `shared`.
pub(crate) fn is_dispatch_thread_of(shared: &Arc<Shared>) -> bool {
    DISPATCHING_FOR.with(|d| d.get()) == Arc::as_ptr(shared) as usize
}

const STOP_RECHECK: Duration = Duration::from_millis(25);

/// The dispatch loop: delivers events until `stop` is set. A panic in the
/// callback is contained and counted; the caller catches any other.
fn run(shared: &Shared, stop: &AtomicBool, mut callback: Callback) {
    while !stop.load(Ordering::Acquire) {
        if let Some(event) = shared.queue.pop(STOP_RECHECK) {
            if catch_unwind(AssertUnwindSafe(|| callback(&event))).is_err() {
                shared.stats.callback_panics.fetch_add(1, Ordering::Relaxed);
            }
            if shared.options.panic_in_dispatcher_for_tests {
                panic!("test hook: after a callback (Options::panic_in_dispatcher_for_tests)");
            }
        }
    }
    // The callback (and what it owns) is dropped here, on this thread.
    drop(callback);
}

impl Dispatcher {
    pub(crate) fn start(shared: Arc<Shared>, callback: Callback) -> std::io::Result<Dispatcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let thread = thread::Builder::new()
            .name("tws-dispatch".into())
            .spawn(move || {
                DISPATCHING_FOR.with(|d| d.set(Arc::as_ptr(&shared) as usize));
                // The user's callback has its own boundary in `run`; this one
                // catches a panic anywhere else in the thread (taking an
                // event, dropping the callback) and poisons the client, as a
                // reader or supervisor panic does.
                let ran = catch_unwind(AssertUnwindSafe(|| run(&shared, &stop_flag, callback)));
                if let Err(payload) = ran {
                    let message = panic_message(&*payload);
                    shared.poison_engine("dispatcher", &message, &stop_flag);
                }
                DISPATCHING_FOR.with(|d| d.set(0));
            })?;
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
