//! The listener and the threads: one acceptor, one thread per connection,
//! and a stop that closes every socket and joins every thread.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::orders::Desk;
use super::pacing::Pacer;
use super::recorder::Recorder;
use super::registry::ClientIds;
use super::session;
use super::transport::{End, Transport};
use super::SimConfig;

/// How often the acceptor looks at the stop flag while no one connects.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

/// What every thread of one simulator shares.
#[derive(Debug)]
pub struct Shared {
    pub config: SimConfig,
    pub stop: Arc<AtomicBool>,
    pub client_ids: Arc<ClientIds>,
    pub recorder: Recorder,
    /// The orders of every connection, and the market they fill against.
    pub orders: Desk,
    /// The historical-data pacing of the whole simulator (TWS paces a login).
    pub pacer: Pacer,
    connections: Mutex<Connections>,
}

#[derive(Debug, Default)]
struct Connections {
    next: u64,
    /// A second handle on each live socket, to shut it down on stop.
    sockets: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

impl Shared {
    /// A log line on stderr, unless the simulator is quiet.
    pub fn log(&self, what: std::fmt::Arguments<'_>) {
        if !self.config.quiet {
            let _ = writeln!(io::stderr().lock(), "tws-sim: {what}");
        }
    }

    fn connections(&self) -> MutexGuard<'_, Connections> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A listening simulator.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
    /// Steps the order desk's market, connected or not.
    stepper: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds 127.0.0.1:`config.port` and starts accepting.
    pub fn start(config: SimConfig) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", config.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let recorder = Recorder::open(config.record.as_deref(), config.capture.as_deref())?;
        let shared = Arc::new(Shared {
            recorder,
            orders: Desk::new(&config),
            pacer: Pacer::new(config.history_pacing.clone()),
            config,
            stop: Arc::new(AtomicBool::new(false)),
            client_ids: Arc::new(ClientIds::default()),
            connections: Mutex::new(Connections::default()),
        });
        let for_acceptor = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("tws-sim-accept".into())
            .spawn(move || accept_loop(listener, addr, &for_acceptor))?;
        let every = shared.orders.lock().step_interval();
        let stepper = match every {
            Some(every) => {
                let for_stepper = Arc::clone(&shared);
                let spawned = thread::Builder::new()
                    .name("tws-sim-orders".into())
                    .spawn(move || step_loop(every, &for_stepper));
                match spawned {
                    Ok(thread) => Some(thread),
                    Err(e) => {
                        shared.stop.store(true, Ordering::SeqCst);
                        let _ = acceptor.join();
                        return Err(e);
                    }
                }
            }
            None => None,
        };
        Ok(Server {
            addr,
            shared,
            acceptor: Some(acceptor),
            stepper,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Historical-data requests refused for pacing so far.
    pub fn history_pacing_violations(&self) -> u64 {
        self.shared.pacer.violations()
    }

    /// Stops accepting, shuts every connection down and joins every thread.
    /// Calling it again does nothing.
    pub fn stop(&mut self) {
        let Some(acceptor) = self.acceptor.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // After the acceptor has ended no connection can be added.
        let _ = acceptor.join();
        if let Some(stepper) = self.stepper.take() {
            let _ = stepper.join();
        }
        self.shared.close_connections();
    }
}

impl Shared {
    /// Shuts every connection down and joins its thread (which releases its
    /// client id).
    fn close_connections(&self) {
        let threads = {
            let mut conns = self.connections();
            for socket in conns.sockets.values() {
                let _ = socket.shutdown(Shutdown::Both);
            }
            conns.sockets.clear();
            std::mem::take(&mut conns.threads)
        };
        for thread in threads {
            let _ = thread.join();
        }
    }

    /// Sleeps `total` in short steps; false if the simulator is stopping.
    fn sleep_unless_stopped(&self, total: Duration) -> bool {
        let until = Instant::now() + total;
        while !self.stop.load(Ordering::SeqCst) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return true;
            }
            thread::sleep(left.min(ACCEPT_POLL));
        }
        false
    }
}

/// The `--restart-after`/`--restart-down` fault: drops the listener and every
/// connection, stays down, then listens on the same address again. Returns
/// the new listener, or `None` when the simulator stops meanwhile.
fn restart(
    listener: TcpListener,
    addr: SocketAddr,
    down: Duration,
    shared: &Shared,
) -> Option<TcpListener> {
    drop(listener);
    shared.log(format_args!(
        "fault: restart: closing every connection, down for {} ms",
        down.as_millis()
    ));
    shared.close_connections();
    if !shared.sleep_unless_stopped(down) {
        return None;
    }
    loop {
        match TcpListener::bind(addr).and_then(|l| l.set_nonblocking(true).map(|()| l)) {
            Ok(listener) => {
                shared.log(format_args!("fault: restart: listening again on {addr}"));
                return Some(listener);
            }
            Err(e) => {
                shared.log(format_args!("fault: restart: cannot listen yet: {e}"));
                if !shared.sleep_unless_stopped(ACCEPT_POLL * 5) {
                    return None;
                }
            }
        }
    }
}

/// Steps the order desk's market every `every` until the simulator stops,
/// whether or not anyone is connected (and through restarts).
fn step_loop(every: Duration, shared: &Shared) {
    let mut due = Instant::now() + every;
    loop {
        if !shared.sleep_unless_stopped(due.saturating_duration_since(Instant::now())) {
            return;
        }
        shared.orders.lock().step();
        let now = Instant::now();
        due += every;
        // Fallen behind (a suspended process): skip ahead, no burst.
        if due + every < now {
            due = now + every;
        }
    }
}

fn accept_loop(mut listener: TcpListener, addr: SocketAddr, shared: &Arc<Shared>) {
    let restart_every = shared.config.faults.restart;
    let mut restart_at = restart_every.map(|r| Instant::now() + r.after);
    while !shared.stop.load(Ordering::SeqCst) {
        if let (Some(at), Some(r)) = (restart_at, restart_every) {
            if Instant::now() >= at {
                listener = match restart(listener, addr, r.down, shared) {
                    Some(l) => l,
                    None => return,
                };
                restart_at = Some(Instant::now() + r.after);
                continue;
            }
        }
        match listener.accept() {
            Ok((stream, peer)) => spawn_connection(stream, peer, shared),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(ACCEPT_POLL),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                // Out of descriptors and similar: back off and keep serving.
                shared.log(format_args!("accept failed: {e}"));
                thread::sleep(ACCEPT_POLL);
            }
        }
    }
}

fn spawn_connection(stream: TcpStream, peer: SocketAddr, shared: &Arc<Shared>) {
    let transport = stream
        .try_clone()
        .and_then(|handle| Ok((handle, Transport::new(stream, Arc::clone(&shared.stop))?)));
    let (handle, transport) = match transport {
        Ok(pair) => pair,
        Err(e) => return shared.log(format_args!("connection from {peer} refused: {e}")),
    };
    let mut conns = shared.connections();
    conns.threads.retain(|t| !t.is_finished());
    let conn = conns.next;
    conns.next += 1;
    let for_thread = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name(format!("tws-sim-conn-{conn}"))
        .spawn(move || {
            for_thread.log(format_args!("connection {conn}: accepted from {peer}"));
            let end = session::serve(transport, &for_thread, conn);
            for_thread.connections().sockets.remove(&conn);
            match end {
                End::Stopped | End::PeerClosed => {
                    for_thread.log(format_args!("connection {conn}: closed ({end})"))
                }
                _ => for_thread.log(format_args!("connection {conn}: closing: {end}")),
            }
        });
    match spawned {
        Ok(thread) => {
            conns.sockets.insert(conn, handle);
            conns.threads.push(thread);
        }
        Err(e) => shared.log(format_args!("connection {conn}: no thread: {e}")),
    }
}
