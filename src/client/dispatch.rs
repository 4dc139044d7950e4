//! Callback delivery: one engine-owned thread takes events from the queue in
//! arrival order and hands each to the user's callback.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Duration;

use super::events::Event;
use super::Shared;

/// The user's event handler. It runs on the dispatch thread, one event at a time.
pub type Callback = Box<dyn FnMut(&Event) + Send + 'static>;

pub(crate) struct Dispatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    thread_id: ThreadId,
    pub panics: Arc<AtomicU64>,
}

const STOP_RECHECK: Duration = Duration::from_millis(25);

impl Dispatcher {
    pub(crate) fn start(
        shared: Arc<Shared>,
        mut callback: Callback,
    ) -> std::io::Result<Dispatcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let panics = Arc::new(AtomicU64::new(0));
        let (stop_flag, panic_count) = (stop.clone(), panics.clone());
        let thread = thread::Builder::new()
            .name("tws-dispatch".into())
            .spawn(move || {
                while !stop_flag.load(Ordering::Acquire) {
                    if let Some(event) = shared.queue.pop(STOP_RECHECK) {
                        if catch_unwind(AssertUnwindSafe(|| callback(&event))).is_err() {
                            panic_count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })?;
        let thread_id = thread.thread().id();
        Ok(Dispatcher {
            stop,
            thread: Some(thread),
            thread_id,
            panics,
        })
    }

    /// True when called from the dispatch thread (that is, from the callback).
    pub(crate) fn is_current_thread(&self) -> bool {
        thread::current().id() == self.thread_id
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
