//! The reader thread: socket -> frames -> messages -> session bookkeeping -> queue.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::protocol::{Incoming, RawMessage};
use crate::wire::FrameSplitter;

use super::events::Event;
use super::Shared;

/// Starts reading `stream` on a new thread until it closes or `closing` is set.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    mut stream: TcpStream,
    mut splitter: FrameSplitter,
    server_version: i32,
    closing: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("tws-reader".into())
        .spawn(move || {
            let reason = read_until_closed(
                &shared,
                &mut stream,
                &mut splitter,
                server_version,
                &closing,
            );
            shared.session_ended(reason, &closing);
        })
}

fn read_until_closed(
    shared: &Shared,
    stream: &mut TcpStream,
    splitter: &mut FrameSplitter,
    server_version: i32,
    closing: &AtomicBool,
) -> String {
    loop {
        loop {
            match splitter.next_frame() {
                Ok(Some(frame)) => {
                    shared.stats.messages_in.fetch_add(1, Ordering::Relaxed);
                    if !deliver(shared, frame, server_version, closing) {
                        return "disconnect requested".into();
                    }
                }
                Ok(None) => break,
                Err(e) => return format!("protocol error: {e}"),
            }
        }
        match splitter.read_from(stream) {
            Ok(0) => return "connection closed by peer".into(),
            Ok(n) => {
                shared.stats.bytes_in.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return format!("socket error: {e}"),
        }
    }
}

/// Decodes one frame and hands the result on. False when the client is closing.
fn deliver(shared: &Shared, frame: &[u8], server_version: i32, closing: &AtomicBool) -> bool {
    let event = match RawMessage::split(frame, server_version) {
        Err(e) => decode_failed(shared, -1, e.to_string(), frame),
        Ok(raw) => match Incoming::decode(&raw, server_version) {
            Ok(Some(msg)) => match shared.observe(msg) {
                Some(msg) => Event::Message(msg),
                None => return true,
            },
            Ok(None) => {
                shared
                    .stats
                    .unknown_messages
                    .fetch_add(1, Ordering::Relaxed);
                Event::Unknown {
                    msg_id: raw.id,
                    payload: frame.to_vec(),
                }
            }
            Err(e) => decode_failed(shared, raw.id, e.to_string(), frame),
        },
    };
    shared.queue.push(event, closing)
}

fn decode_failed(shared: &Shared, msg_id: i32, reason: String, frame: &[u8]) -> Event {
    shared.stats.decode_errors.fetch_add(1, Ordering::Relaxed);
    Event::DecodeFailed {
        msg_id,
        reason,
        payload: frame.to_vec(),
    }
}
