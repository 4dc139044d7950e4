//! The supervisor thread of a session that `connect` established: it waits
//! for the connection to end, reconnects with backoff, re-issues the live
//! subscriptions, and handles TWS's 1101 "data lost" by re-issuing them too;
//! after either it reconciles the orders (`reconcile`).
//! It also writes the reader's dead-peer probes. A panic in it poisons the
//! client.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::logging::log;

use super::backoff::Backoff;
use super::events::{ConnectionState, Event};
use super::link::{establish, Abort, Endpoint, Link};
use super::liveness::panic_message;
use super::order_book::Cause;
use super::reader;
use super::{Error, Shared};

/// Consecutive "client id in use" (326) refusals after which reconnecting
/// stops, whatever `max_attempts` says: right after a restart TWS may still
/// hold the old session for a moment, but not for long.
pub(crate) const CLIENT_ID_IN_USE_LIMIT: u32 = 3;

/// What wakes the supervisor.
pub(crate) enum Signal {
    /// The reader of connection `generation` ended.
    ReaderEnded { generation: u64 },
    /// TWS reported 1101 on connection `generation`: re-issue the subscriptions.
    Resubscribe { generation: u64 },
    /// The reader of connection `generation` heard nothing for a while:
    /// send a dead-peer probe.
    Probe { generation: u64 },
    /// Look at the abort flag.
    Wake,
}

/// The handle the client keeps.
pub(crate) struct Supervisor {
    thread: Option<JoinHandle<()>>,
    abort: Arc<Abort>,
}

impl Supervisor {
    /// Starts supervising `link`, which `connect` just established.
    pub(crate) fn start(
        shared: Arc<Shared>,
        endpoint: Endpoint,
        link: Link,
        abort: Arc<Abort>,
    ) -> std::io::Result<Supervisor> {
        let signals = shared.signals_rx.clone();
        let for_thread = abort.clone();
        let thread = thread::Builder::new()
            .name("tws-supervisor".into())
            .spawn(move || {
                let ran = catch_unwind(AssertUnwindSafe(|| {
                    run(&shared, &endpoint, link, &for_thread, &signals)
                }));
                if let Err(payload) = ran {
                    // The link was dropped (closed) while unwinding.
                    let message = panic_message(&*payload);
                    shared.poison_engine("supervisor", &message, &for_thread.stop);
                }
            })?;
        Ok(Supervisor {
            thread: Some(thread),
            abort,
        })
    }

    /// Stops reconnecting at once, closes the live connection and joins the
    /// thread. An attempt in progress is cut short (only a TCP connect to an
    /// unresponsive host can take up to the connect timeout).
    pub(crate) fn stop(mut self, shared: &Shared) {
        self.ask_to_stop(shared);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// As [`stop`](Self::stop), without joining: for the reader thread
    /// (a callback on it), which the supervisor joins when it closes the
    /// connection. The thread ends on its own once the reader has.
    pub(crate) fn stop_without_waiting(self, shared: &Shared) {
        self.ask_to_stop(shared);
    }

    /// Stops reconnecting and wakes the thread to close the connection.
    fn ask_to_stop(&self, shared: &Shared) {
        self.abort.trigger(shared);
        let _ = shared.signals_tx.send(Signal::Wake);
    }
}

fn run(
    shared: &Arc<Shared>,
    endpoint: &Endpoint,
    mut link: Link,
    abort: &Abort,
    signals: &Receiver<Signal>,
) {
    loop {
        // Connected: wait for the end of this connection.
        loop {
            if abort.stopped() {
                link.close();
                return;
            }
            match signals.recv() {
                Ok(Signal::ReaderEnded { generation }) if generation == link.generation => break,
                Ok(Signal::Resubscribe { generation }) if generation == link.generation => {
                    // The event first, so that it comes before the rows it announces.
                    let ids = shared.due_for_reissue(true);
                    shared.push_state_event(
                        Event::State {
                            state: ConnectionState::IbLinkRestored,
                            reason: format!(
                                "TWS is connected to IB again, data lost (1101): re-issuing {} subscription(s)",
                                ids.len()
                            ),
                            attempt: 0,
                            next_delay: Duration::ZERO,
                            resubscribed: ids.clone(),
                        },
                        &abort.stop,
                    );
                    shared.reissue(&ids, true, &abort.stop);
                    shared.reconcile_orders(Cause::DataLost, &abort.stop);
                }
                Ok(Signal::Probe { generation }) if generation == link.generation => {
                    if shared.write(&reader::probe(), true).is_err() {
                        // Not sent: its answer will not come.
                        shared.health.probe_failed();
                    }
                }
                // Of an earlier connection (a new one starts owing no probe).
                Ok(
                    Signal::ReaderEnded { .. } | Signal::Resubscribe { .. } | Signal::Probe { .. },
                ) => {}
                Ok(Signal::Wake) => {}
                Err(_) => return,
            }
        }
        link.close();
        if shared.options.panic_in_supervisor_for_tests {
            panic!("test hook: the connection ended (Options::panic_in_supervisor_for_tests)");
        }
        if !shared.options.reconnect.enabled || abort.stopped() || shared.health.is_poisoned() {
            return;
        }
        match reconnect(shared, endpoint, abort, signals) {
            Some(new_link) => link = new_link,
            None => return,
        }
    }
}

/// Attempts until one succeeds (the new link), or gives up or is stopped (None).
fn reconnect(
    shared: &Arc<Shared>,
    endpoint: &Endpoint,
    abort: &Abort,
    signals: &Receiver<Signal>,
) -> Option<Link> {
    let policy = &shared.options.reconnect;
    let mut backoff = Backoff::new(policy);
    let mut refused = 0u32;
    let mut last_error = String::from("connection lost");
    for attempt in 1u32.. {
        if shared.health.is_poisoned() {
            return None;
        }
        if policy.max_attempts != 0 && attempt > policy.max_attempts {
            give_up(
                shared,
                abort,
                format!(
                    "gave up after {} attempt(s); last: {last_error}",
                    policy.max_attempts
                ),
            );
            return None;
        }
        let delay = backoff.delay(attempt);
        log!(
            Info,
            "reconnect attempt {attempt} to {}:{} in {delay:?} ({last_error})",
            endpoint.host,
            endpoint.port
        );
        shared.push_state_event(
            Event::State {
                state: ConnectionState::Reconnecting,
                reason: last_error.clone(),
                attempt,
                next_delay: delay,
                resubscribed: Vec::new(),
            },
            &abort.stop,
        );
        if sleep_unless_stopped(delay, abort, signals) {
            return None;
        }
        shared
            .stats
            .reconnect_attempts
            .fetch_add(1, Ordering::Relaxed);
        match establish(shared, endpoint, abort, false) {
            Ok(link) => {
                log!(Info, "reconnected after {attempt} attempt(s)");
                shared.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                // The event first, so that it comes before the rows it announces.
                let ids = shared.due_for_reissue(false);
                shared.push_state_event(
                    Event::State {
                        state: ConnectionState::Reconnected,
                        reason: format!(
                            "reconnected after {attempt} attempt(s); re-issuing {} subscription(s)",
                            ids.len()
                        ),
                        attempt,
                        next_delay: Duration::ZERO,
                        resubscribed: ids.clone(),
                    },
                    &abort.stop,
                );
                shared.reissue(&ids, false, &abort.stop);
                shared.reconcile_orders(Cause::Reconnect, &abort.stop);
                return Some(link);
            }
            Err(_) if abort.stopped() => return None,
            Err(Error::ClientIdInUse(text)) => {
                refused += 1;
                last_error = text;
                if refused >= CLIENT_ID_IN_USE_LIMIT {
                    give_up(
                        shared,
                        abort,
                        format!(
                            "error 326: client id {} is in use by another session; gave up after {refused} refusals",
                            endpoint.client_id
                        ),
                    );
                    return None;
                }
            }
            Err(e) => {
                refused = 0;
                last_error = e.to_string();
            }
        }
    }
    None
}

fn give_up(shared: &Shared, abort: &Abort, reason: String) {
    log!(Error, "reconnecting stopped: {reason}");
    shared.push_state_event(
        Event::state(ConnectionState::ReconnectFailed, reason),
        &abort.stop,
    );
}

/// Sleeps `delay`; true if the supervisor was stopped meanwhile.
fn sleep_unless_stopped(delay: Duration, abort: &Abort, signals: &Receiver<Signal>) -> bool {
    let until = Instant::now() + delay;
    loop {
        if abort.stopped() {
            return true;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        match signals.recv_timeout(left) {
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return true,
        }
    }
}
