//! Socket options the standard library does not expose: TCP keepalive with
//! its timers. Safe wrappers for the engine (`unsafe` stays in `src/ffi`).

use std::io;
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Turns TCP keepalive on for `stream`: the kernel probes an idle connection
/// after `idle`, then every `interval`, and resets it after `count`
/// unanswered probes (a peer host that vanished, a dropped NAT mapping).
/// Times are rounded up to whole seconds (at least 1 s).
pub(crate) fn set_keepalive(
    stream: &TcpStream,
    idle: Duration,
    interval: Duration,
    count: u32,
) -> io::Result<()> {
    let secs = |d: Duration| -> libc::c_int {
        let s = d.as_secs() + u64::from(d.subsec_nanos() > 0);
        libc::c_int::try_from(s.max(1)).unwrap_or(libc::c_int::MAX)
    };
    let count = libc::c_int::try_from(count.max(1)).unwrap_or(libc::c_int::MAX);
    let fd = stream.as_raw_fd();
    set_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
    set_int(fd, libc::IPPROTO_TCP, KEEPIDLE, secs(idle))?;
    set_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, secs(interval))?;
    set_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, count)
}

#[cfg(any(target_os = "macos", target_os = "ios"))]
const KEEPIDLE: libc::c_int = libc::TCP_KEEPALIVE;
#[cfg(not(any(target_os = "macos", target_os = "ios")))]
const KEEPIDLE: libc::c_int = libc::TCP_KEEPIDLE;

fn set_int(
    fd: libc::c_int,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: `fd` is the descriptor of a live TcpStream borrowed for the
    // call; the option value points to a c_int on this stack frame and the
    // length passed is exactly its size, so the kernel reads only that int.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast::<libc::c_void>(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn get_int(stream: &TcpStream, level: libc::c_int, name: libc::c_int) -> libc::c_int {
        let mut value: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: a live descriptor; `value` and `len` are valid for writes of their sizes.
        let rc = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                level,
                name,
                (&mut value as *mut libc::c_int).cast::<libc::c_void>(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        value
    }

    #[test]
    fn keepalive_is_set_with_its_timers() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        assert_eq!(get_int(&stream, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 0);
        set_keepalive(
            &stream,
            Duration::from_millis(1500),
            Duration::from_secs(5),
            3,
        )
        .unwrap();
        assert_ne!(get_int(&stream, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 0);
        assert_eq!(get_int(&stream, libc::IPPROTO_TCP, KEEPIDLE), 2);
        assert_eq!(get_int(&stream, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 5);
        assert_eq!(get_int(&stream, libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 3);
    }
}
