//! The reader thread: socket -> frames -> messages -> session bookkeeping -> queue.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::logging::log;
use crate::protocol::{Incoming, RawMessage};
use crate::wire::{FrameError, FrameSplitter};

use super::events::Event;
use super::trace::Direction;
use super::Shared;

/// Starts reading `stream` on a new thread until it closes or `closing` is set.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    mut stream: TcpStream,
    mut splitter: FrameSplitter,
    server_version: i32,
    generation: u64,
    closing: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    thread::Builder::new()
        .name("tws-reader".into())
        .spawn(move || {
            let context = Context {
                shared: &shared,
                server_version,
                generation,
                closing: &closing,
            };
            let reason = read_until_closed(&context, &mut stream, &mut splitter);
            shared.session_ended(reason, generation, &closing);
        })
}

/// What the reader of one connection works with.
struct Context<'a> {
    shared: &'a Shared,
    server_version: i32,
    generation: u64,
    closing: &'a AtomicBool,
}

fn read_until_closed(
    cx: &Context<'_>,
    stream: &mut TcpStream,
    splitter: &mut FrameSplitter,
) -> String {
    let shared = cx.shared;
    loop {
        loop {
            match splitter.next_frame() {
                Ok(Some(frame)) => {
                    shared.stats.messages_in.fetch_add(1, Ordering::Relaxed);
                    if !deliver(cx, frame) {
                        return "disconnect requested".into();
                    }
                }
                Ok(None) => break,
                Err(e) => return protocol_error(cx, &e),
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

/// Reports a framing error (the stream cannot be resynchronised) and says
/// why the connection ends. Nothing of the announced frame was read or allocated.
fn protocol_error(cx: &Context<'_>, e: &FrameError) -> String {
    cx.shared
        .stats
        .protocol_errors
        .fetch_add(1, Ordering::Relaxed);
    let bytes = match e {
        FrameError::TooLong { announced, .. } => u32::try_from(*announced)
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec(),
    };
    let reason = format!("protocol error: {e}");
    log!(Error, "{reason}; closing the connection");
    cx.shared.queue.push(
        Event::ProtocolError {
            reason: reason.clone(),
            bytes,
        },
        cx.closing,
    );
    reason
}

/// Decodes one frame and hands the result on. False when the client is closing.
fn deliver(cx: &Context<'_>, frame: &[u8]) -> bool {
    let (shared, server_version) = (cx.shared, cx.server_version);
    let event = match RawMessage::split(frame, server_version) {
        Err(e) => decode_failed(shared, -1, e.to_string(), frame),
        Ok(raw) => match Incoming::decode(&raw, server_version) {
            Ok(Some(msg)) => {
                if let Some(t) = &shared.trace {
                    t.incoming(&msg);
                }
                match shared.observe(msg, cx.generation, cx.closing) {
                    Some(msg) => Event::Message(msg),
                    None => return true,
                }
            }
            Ok(None) => {
                log!(
                    Debug,
                    "unknown message id {} ({} bytes)",
                    raw.id,
                    frame.len()
                );
                if let Some(t) = &shared.trace {
                    let fields = format!("msg_id: {}, len: {}", raw.id, frame.len());
                    t.line(Direction::In, "Unknown", &fields);
                }
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
    shared.queue.push_frame(event, frame.len(), cx.closing)
}

fn decode_failed(shared: &Shared, msg_id: i32, reason: String, frame: &[u8]) -> Event {
    log!(Warn, "message id {msg_id} failed to decode: {reason}");
    if let Some(t) = &shared.trace {
        let fields = format!("msg_id: {msg_id}, reason: {reason:?}, len: {}", frame.len());
        t.line(Direction::In, "DecodeFailed", &fields);
    }
    shared.stats.decode_errors.fetch_add(1, Ordering::Relaxed);
    // Diagnostics only: keep the head of a large malformed frame, so a peer
    // sending garbage cannot make each queued event cost up to a whole frame.
    let kept = frame.len().min(MAX_MALFORMED_COPY);
    let reason = if kept < frame.len() {
        format!(
            "{reason} (frame of {} bytes; the first {kept} kept)",
            frame.len()
        )
    } else {
        reason
    };
    Event::DecodeFailed {
        msg_id,
        reason,
        payload: frame[..kept].to_vec(),
    }
}

/// Most bytes of a malformed frame kept in its decode-failed event.
const MAX_MALFORMED_COPY: usize = 64 * 1024;
