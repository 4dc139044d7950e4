//! The listener and the threads: one acceptor, one thread per connection,
//! and a stop that closes every socket and joins every thread.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

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
            config,
            stop: Arc::new(AtomicBool::new(false)),
            client_ids: Arc::new(ClientIds::default()),
            connections: Mutex::new(Connections::default()),
        });
        let for_acceptor = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("tws-sim-accept".into())
            .spawn(move || accept_loop(&listener, &for_acceptor))?;
        Ok(Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
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
        let threads = {
            let mut conns = self.shared.connections();
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
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
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
