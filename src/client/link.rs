//! One connection's life: open the socket, handshake, start the API, run its
//! reader, wait until ready; and close it again. Used by `connect` for the
//! first session and by the supervisor for every reconnect.

use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::logging::log;
use crate::protocol::messages::StartApi;
use crate::protocol::Request;

use super::trace::Direction;
use super::{handshake, lock, reader, Error, Readiness, Shared, Writer};

/// Where and as whom to connect; kept for reconnecting.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub host: String,
    pub port: u16,
    pub client_id: i32,
    /// Bounds every attempt, the first included.
    pub timeout: Duration,
}

/// Lets another thread abort an attempt in progress: it sets `stop`, shuts
/// down the socket being opened and wakes the wait for readiness.
#[derive(Default)]
pub(crate) struct Abort {
    pub stop: AtomicBool,
    opening: Mutex<Option<TcpStream>>,
}

impl Abort {
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Stops the attempt in progress (if any) and every later one.
    pub(crate) fn trigger(&self, shared: &Shared) {
        self.stop.store(true, Ordering::Release);
        if let Some(s) = lock(&self.opening).take() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let _guard = lock(&shared.readiness);
        shared.ready_changed.notify_all();
    }

    /// Remembers the socket being opened; false if the attempt is already aborted.
    fn register(&self, stream: &TcpStream) -> bool {
        let mut slot = lock(&self.opening);
        *slot = stream.try_clone().ok();
        !self.stopped()
    }

    fn clear(&self) {
        *lock(&self.opening) = None;
    }
}

/// A live connection: the socket and its reader thread.
pub(crate) struct Link {
    stream: TcpStream,
    reader: Option<JoinHandle<()>>,
    closing: Arc<AtomicBool>,
    pub generation: u64,
}

impl Link {
    /// Shuts the socket down and waits for the reader thread to end.
    pub(crate) fn close(self) {
        drop(self);
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Release);
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

/// Keepalive probes of an idle socket: after the liveness idle time (30 s
/// when dead-peer detection is off), then every 5 s, reset after 3 misses.
const KEEPALIVE_IDLE_WITHOUT_LIVENESS: Duration = Duration::from_secs(30);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
const KEEPALIVE_COUNT: u32 = 3;

/// Turns TCP keepalive on (a failure is logged, not fatal: the dead-peer
/// probe still watches the connection).
fn keepalive(stream: &TcpStream, options: &super::Options) {
    let idle = if options.liveness.enabled() {
        options.liveness.idle
    } else {
        KEEPALIVE_IDLE_WITHOUT_LIVENESS
    };
    if let Err(e) =
        crate::ffi::sockopt::set_keepalive(stream, idle, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
    {
        log!(Warn, "cannot turn TCP keepalive on: {e}");
    }
}

/// Opens a session to `endpoint` and returns once it is ready, within
/// `endpoint.timeout`. `announce`: queue a `Connected` event when ready (the
/// first connect does; a reconnect reports `Reconnected` itself).
pub(crate) fn establish(
    shared: &Arc<Shared>,
    endpoint: &Endpoint,
    abort: &Abort,
    announce: bool,
) -> Result<Link, Error> {
    let deadline = Instant::now() + endpoint.timeout;
    let opened = handshake::open(
        &endpoint.host,
        endpoint.port,
        &shared.options,
        deadline,
        &|s| abort.register(s),
    );
    abort.clear();
    let transport = opened?;
    keepalive(&transport.stream, &shared.options);
    log!(
        Info,
        "handshake done: server version {} (connection time {})",
        transport.server_version,
        transport.connection_time
    );
    if let Some(t) = &shared.trace {
        let o = &shared.options;
        let hello = format!(
            "min_version: {}, max_version: {}, connect_options: {:?}",
            o.min_version, o.max_version, o.connect_options
        );
        t.line(Direction::Out, "Handshake", &hello);
        let answer = format!(
            "server_version: {}, connection_time: {:?}",
            transport.server_version, transport.connection_time
        );
        t.line(Direction::In, "ServerVersion", &answer);
        t.connected(
            &endpoint.host,
            endpoint.port,
            endpoint.client_id,
            transport.server_version,
        );
    }
    shared.stats.messages_out.fetch_add(1, Ordering::Relaxed);
    shared
        .stats
        .bytes_out
        .fetch_add(transport.hello_len as u64, Ordering::Relaxed);

    let generation = shared.generation.fetch_add(1, Ordering::AcqRel) + 1;
    *lock(&shared.readiness) = Readiness {
        announce,
        ..Readiness::default()
    };
    shared
        .server_version
        .store(transport.server_version, Ordering::Release);
    *lock(&shared.connection_time) = transport.connection_time.clone();
    let io = |e: std::io::Error| Error::from_io(&e, "socket setup");
    let write_half = transport.stream.try_clone().map_err(io)?;
    write_half
        .set_write_timeout(Some(shared.options.write_timeout))
        .map_err(io)?;
    let closing = Arc::new(AtomicBool::new(false));
    // Cloned before the writer is installed, so a failure here leaves no
    // half-set-up connection behind.
    let mut link = Link {
        stream: transport.stream.try_clone().map_err(io)?,
        reader: None,
        closing: closing.clone(),
        generation,
    };
    *lock(&shared.writer) = Some(Writer {
        stream: write_half,
        server_version: transport.server_version,
        generation,
        buf: Vec::with_capacity(256),
    });
    let start = Request::StartApi(StartApi {
        client_id: endpoint.client_id,
        optional_capabilities: shared.options.optional_capabilities.clone(),
    });
    let started = shared.write(&start, false).and_then(|_| {
        reader::spawn(
            shared.clone(),
            transport.stream,
            transport.splitter,
            transport.server_version,
            generation,
            closing,
        )
        .map_err(io)
    });
    match started {
        Ok(handle) => link.reader = Some(handle),
        Err(e) => {
            link.close();
            *lock(&shared.writer) = None;
            return Err(e);
        }
    }
    match shared.wait_ready(deadline, abort) {
        Ok(()) => {
            log!(
                Info,
                "session ready: client id {}, server version {}",
                endpoint.client_id,
                transport.server_version
            );
            shared.stats.connects.fetch_add(1, Ordering::Relaxed);
            Ok(link)
        }
        Err(e) => {
            log!(Warn, "session did not start: {e}");
            link.close();
            shared.connected.store(false, Ordering::Release);
            *lock(&shared.writer) = None;
            Err(e)
        }
    }
}
