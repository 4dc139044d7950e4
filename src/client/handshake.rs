//! Opening a socket and agreeing on a protocol version, within a deadline.

use std::io::{self, ErrorKind, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::Instant;

use crate::logging::log;
use crate::protocol::handshake::{client_hello, parse_server_hello};
use crate::wire::FrameSplitter;

use super::{Error, Options};

/// A socket past the version handshake.
pub(crate) struct Transport {
    pub stream: TcpStream,
    /// Holds any bytes that arrived after the server's answer.
    pub splitter: FrameSplitter,
    pub server_version: i32,
    pub connection_time: String,
    pub hello_len: usize,
}

fn remaining(deadline: Instant, what: &str) -> Result<std::time::Duration, Error> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        Err(Error::Timeout(format!("{what}: deadline passed")))
    } else {
        Ok(left)
    }
}

/// A name lookup: the system's, or a stand-in in tests.
pub(crate) type Resolver = fn(&str, u16) -> io::Result<Vec<SocketAddr>>;

/// The system's lookup (getaddrinfo), which has no timeout of its own.
fn system_resolver(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    Ok((host, port).to_socket_addrs()?.collect())
}

/// The addresses of `host:port`, looked up before `deadline`. An address
/// literal needs no lookup; a name is looked up on a helper thread, so a
/// slow or hanging DNS server cannot hold the connect past its timeout (the
/// helper ends on its own when the lookup returns).
pub(crate) fn resolve(
    host: &str,
    port: u16,
    deadline: Instant,
    resolver: Resolver,
) -> Result<Vec<SocketAddr>, Error> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let left = remaining(deadline, &format!("resolve {host}"))?;
    let (tx, rx) = crossbeam_channel::bounded(1);
    let name = host.to_owned();
    thread::Builder::new()
        .name("tws-resolve".into())
        .spawn(move || {
            let _ = tx.send(resolver(&name, port));
        })
        .map_err(|e| Error::from_io(&e, "spawn resolver thread"))?;
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(Error::InvalidArgument(format!(
            "cannot resolve {host}:{port}: {e}"
        ))),
        Err(_) => Err(Error::Timeout(format!(
            "resolving {host} did not finish within the connect timeout"
        ))),
    }
}

/// Connects to `host:port` and negotiates a version, all before `deadline`.
/// `on_socket` sees the socket once it is connected; returning false aborts.
pub(crate) fn open(
    host: &str,
    port: u16,
    options: &Options,
    deadline: Instant,
    on_socket: &dyn Fn(&TcpStream) -> bool,
) -> Result<Transport, Error> {
    let addrs = resolve(host, port, deadline, system_resolver)?;
    let mut last_err = Error::InvalidArgument(format!("{host}:{port} resolves to no address"));
    let mut stream = None;
    for addr in addrs {
        log!(Debug, "connect attempt to {addr}");
        match TcpStream::connect_timeout(&addr, remaining(deadline, "connect")?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => {
                log!(Debug, "connect attempt to {addr} failed: {e}");
                last_err = Error::from_io(&e, &format!("connect to {addr}"));
            }
        }
    }
    let mut stream = stream.ok_or(last_err)?;
    if !on_socket(&stream) {
        let _ = stream.shutdown(Shutdown::Both);
        return Err(Error::ConnectionClosed("disconnect requested".into()));
    }
    let _ = stream.set_nodelay(true);

    let hello = client_hello(
        options.min_version,
        options.max_version,
        &options.connect_options,
    );
    stream
        .write_all(&hello)
        .map_err(|e| Error::from_io(&e, "send handshake"))?;

    let mut splitter = FrameSplitter::new(options.max_frame_len);
    let answer = loop {
        if let Some(frame) = splitter
            .next_frame()
            .map_err(|e| Error::Protocol(format!("handshake answer: {e}")))?
        {
            break frame.to_vec();
        }
        stream
            .set_read_timeout(Some(remaining(
                deadline,
                "waiting for the server's version",
            )?))
            .map_err(|e| Error::from_io(&e, "set timeout"))?;
        match splitter.read_from(&mut stream) {
            Ok(0) => {
                return Err(Error::NoCommonVersion(format!(
                    "the server closed the connection during the version handshake: it serves none of v{}..{} (or is not TWS)",
                    options.min_version, options.max_version
                )))
            }
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(Error::Timeout(
                    "the server accepted the connection but did not answer the version handshake".into(),
                ))
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::from_io(&e, "waiting for the server's version")),
        }
    };
    let (server_version, connection_time) = parse_server_hello(&answer).ok_or_else(|| {
        Error::Protocol(format!(
            "unreadable handshake answer {:?}",
            String::from_utf8_lossy(&answer)
        ))
    })?;
    if server_version < options.min_version || server_version > options.max_version {
        let _ = stream.shutdown(Shutdown::Both);
        return Err(Error::NoCommonVersion(format!(
            "server version {server_version} is outside v{}..{}",
            options.min_version, options.max_version
        )));
    }
    stream
        .set_read_timeout(None)
        .map_err(|e| Error::from_io(&e, "set timeout"))?;
    Ok(Transport {
        stream,
        splitter,
        server_version,
        connection_time,
        hello_len: hello.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn hanging_resolver(_: &str, _: u16) -> io::Result<Vec<SocketAddr>> {
        thread::sleep(Duration::from_secs(30));
        Ok(Vec::new())
    }

    fn failing_resolver(host: &str, _: u16) -> io::Result<Vec<SocketAddr>> {
        Err(io::Error::new(
            ErrorKind::NotFound,
            format!("{host}: unknown"),
        ))
    }

    #[test]
    fn a_hanging_lookup_is_cut_off_at_the_deadline() {
        let started = Instant::now();
        let deadline = started + Duration::from_millis(200);
        match resolve("tws.example", 7497, deadline, hanging_resolver) {
            Err(Error::Timeout(m)) => assert!(m.contains("tws.example"), "{m}"),
            other => panic!("{other:?}"),
        }
        // The lookup itself takes 30 s: returning at all proves the deadline.
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn a_failed_lookup_is_a_typed_error_and_literals_need_none() {
        let deadline = Instant::now() + Duration::from_secs(5);
        assert!(matches!(
            resolve("nowhere.invalid", 1, deadline, failing_resolver),
            Err(Error::InvalidArgument(_))
        ));
        let addrs = resolve("127.0.0.1", 7497, deadline, hanging_resolver).unwrap();
        assert_eq!(addrs, vec!["127.0.0.1:7497".parse().unwrap()]);
        let past = Instant::now() - Duration::from_millis(1);
        assert!(matches!(
            resolve("tws.example", 1, past, hanging_resolver),
            Err(Error::Timeout(_))
        ));
    }
}
