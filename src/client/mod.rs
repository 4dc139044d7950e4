//! A live session with TWS: connect with a deadline, the reader thread, the
//! serialised writer, request ids, the event queue, and delivery by poll or
//! by callback. This is the safe Rust API; `ffi` only translates it to C.

mod account_data;
mod backoff;
mod blocking;
mod dispatch;
mod error;
mod events;
mod handshake;
mod hist_time;
mod history;
mod history_pacing;
mod id_hasher;
mod instruments;
mod link;
mod liveness;
mod market_data;
mod options;
mod order_book;
mod orders;
mod pacer;
mod queue;
mod quotes;
mod reader;
mod reconcile;
mod requests;
mod rest;
mod routes;
mod stats;
mod supervisor;
mod trace;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};

pub use account_data::{AccountSnapshot, ACCOUNT_UPDATES_SUBSCRIPTION, POSITIONS_SUBSCRIPTION};
pub use dispatch::Callback;
pub use error::Error;
pub use events::{ConnectionState, Event, PacingNotice, PacingRule, PacingStage};
pub use hist_time::HistTime;
pub use history::TickHistory;
pub use market_data::MARKET_DATA_TYPE_SUBSCRIPTION;
pub use options::{HistoryPacing, Liveness, Options, ReconnectPolicy};
pub use order_book::{Fill, OrderView, Reconciliation, DEFAULT_ORDER_VIEW_CAPACITY};
pub use orders::ExecutionReport;
pub use quotes::Quote;
pub use routes::RESERVED_IDS;
pub use stats::StatsSnapshot;

use crate::logging::log;
use crate::protocol::error_codes::{
    self, CLIENT_ID_IN_USE, CONNECTIVITY_LOST, CONNECTIVITY_RESTORED_DATA_KEPT,
    CONNECTIVITY_RESTORED_DATA_LOST,
};
use crate::protocol::{Incoming, Request};
use dispatch::Dispatcher;
use link::{establish, Abort, Endpoint};
use pacer::Pacer;
use queue::EventQueue;
use routes::Routes;
use stats::Stats;
use supervisor::{Signal, Supervisor};
use trace::Trace;

/// Locks a mutex, recovering the data if a panicking thread poisoned it: every
/// critical section here leaves the data consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

const NO_ORDER_ID: i64 = i64::MIN;

/// What the reader has seen of the startup sequence of one connection.
#[derive(Default)]
struct Readiness {
    next_valid_id: bool,
    managed_accounts: bool,
    ready: bool,
    failure: Option<Error>,
    /// Queue a `Connected` event when ready.
    announce: bool,
}

/// The write half of a live connection.
struct Writer {
    stream: TcpStream,
    server_version: i32,
    /// Which connection it writes to.
    generation: u64,
    buf: Vec<u8>,
}

/// A live subscription, re-issued after a reconnect or a 1101.
struct Subscription {
    request: Request,
    /// The connection it was last issued on.
    generation: u64,
}

/// State shared by the caller's threads, the reader, the supervisor and the dispatcher.
pub(crate) struct Shared {
    pub(crate) options: Options,
    pub(crate) queue: EventQueue,
    pub(crate) stats: Arc<Stats>,
    /// Held while a request waits for its pacing slot and is written: keeps
    /// the order of requests. Never held by the reader.
    pacer: Mutex<Pacer>,
    /// Historical-data pacing: waited for before `pacer` is taken.
    history: history_pacing::Limiter,
    writer: Mutex<Option<Writer>>,
    connected: AtomicBool,
    state: Mutex<ConnectionState>,
    readiness: Mutex<Readiness>,
    ready_changed: Condvar,
    /// Counts connections; each reader and writer knows its own.
    generation: AtomicU64,
    signals_tx: Sender<Signal>,
    signals_rx: Receiver<Signal>,
    server_version: AtomicI32,
    next_request_id: AtomicI32,
    next_order_id: AtomicI64,
    accounts: Mutex<Vec<String>>,
    connection_time: Mutex<String>,
    routes: Routes,
    subscriptions: Mutex<BTreeMap<i32, Subscription>>,
    /// The quote views of market-data requests.
    pub(crate) quotes: quotes::Quotes,
    /// The order view, and the reconciliation in progress.
    pub(crate) orders: order_book::OrderBook,
    /// The wire trace, when `Options::trace_file` is set.
    pub(crate) trace: Option<Trace>,
    /// Poisoned flag, dead-peer probes, why the connection ended.
    health: liveness::Health,
    /// Callbacks on the reader thread (`Options::callbacks_on_reader`): the
    /// callback, while one is set. Its lock is held while it runs, by the
    /// reader or by the dispatch thread (see `dispatch`).
    inline_callback: Mutex<Option<Callback>>,
}

/// A client of TWS or IB Gateway. All methods take `&self`: share it between
/// threads freely (requests from any thread are serialised by the writer).
pub struct Client {
    shared: Arc<Shared>,
    session: Mutex<Option<Supervisor>>,
    dispatcher: Mutex<Option<Dispatcher>>,
    /// The abort switch of a first `connect` in progress.
    connecting: Mutex<Option<Arc<Abort>>>,
    /// True while a callback is set (poll is refused then).
    callback_mode: AtomicBool,
    /// `poll` calls in progress (`set_callback` waits for them to end).
    polls_active: AtomicUsize,
}

/// Counts a `poll` in progress for as long as it lives.
struct PollInProgress<'a>(&'a AtomicUsize);

impl Drop for PollInProgress<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Client {
    /// A disconnected client with `options`.
    pub fn new(options: Options) -> Result<Client, Error> {
        options.validate()?;
        let trace =
            match &options.trace_file {
                Some(path) => Some(Trace::open(path).map_err(|e| {
                    Error::from_io(&e, &format!("open trace file {}", path.display()))
                })?),
                None => None,
            };
        let stats = Arc::new(Stats::default());
        let (signals_tx, signals_rx) = unbounded();
        let queue = EventQueue::new(
            options.queue_capacity,
            options.queue_max_bytes,
            stats.clone(),
        );
        queue.set_busy_poll(options.busy_poll);
        Ok(Client {
            shared: Arc::new(Shared {
                queue,
                pacer: Mutex::new(Pacer::new(options.max_messages_per_second)),
                orders: order_book::OrderBook::new(options.order_view_capacity),
                history: history_pacing::Limiter::new(options.history_pacing, stats.clone()),
                options,
                stats,
                writer: Mutex::new(None),
                connected: AtomicBool::new(false),
                state: Mutex::new(ConnectionState::Disconnected),
                readiness: Mutex::new(Readiness::default()),
                ready_changed: Condvar::new(),
                generation: AtomicU64::new(0),
                signals_tx,
                signals_rx,
                server_version: AtomicI32::new(0),
                next_request_id: AtomicI32::new(0),
                next_order_id: AtomicI64::new(NO_ORDER_ID),
                accounts: Mutex::new(Vec::new()),
                connection_time: Mutex::new(String::new()),
                routes: Routes::default(),
                subscriptions: Mutex::new(BTreeMap::new()),
                quotes: quotes::Quotes::default(),
                trace,
                health: liveness::Health::default(),
                inline_callback: Mutex::new(None),
            }),
            session: Mutex::new(None),
            dispatcher: Mutex::new(None),
            connecting: Mutex::new(None),
            callback_mode: AtomicBool::new(false),
            polls_active: AtomicUsize::new(0),
        })
    }

    /// The options the client was made with.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    /// Connects, negotiates a version, starts the API and returns once the
    /// session is ready (`nextValidId` and `managedAccounts` received), all
    /// within `timeout`. Fails with a typed error otherwise (a failed first
    /// connect is never retried). Once it succeeded, a lost connection is
    /// re-established automatically (see [`ReconnectPolicy`]), each attempt
    /// bounded by `timeout`, until `disconnect`.
    pub fn connect(
        &self,
        host: &str,
        port: u16,
        client_id: i32,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.check_poisoned()?;
        dispatch::refuse_on_reader(&self.shared, "connect")?;
        let mut slot = lock(&self.session);
        if slot.is_some() && self.is_connected() {
            return Err(Error::AlreadyConnected);
        }
        if let Some(old) = slot.take() {
            old.stop(&self.shared);
        }
        *lock(&self.shared.writer) = None;
        let endpoint = Endpoint {
            host: host.to_owned(),
            port,
            client_id,
            timeout,
        };
        let abort = Arc::new(Abort::default());
        let shared = &self.shared;
        shared.orders.set_client_id(client_id);
        log!(Info, "connecting to {host}:{port} as client id {client_id}");
        // Published so that `disconnect` from another thread cuts this short.
        *lock(&self.connecting) = Some(abort.clone());
        let established = establish(shared, &endpoint, &abort, true);
        *lock(&self.connecting) = None;
        match established {
            Ok(link) => {
                let started = Supervisor::start(shared.clone(), endpoint, link, abort)
                    .map_err(|e| Error::from_io(&e, "spawn supervisor thread"));
                match started {
                    Ok(s) => *slot = Some(s),
                    Err(e) => {
                        shared.connected.store(false, Ordering::Release);
                        *lock(&shared.writer) = None;
                        *lock(&shared.state) = ConnectionState::Disconnected;
                        return Err(e);
                    }
                }
                Ok(())
            }
            Err(e) => {
                log!(Warn, "connect to {host}:{port} failed: {e}");
                *lock(&shared.state) = ConnectionState::Disconnected;
                // A `poll` waiting on another thread returns NotConnected now.
                shared.queue.wake();
                Err(e)
            }
        }
    }

    /// Closes the session, if any, stops any reconnecting at once, and waits
    /// for the engine's connection threads to end. Events already queued stay
    /// pollable; a `Disconnected` state event follows them (never dropped and
    /// never waited for: on a full queue it is delivered once the queue has
    /// emptied). Safe to call at any time, from any thread, including from
    /// the callback. From a callback on the reader thread
    /// (`Options::callbacks_on_reader`) it cannot wait for that thread: it
    /// returns at once, and the connection's threads end as soon as the
    /// callback returns (nothing more is delivered from the socket).
    pub fn disconnect(&self) {
        let on_reader = dispatch::is_reader_thread_of(&self.shared);
        if on_reader {
            dispatch::stop_this_reader();
        }
        // A first connect in progress on another thread gives up at once.
        let connecting = lock(&self.connecting).clone();
        if let Some(abort) = connecting {
            abort.trigger(&self.shared);
        }
        // Held throughout, so that a concurrent `connect` comes before or after.
        let mut slot = if on_reader {
            match self.session.try_lock() {
                Ok(guard) => guard,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                // Another thread is connecting or disconnecting, and may be
                // waiting for this very reader to end: waiting for its lock
                // here would deadlock. That thread ends the session (this
                // disconnect counts as coming before its connect); this
                // reader stops once the callback returns.
                Err(TryLockError::WouldBlock) => return,
            }
        } else {
            lock(&self.session)
        };
        if let Some(s) = slot.take() {
            if on_reader {
                s.stop_without_waiting(&self.shared);
            } else {
                s.stop(&self.shared);
            }
        }
        self.shared.connected.store(false, Ordering::Release);
        *lock(&self.shared.writer) = None;
        let before = std::mem::replace(
            &mut *lock(&self.shared.state),
            ConnectionState::Disconnected,
        );
        drop(slot);
        if before != ConnectionState::Disconnected {
            log!(Info, "disconnected on request");
            let event = Event::state(ConnectionState::Disconnected, "disconnect requested");
            self.shared.trace.iter().for_each(|t| t.event(&event));
            self.shared.queue.push_final(event);
        }
    }

    /// `Poisoned` once an engine thread panicked, else `NotConnected` unless
    /// a session is up and ready: the first check of every request.
    fn ensure_connected(&self) -> Result<(), Error> {
        self.check_poisoned()?;
        if !self.is_connected() {
            return Err(Error::NotConnected);
        }
        Ok(())
    }

    /// True while a session is up and ready.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::Acquire)
    }

    /// The session's state now: `Disconnected`, `Connected`,
    /// `ConnectionLost`, `Reconnecting` or `IbLinkLost`.
    pub fn state(&self) -> ConnectionState {
        *lock(&self.shared.state)
    }
    /// The negotiated server version, or `None` before the first connect.
    pub fn server_version(&self) -> Option<i32> {
        match self.shared.server_version.load(Ordering::Acquire) {
            0 => None,
            v => Some(v),
        }
    }

    /// The connection time the server reported in the handshake.
    pub fn connection_time(&self) -> String {
        lock(&self.shared.connection_time).clone()
    }

    /// The accounts from the latest `managedAccounts`.
    pub fn managed_accounts(&self) -> Vec<String> {
        lock(&self.shared.accounts).clone()
    }

    /// A fresh request id (0, 1, 2, ... per client), always below the range
    /// libtws reserves for its own requests ([`RESERVED_IDS`]); after
    /// 0x6FFF_FFFF it starts again at 0.
    pub fn next_request_id(&self) -> i32 {
        routes::next_user_id(&self.shared.next_request_id)
    }

    /// The next order id (from `nextValidId`, then counting up), or
    /// `NotConnected` before TWS has sent one.
    pub fn next_order_id(&self) -> Result<i64, Error> {
        self.check_poisoned()?;
        let id = self
            .shared
            .next_order_id
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                (v != NO_ORDER_ID).then_some(v + 1)
            });
        id.map_err(|_| Error::NotConnected)
    }

    /// Sends any request in the form the negotiated version calls for. A
    /// request id that is negative or in [`RESERVED_IDS`] is refused
    /// (`InvalidArgument`). By the catalogue's subscription facts
    /// (`Request::subscription`, `Request::cancels`): a request that opens a
    /// subscription is recorded under its key and re-issued after a
    /// reconnect or a 1101 (refused with `DuplicateRequestId` while its id
    /// is live; an id-less one such as reqMarketDataType replaces the one
    /// before); its cancel forgets it (even when the cancel cannot be sent);
    /// any other request is refused with `DuplicateRequestId` when its id is
    /// that of a live subscription or running blocking call.
    pub fn send(&self, request: &Request) -> Result<(), Error> {
        self.check_poisoned()?;
        routes::check_user_request(request)?;
        if let Some(key) = request.cancels() {
            self.shared.forget(requests::slot_of(key), request);
            self.ensure_connected()?;
            return self.shared.write(request, true).map(|_| ());
        }
        self.ensure_connected()?;
        if let Some(sub) = request.subscription() {
            return self
                .shared
                .subscribe(requests::slot_of(sub.key), request.clone());
        }
        if let Some(id) = routes::request_id_of(request) {
            if self.shared.is_live(id) {
                return Err(Error::DuplicateRequestId(id));
            }
        }
        self.shared.write(request, true).map(|_| ())
    }

    /// The next event, waiting up to `timeout`; `Ok(None)` when none came.
    /// Events already queued are always returned first (also after
    /// `disconnect`: its `Disconnected` event comes last). With the queue
    /// empty, fails at once with `NotConnected` when the client is
    /// disconnected (never connected, after `disconnect`, after reconnecting
    /// gave up) and no `connect` is in progress; while reconnecting it waits.
    /// Fails with `WrongMode` while a callback is set; a `set_callback` from
    /// another thread ends a waiting `poll` with `WrongMode` (an event it
    /// already took is returned, before the callback sees any later one).
    pub fn poll(&self, timeout: Duration) -> Result<Option<Event>, Error> {
        if self.is_poisoned() {
            return self.poll_poisoned();
        }
        let wrong_mode =
            || Error::WrongMode("a callback is set: events go to it, not to poll".into());
        if self.callback_mode.load(Ordering::SeqCst) {
            return Err(wrong_mode());
        }
        self.polls_active.fetch_add(1, Ordering::SeqCst);
        let _in_progress = PollInProgress(&self.polls_active);
        // Dekker with set_callback: it sets the mode, then counts polls.
        if self.callback_mode.load(Ordering::SeqCst) {
            return Err(wrong_mode());
        }
        self.shared.queue.pop_checked(timeout, || {
            if self.callback_mode.load(Ordering::SeqCst) {
                Err(wrong_mode())
            } else if self.is_idle() {
                Err(Error::NotConnected)
            } else {
                Ok(())
            }
        })
    }

    /// True when no session exists and none is being made (nothing can
    /// arrive): disconnected, or lost with reconnecting off (no attempt
    /// follows a loss then).
    fn is_idle(&self) -> bool {
        let ended = match *lock(&self.shared.state) {
            ConnectionState::Disconnected => true,
            ConnectionState::ConnectionLost => !self.shared.options.reconnect.enabled,
            ConnectionState::Connected
            | ConnectionState::Reconnecting
            | ConnectionState::Reconnected
            | ConnectionState::ReconnectFailed
            | ConnectionState::IbLinkLost
            | ConnectionState::IbLinkRestored
            | ConnectionState::Reconciled => false,
        };
        ended && lock(&self.connecting).is_none()
    }

    /// A file descriptor that is readable while events wait (for select,
    /// poll or epoll). It may be readable with the queue empty only until the
    /// next `poll`, which clears it, so a level-triggered loop does not spin.
    /// Owned by the client; valid until the client is dropped.
    pub fn event_fd(&self) -> Result<i32, Error> {
        self.shared
            .queue
            .fd()
            .map_err(|e| Error::from_io(&e, "event descriptor"))
    }

    /// Delivers every later event to `callback`, on one engine-owned thread,
    /// in arrival order. Replaces a previous callback (waiting for it to
    /// return). A `poll` waiting on another thread is ended first (it returns
    /// `WrongMode`, or the event it already took): every event goes to
    /// exactly one consumer, and the callback sees only events after those
    /// poll returned. Refused from inside the callback.
    pub fn set_callback(&self, callback: Callback) -> Result<(), Error> {
        self.check_poisoned()?;
        if self.in_callback() {
            return Err(Error::Reentrant("set_callback".into()));
        }
        // Nothing a callback may call takes this lock, so waiting for the old
        // dispatch thread while holding it cannot deadlock.
        let mut slot = lock(&self.dispatcher);
        if let Some(old) = slot.take() {
            old.stop();
        }
        // Polls in progress end (with WrongMode, or with the event they
        // already took) before the callback may take any: one consumer at a
        // time, so the stream is neither split nor reordered.
        self.callback_mode.store(true, Ordering::SeqCst);
        while self.polls_active.load(Ordering::SeqCst) != 0 {
            self.shared.queue.wake();
            std::thread::sleep(Duration::from_millis(1));
        }
        match Dispatcher::start(self.shared.clone(), callback) {
            Ok(d) => {
                *slot = Some(d);
                self.callback_mode.store(true, Ordering::Release);
                Ok(())
            }
            Err(e) => {
                // The old callback is gone: events go to poll again.
                self.callback_mode.store(false, Ordering::Release);
                Err(Error::from_io(&e, "spawn dispatch thread"))
            }
        }
    }

    /// Stops callback delivery (events then go to poll). Refused from inside the callback.
    pub fn clear_callback(&self) -> Result<(), Error> {
        if self.in_callback() {
            return Err(Error::Reentrant("clear_callback".into()));
        }
        let mut slot = lock(&self.dispatcher);
        if let Some(old) = slot.take() {
            old.stop();
        }
        self.callback_mode.store(false, Ordering::Release);
        Ok(())
    }

    /// True when the calling thread is running this client's callback (its
    /// dispatch thread, or with `Options::callbacks_on_reader` its reader
    /// thread). Takes no lock.
    pub fn in_callback(&self) -> bool {
        dispatch::is_dispatch_thread_of(&self.shared) || dispatch::is_reader_thread_of(&self.shared)
    }

    /// Callbacks that panicked (each was contained; delivery went on).
    pub fn callback_panics(&self) -> u64 {
        self.shared.stats.callback_panics.load(Ordering::Relaxed)
    }

    /// A snapshot of the client's counters.
    pub fn stats(&self) -> StatsSnapshot {
        let q = &self.shared.queue;
        self.shared.stats.snapshot(q.len() as u64, q.bytes() as u64)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // The dispatcher first: once it is joined no callback can start a new
        // session behind our back, and the disconnect below ends the last one.
        if let Some(d) = lock(&self.dispatcher).take() {
            d.stop();
        }
        self.disconnect();
    }
}

/// Writes all of `buf`, failing with `TimedOut` once `timeout` has passed
/// without it all being taken. A non-blocking socket (the reader spins on it
/// with `busy_poll` and callbacks on the reader thread: the two halves share
/// the flag) answers a full send buffer with `WouldBlock`, which is retried
/// here; on a blocking one it means the write timeout fired.
fn write_within(stream: &mut TcpStream, mut buf: &[u8], timeout: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + timeout;
    while !buf.is_empty() {
        match stream.write(buf) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(std::io::ErrorKind::TimedOut.into());
                }
                std::thread::yield_now();
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Shared {
    /// Encodes and writes one request after its pacing slot, in the order
    /// the requests came. `ready_only`: refuse unless the session is ready
    /// (everything but startApi). Returns the connection it went to.
    fn write(&self, request: &Request, ready_only: bool) -> Result<u64, Error> {
        self.write_by(request, ready_only, None)
    }

    /// [`Shared::write`] after the historical-data pacing
    /// (`history_pacing`) let the request go, which must be before
    /// `deadline` (`Timeout` otherwise, and nothing is sent).
    fn write_by(
        &self,
        request: &Request,
        ready_only: bool,
        deadline: Option<Instant>,
    ) -> Result<u64, Error> {
        let admission = self.admit_history(request, deadline)?;
        let generation = self.write_unpaced(request, ready_only)?;
        admission.into_iter().for_each(|a| a.written());
        Ok(generation)
    }

    /// Waits for the historical-data pacing of `request` (nothing for other requests).
    fn admit_history(
        &self,
        request: &Request,
        deadline: Option<Instant>,
    ) -> Result<Option<history_pacing::Admission<'_>>, Error> {
        self.history.admit(
            request,
            deadline,
            || {
                if !self.connected.load(Ordering::Acquire) {
                    return Some(Error::NotConnected);
                }
                // A wait on the reader thread (a callback on it) would hold
                // up every answer behind it, the pacing's own included.
                dispatch::refuse_on_reader(self, "a historical-data request held by pacing").err()
            },
            |notice| self.push_pacing_notice(notice),
        )
    }

    /// Queues a pacing notice without waiting for room: the thread that
    /// waits for its pacing may be the one that drains the queue (a request
    /// sent from a callback). At most a few notices per waiting request,
    /// so the queue's bound is passed by little.
    fn push_pacing_notice(&self, notice: PacingNotice) {
        let event = Event::Paced(notice);
        self.trace.iter().for_each(|t| t.event(&event));
        self.queue.push_final(event);
    }

    /// [`Shared::write`] without the historical-data pacing.
    fn write_unpaced(&self, request: &Request, ready_only: bool) -> Result<u64, Error> {
        self.write_made(request, ready_only, || Ok(None))
    }

    /// As [`write`](Self::write), but `make` may replace `request` by the
    /// one written once its pacing slot came and the writer is held (a
    /// placement takes its order id there, so that ids reach TWS in the
    /// order they are taken). `make` runs at most once, and not at all when
    /// the request is refused before.
    fn write_made(
        &self,
        request: &Request,
        ready_only: bool,
        make: impl FnOnce() -> Result<Option<Request>, Error>,
    ) -> Result<u64, Error> {
        let refused = || {
            (ready_only && !self.connected.load(Ordering::Acquire)) || lock(&self.writer).is_none()
        };
        let mut pacer = lock(&self.pacer);
        if refused() {
            return Err(Error::NotConnected);
        }
        let server_version = self.server_version.load(Ordering::Acquire);
        let needed = request.min_server_version();
        if server_version < needed {
            return Err(crate::protocol::EncodeError::NotSupported {
                request: request.name(),
                needed,
                server_version,
            }
            .into());
        }
        if let Some(wait) = pacer.reserve(Instant::now()) {
            self.stats.paced_delays.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(wait);
            if refused() {
                return Err(Error::NotConnected);
            }
        }
        let mut guard = lock(&self.writer);
        let w = guard.as_mut().ok_or(Error::NotConnected)?;
        let made = make()?;
        let request = made.as_ref().unwrap_or(request);
        w.buf.clear();
        request.encode(w.server_version, &mut w.buf)?;
        if let Some(t) = &self.trace {
            t.request(request);
        }
        if let Err(e) = write_within(&mut w.stream, &w.buf, self.options.write_timeout) {
            // A partial write leaves the stream unusable: end the connection
            // (the reader notices; the supervisor reconnects).
            let _ = w.stream.shutdown(Shutdown::Both);
            *guard = None;
            return Err(Error::from_io(&e, &format!("send {}", request.name())));
        }
        self.stats.messages_out.fetch_add(1, Ordering::Relaxed);
        self.stats
            .bytes_out
            .fetch_add(w.buf.len() as u64, Ordering::Relaxed);
        Ok(w.generation)
    }

    /// Sends a subscription request and records it for re-issuing.
    fn subscribe(&self, req_id: i32, request: Request) -> Result<(), Error> {
        if req_id >= 0 && self.is_live(req_id) {
            return Err(Error::DuplicateRequestId(req_id));
        }
        // Waited for before the lock: a paced history subscription holds
        // up no other subscription.
        let admission = self.admit_history(&request, None)?;
        let mut subs = lock(&self.subscriptions);
        if req_id >= 0 && (subs.contains_key(&req_id) || self.routes.is_routed(req_id)) {
            return Err(Error::DuplicateRequestId(req_id));
        }
        // The view exists before TWS can answer, so no tick is missed.
        let quote_view = if let Request::ReqMktData(r) = &request {
            Some(r.req_id)
        } else {
            None
        };
        quote_view.iter().for_each(|id| self.quotes.open(*id));
        let generation = match self.write_unpaced(&request, true) {
            Ok(g) => {
                admission.into_iter().for_each(|a| a.written());
                g
            }
            Err(e) => {
                quote_view.iter().for_each(|id| self.quotes.close(*id));
                return Err(e);
            }
        };
        subs.insert(
            req_id,
            Subscription {
                request,
                generation,
            },
        );
        Ok(())
    }

    /// Forgets a subscription TWS refused, counting it.
    fn forget_refused(&self, req_id: i32) {
        if lock(&self.subscriptions).remove(&req_id).is_some() {
            self.stats
                .subscriptions_refused
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forgets a subscription.
    fn unsubscribe(&self, req_id: i32) {
        lock(&self.subscriptions).remove(&req_id);
    }

    /// Forgets the subscription under `key` if `cancel` is the request that
    /// ends it (a cancel of another kind under the same id leaves it).
    fn forget(&self, key: i32, cancel: &Request) {
        let mut subs = lock(&self.subscriptions);
        let ends_it = subs.get(&key).is_some_and(|sub| {
            sub.request
                .subscription()
                .and_then(|s| s.cancel)
                .is_some_and(|c| c.msg_id() == cancel.msg_id())
        });
        if ends_it {
            if let Some(Subscription {
                request: Request::ReqMktData(r),
                ..
            }) = subs.remove(&key)
            {
                self.quotes.close(r.req_id);
            }
        }
    }

    /// True while `req_id` is the id of a live subscription or of a running
    /// blocking call.
    fn is_live(&self, req_id: i32) -> bool {
        lock(&self.subscriptions).contains_key(&req_id) || self.routes.is_routed(req_id)
    }

    /// The live subscriptions to re-issue on the current connection: after a
    /// reconnect those not yet issued on it; after 1101 (`all`) every one.
    fn due_for_reissue(&self, all: bool) -> Vec<i32> {
        let current = self.generation.load(Ordering::Acquire);
        lock(&self.subscriptions)
            .iter()
            .filter(|(_, sub)| all || sub.generation != current)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Re-issues the subscriptions `ids` that are still live, each cancelled
    /// first when `cancel_first` (after 1101). Stops at the first failed
    /// write (the connection is gone; the rest are re-issued after the next
    /// reconnect).
    fn reissue(&self, ids: &[i32], cancel_first: bool, abort: &AtomicBool) {
        for id in ids {
            if abort.load(Ordering::Acquire) {
                return;
            }
            let Some(request) = lock(&self.subscriptions).get(id).map(|s| s.request.clone()) else {
                continue;
            };
            if cancel_first {
                if let Some(cancel) = request.subscription().and_then(|s| s.cancel) {
                    let _ = self.write(&cancel, true);
                }
            }
            // A history subscription waits for its pacing without the lock.
            let admission = self.history.admit(
                &request,
                None,
                || {
                    abort
                        .load(Ordering::Acquire)
                        .then(|| Error::ConnectionClosed("reconnect abandoned".into()))
                },
                |notice| self.push_pacing_notice(notice),
            );
            let Ok(admission) = admission else {
                return;
            };
            let mut subs = lock(&self.subscriptions);
            let Some(sub) = subs.get_mut(id) else {
                continue;
            };
            match self.write_unpaced(&sub.request, true) {
                Ok(generation) => {
                    admission.into_iter().for_each(|a| a.written());
                    sub.generation = generation;
                    self.stats.resubscriptions.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => return,
            }
        }
    }

    /// Session bookkeeping for a decoded message in `slot`, which is left
    /// empty when a blocking call took the message (or the order view
    /// dropped it). Runs on the reader thread of connection `generation`.
    /// Works by reference: the message moves only when something takes it,
    /// so a tick is not copied on its way to the queue or the callback.
    fn observe(&self, slot: &mut Option<Incoming>, generation: u64, closing: &AtomicBool) {
        let Some(msg) = slot.as_ref() else {
            return;
        };
        self.routes.copy_to_calls(msg);
        if self.orders.concerns(msg) {
            if let Some(owned) = slot.take() {
                *slot = self.fold_order_message(owned, closing);
            }
        }
        let Some(msg) = slot.as_ref() else {
            return;
        };
        match msg {
            Incoming::NextValidId(m) => {
                // Never backwards: an id once handed out is never handed out again.
                self.next_order_id
                    .fetch_max(i64::from(m.order_id), Ordering::AcqRel);
                self.update_readiness(|r| r.next_valid_id = true, closing);
            }
            Incoming::ManagedAccounts(m) => {
                *lock(&self.accounts) = m.accounts();
                self.update_readiness(|r| r.managed_accounts = true, closing);
            }
            Incoming::Error(e) if e.code == CLIENT_ID_IN_USE => {
                let text = format!("TWS error 326: {}", e.message);
                self.update_readiness(
                    |r| {
                        if !r.ready {
                            r.failure = Some(Error::ClientIdInUse(text));
                        }
                    },
                    closing,
                );
            }
            Incoming::Error(e) if e.code == CONNECTIVITY_LOST => {
                let reason = format!("TWS lost its connection to IB (1100): {}", e.message);
                self.push_state_event(Event::state(ConnectionState::IbLinkLost, reason), closing);
            }
            Incoming::Error(e) if e.code == CONNECTIVITY_RESTORED_DATA_KEPT => {
                let reason = format!(
                    "TWS is connected to IB again, data kept (1102): {}",
                    e.message
                );
                self.push_state_event(
                    Event::state(ConnectionState::IbLinkRestored, reason),
                    closing,
                );
            }
            Incoming::Error(e) if e.code == CONNECTIVITY_RESTORED_DATA_LOST => {
                let _ = self.signals_tx.send(Signal::Resubscribe { generation });
            }
            Incoming::Error(e) if e.req_id >= 0 && error_codes::refuses_subscription(e.code) => {
                // TWS refused it: re-issuing it after a reconnect would only
                // be refused again. The error is delivered as usual.
                self.forget_refused(e.req_id);
            }
            _ => {}
        }
        self.history.observe(msg);
        if self.routes.may_take(msg) {
            if let Some(owned) = slot.take() {
                *slot = self.routes.try_route(owned, &self.stats);
            }
        }
    }

    fn update_readiness(&self, change: impl FnOnce(&mut Readiness), closing: &AtomicBool) {
        let mut r = lock(&self.readiness);
        change(&mut r);
        let became_ready = !r.ready && r.failure.is_none() && r.next_valid_id && r.managed_accounts;
        if became_ready {
            r.ready = true;
            self.connected.store(true, Ordering::Release);
            // Before `connect` wakes: `state()` right after it returns says Connected.
            *lock(&self.state) = ConnectionState::Connected;
        }
        let announce = became_ready && r.announce;
        // Wake `connect` before queueing anything: a full queue must not hold it.
        self.ready_changed.notify_all();
        drop(r);
        if announce {
            self.push_state_event(Event::state(ConnectionState::Connected, ""), closing);
        }
    }

    fn wait_ready(&self, deadline: Instant, abort: &Abort) -> Result<(), Error> {
        let mut r = lock(&self.readiness);
        loop {
            if let Some(e) = r.failure.take() {
                return Err(e);
            }
            if r.ready {
                return Ok(());
            }
            if abort.stopped() {
                return Err(Error::ConnectionClosed("disconnect requested".into()));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Error::Timeout(format!(
                    "the session did not become ready (nextValidId: {}, managedAccounts: {})",
                    if r.next_valid_id {
                        "received"
                    } else {
                        "missing"
                    },
                    if r.managed_accounts {
                        "received"
                    } else {
                        "missing"
                    },
                )));
            }
            r = self
                .ready_changed
                .wait_timeout(r, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Called by the reader thread of connection `generation` when its socket is done.
    fn session_ended(&self, reason: String, generation: u64, closing: &AtomicBool) {
        let current = self.generation.load(Ordering::Acquire) == generation;
        let was_connected = current && self.connected.swap(false, Ordering::AcqRel);
        if current {
            // TWS forgets the open history requests with the connection.
            self.history.connection_ended();
        }
        if current {
            self.update_readiness(
                |r| {
                    if !r.ready && r.failure.is_none() {
                        r.failure = Some(Error::ConnectionClosed(reason.clone()));
                    }
                },
                closing,
            );
        }
        if was_connected && !closing.load(Ordering::Acquire) {
            self.orders.note_loss(std::time::SystemTime::now());
            log!(Warn, "connection lost: {reason}");
            self.push_state_event(
                Event::state(ConnectionState::ConnectionLost, reason),
                closing,
            );
        }
        let _ = self.signals_tx.send(Signal::ReaderEnded { generation });
    }

    /// Records a state change and queues its event, waiting for room while
    /// the queue is full (backpressure) unless `abandon` becomes true.
    fn push_state_event(&self, event: Event, abandon: &AtomicBool) {
        if let Event::State { state, .. } = &event {
            *lock(&self.state) = state.settled();
        }
        self.trace.iter().for_each(|t| t.event(&event));
        self.queue.push(event, abandon);
    }
}
