//! A live session with TWS: connect with a deadline, the reader thread, the
//! serialised writer, request ids, the event queue, and delivery by poll or
//! by callback. This is the safe Rust API; `ffi` only translates it to C.

mod account_data;
mod dispatch;
mod error;
mod events;
mod handshake;
mod options;
mod queue;
mod reader;
mod requests;
mod routes;
mod stats;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use account_data::{AccountSnapshot, ACCOUNT_UPDATES_SUBSCRIPTION, POSITIONS_SUBSCRIPTION};
pub use dispatch::Callback;
pub use error::Error;
pub use events::{ConnectionState, Event};
pub use options::Options;
pub use stats::StatsSnapshot;

use crate::protocol::error_codes::CLIENT_ID_IN_USE;
use crate::protocol::messages::*;
use crate::protocol::{Incoming, Request};
use dispatch::Dispatcher;
use queue::EventQueue;
use routes::Routes;
use stats::Stats;

/// Locks a mutex, recovering the data if a panicking thread poisoned it: every
/// critical section here leaves the data consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

const NO_ORDER_ID: i64 = i64::MIN;

/// How long a state event may wait for room in a full queue.
const STATE_PUSH_LIMIT: Duration = Duration::from_secs(1);

/// What the reader has seen of the startup sequence.
#[derive(Default)]
struct Readiness {
    next_valid_id: bool,
    managed_accounts: bool,
    ready: bool,
    failure: Option<Error>,
}

/// The write half of a live session.
struct Writer {
    stream: TcpStream,
    server_version: i32,
    buf: Vec<u8>,
}

/// State shared by the caller's threads, the reader and the dispatcher.
pub(crate) struct Shared {
    options: Options,
    pub(crate) queue: EventQueue,
    pub(crate) stats: Arc<Stats>,
    writer: Mutex<Option<Writer>>,
    connected: AtomicBool,
    readiness: Mutex<Readiness>,
    ready_changed: Condvar,
    server_version: AtomicI32,
    next_request_id: AtomicI32,
    next_order_id: AtomicI64,
    accounts: Mutex<Vec<String>>,
    connection_time: Mutex<String>,
    routes: Routes,
    subscriptions: Mutex<BTreeMap<i32, Request>>,
}

/// The reader thread of one connection.
struct Session {
    stream: TcpStream,
    reader: Option<JoinHandle<()>>,
    closing: Arc<AtomicBool>,
}

impl Session {
    fn close(mut self) {
        self.closing.store(true, Ordering::Release);
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

/// A client of TWS or IB Gateway. All methods take `&self`: share it between
/// threads freely (requests from any thread are serialised by the writer).
pub struct Client {
    shared: Arc<Shared>,
    session: Mutex<Option<Session>>,
    dispatcher: Mutex<Option<Dispatcher>>,
}

impl Client {
    /// A disconnected client with `options`.
    pub fn new(options: Options) -> Result<Client, Error> {
        options.validate()?;
        let stats = Arc::new(Stats::default());
        Ok(Client {
            shared: Arc::new(Shared {
                queue: EventQueue::new(options.queue_capacity, stats.clone()),
                options,
                stats,
                writer: Mutex::new(None),
                connected: AtomicBool::new(false),
                readiness: Mutex::new(Readiness::default()),
                ready_changed: Condvar::new(),
                server_version: AtomicI32::new(0),
                next_request_id: AtomicI32::new(0),
                next_order_id: AtomicI64::new(NO_ORDER_ID),
                accounts: Mutex::new(Vec::new()),
                connection_time: Mutex::new(String::new()),
                routes: Routes::default(),
                subscriptions: Mutex::new(BTreeMap::new()),
            }),
            session: Mutex::new(None),
            dispatcher: Mutex::new(None),
        })
    }

    /// The options the client was made with.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    /// Connects, negotiates a version, starts the API and returns once the
    /// session is ready (`nextValidId` and `managedAccounts` received), all
    /// within `timeout`. Fails with a typed error otherwise.
    pub fn connect(
        &self,
        host: &str,
        port: u16,
        client_id: i32,
        timeout: Duration,
    ) -> Result<(), Error> {
        let mut session = lock(&self.session);
        if session.is_some() {
            if self.is_connected() {
                return Err(Error::AlreadyConnected);
            }
            if let Some(dead) = session.take() {
                dead.close();
            }
        }
        let shared = &self.shared;
        let deadline = Instant::now() + timeout;
        let transport = handshake::open(host, port, &shared.options, deadline)?;
        shared.stats.messages_out.fetch_add(1, Ordering::Relaxed);
        shared
            .stats
            .bytes_out
            .fetch_add(transport.hello_len as u64, Ordering::Relaxed);

        *lock(&shared.readiness) = Readiness::default();
        shared
            .server_version
            .store(transport.server_version, Ordering::Release);
        *lock(&shared.connection_time) = transport.connection_time.clone();
        let io = |e: std::io::Error| Error::from_io(&e, "socket setup");
        *lock(&shared.writer) = Some(Writer {
            stream: transport.stream.try_clone().map_err(io)?,
            server_version: transport.server_version,
            buf: Vec::with_capacity(256),
        });
        let closing = Arc::new(AtomicBool::new(false));
        let mut new_session = Session {
            stream: transport.stream.try_clone().map_err(io)?,
            reader: None,
            closing: closing.clone(),
        };
        let start = Request::StartApi(StartApi {
            client_id,
            optional_capabilities: shared.options.optional_capabilities.clone(),
        });
        let started = shared.write(&start).and_then(|()| {
            reader::spawn(
                shared.clone(),
                transport.stream,
                transport.splitter,
                transport.server_version,
                closing,
            )
            .map_err(io)
        });
        match started {
            Ok(handle) => new_session.reader = Some(handle),
            Err(e) => {
                new_session.close();
                *lock(&shared.writer) = None;
                return Err(e);
            }
        }
        match shared.wait_ready(deadline) {
            Ok(()) => {
                shared.stats.connects.fetch_add(1, Ordering::Relaxed);
                *session = Some(new_session);
                Ok(())
            }
            Err(e) => {
                new_session.close();
                shared.connected.store(false, Ordering::Release);
                *lock(&shared.writer) = None;
                Err(e)
            }
        }
    }

    /// Closes the session, if any, and waits for the reader thread to end.
    /// Events already queued stay pollable. Safe to call at any time, from any
    /// thread, including from the callback.
    pub fn disconnect(&self) {
        let session = lock(&self.session).take();
        let was_connected = self.shared.connected.swap(false, Ordering::AcqRel);
        *lock(&self.shared.writer) = None;
        if let Some(s) = session {
            s.close();
            if was_connected {
                self.shared
                    .push_state(ConnectionState::Disconnected, "disconnect requested");
            }
        }
    }

    /// True while a session is up and ready.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::Acquire)
    }

    /// The session's state now.
    pub fn state(&self) -> ConnectionState {
        if self.is_connected() {
            ConnectionState::Connected
        } else if lock(&self.session).is_some() {
            ConnectionState::ConnectionLost
        } else {
            ConnectionState::Disconnected
        }
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

    /// A fresh request id (0, 1, 2, ... per client).
    pub fn next_request_id(&self) -> i32 {
        self.shared.next_request_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The next order id (from `nextValidId`, then counting up), or
    /// `NotConnected` before TWS has sent one.
    pub fn next_order_id(&self) -> Result<i64, Error> {
        let id = self
            .shared
            .next_order_id
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
                (v != NO_ORDER_ID).then_some(v + 1)
            });
        id.map_err(|_| Error::NotConnected)
    }

    /// Sends any request in the form the negotiated version calls for.
    pub fn send(&self, request: &Request) -> Result<(), Error> {
        if !self.is_connected() {
            return Err(Error::NotConnected);
        }
        self.shared.write(request)
    }

    /// The next event, waiting up to `timeout`; `Ok(None)` when none came.
    /// Fails with `WrongMode` while a callback is set.
    pub fn poll(&self, timeout: Duration) -> Result<Option<Event>, Error> {
        if lock(&self.dispatcher).is_some() {
            return Err(Error::WrongMode(
                "a callback is set: events go to it, not to poll".into(),
            ));
        }
        Ok(self.shared.queue.pop(timeout))
    }

    /// A file descriptor that is readable while events wait (for select,
    /// poll or epoll). Owned by the client; valid until the client is dropped.
    pub fn event_fd(&self) -> Result<i32, Error> {
        self.shared
            .queue
            .fd()
            .map_err(|e| Error::from_io(&e, "eventfd"))
    }

    /// Delivers every later event to `callback`, on one engine-owned thread,
    /// in arrival order. Replaces a previous callback (waiting for it to
    /// return). Refused from inside the callback.
    pub fn set_callback(&self, callback: Callback) -> Result<(), Error> {
        let mut slot = lock(&self.dispatcher);
        if slot.as_ref().is_some_and(|d| d.is_current_thread()) {
            return Err(Error::Reentrant("set_callback".into()));
        }
        if let Some(old) = slot.take() {
            old.stop();
        }
        let d = Dispatcher::start(self.shared.clone(), callback)
            .map_err(|e| Error::from_io(&e, "spawn dispatch thread"))?;
        *slot = Some(d);
        Ok(())
    }

    /// Stops callback delivery (events then go to poll). Refused from inside the callback.
    pub fn clear_callback(&self) -> Result<(), Error> {
        let mut slot = lock(&self.dispatcher);
        if slot.as_ref().is_some_and(|d| d.is_current_thread()) {
            return Err(Error::Reentrant("clear_callback".into()));
        }
        if let Some(old) = slot.take() {
            old.stop();
        }
        Ok(())
    }

    /// True when the calling thread is this client's dispatch thread.
    pub fn in_callback(&self) -> bool {
        lock(&self.dispatcher)
            .as_ref()
            .is_some_and(|d| d.is_current_thread())
    }

    /// Callbacks that panicked (each was contained; delivery went on).
    pub fn callback_panics(&self) -> u64 {
        lock(&self.dispatcher)
            .as_ref()
            .map_or(0, |d| d.panics.load(Ordering::Relaxed))
    }

    /// A snapshot of the client's counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot(self.shared.queue.len() as u64)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.disconnect();
        if let Some(d) = lock(&self.dispatcher).take() {
            d.stop();
        }
    }
}

impl Shared {
    /// Encodes and writes one request, serialised with every other writer.
    fn write(&self, request: &Request) -> Result<(), Error> {
        let mut guard = lock(&self.writer);
        let w = guard.as_mut().ok_or(Error::NotConnected)?;
        let needed = request.min_server_version();
        if w.server_version < needed {
            return Err(crate::protocol::EncodeError::NotSupported {
                request: request.name(),
                needed,
                server_version: w.server_version,
            }
            .into());
        }
        w.buf.clear();
        request.encode(w.server_version, &mut w.buf)?;
        w.stream
            .write_all(&w.buf)
            .map_err(|e| Error::from_io(&e, &format!("send {}", request.name())))?;
        self.stats.messages_out.fetch_add(1, Ordering::Relaxed);
        self.stats
            .bytes_out
            .fetch_add(w.buf.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Session bookkeeping for a decoded message; returns it unless a blocking
    /// call took it.
    fn observe(&self, msg: Incoming) -> Option<Incoming> {
        match &msg {
            Incoming::NextValidId(m) => {
                self.next_order_id
                    .store(i64::from(m.order_id), Ordering::Release);
                self.update_readiness(|r| r.next_valid_id = true);
            }
            Incoming::ManagedAccounts(m) => {
                *lock(&self.accounts) = m.accounts();
                self.update_readiness(|r| r.managed_accounts = true);
            }
            Incoming::Error(e) if e.code == CLIENT_ID_IN_USE => {
                let text = format!("TWS error 326: {}", e.message);
                self.update_readiness(|r| {
                    if !r.ready {
                        r.failure = Some(Error::ClientIdInUse(text));
                    }
                });
            }
            _ => {}
        }
        self.routes.try_route(msg)
    }

    fn update_readiness(&self, change: impl FnOnce(&mut Readiness)) {
        let mut r = lock(&self.readiness);
        change(&mut r);
        if !r.ready && r.failure.is_none() && r.next_valid_id && r.managed_accounts {
            r.ready = true;
            self.connected.store(true, Ordering::Release);
            drop(r);
            self.push_state(ConnectionState::Connected, "");
        }
        self.ready_changed.notify_all();
    }

    fn wait_ready(&self, deadline: Instant) -> Result<(), Error> {
        let mut r = lock(&self.readiness);
        loop {
            if let Some(e) = r.failure.take() {
                return Err(e);
            }
            if r.ready {
                return Ok(());
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

    /// Called by the reader thread when its socket is done.
    fn session_ended(&self, reason: String, closing: &AtomicBool) {
        let was_connected = self.connected.swap(false, Ordering::AcqRel);
        self.update_readiness(|r| {
            if !r.ready && r.failure.is_none() {
                r.failure = Some(Error::ConnectionClosed(reason.clone()));
            }
        });
        if was_connected && !closing.load(Ordering::Acquire) {
            self.push_state(ConnectionState::ConnectionLost, &reason);
        }
    }

    /// Queues a state change. A consumer that stopped consuming cannot block
    /// the caller for long: after [`STATE_PUSH_LIMIT`] the event is counted as a
    /// full-queue wait and left out (the state stays readable through `state()`).
    fn push_state(&self, state: ConnectionState, reason: &str) {
        let event = Event::State {
            state,
            reason: reason.to_owned(),
        };
        self.queue.push_within(event, STATE_PUSH_LIMIT);
    }
}
