//! The reader thread: socket -> frames -> messages -> session bookkeeping -> queue.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Instant;

use crate::logging::log;
use crate::protocol::messages::ReqCurrentTime;
use crate::protocol::{Incoming, RawMessage, Request};
use crate::wire::{FrameError, FrameSplitter};

use super::dispatch;
use super::events::Event;
use super::liveness::{panic_message, Verdict, Watch};
use super::supervisor::Signal;
use super::trace::Direction;
use super::{Error, Shared};

/// Starts reading `stream` on a new thread until it closes, `closing` is
/// set, or the dead-peer watch gives up on it. A panic in the thread poisons
/// the client (and queues a `ConnectionLost` "internal error" event).
pub(crate) fn spawn(
    shared: Arc<Shared>,
    mut stream: TcpStream,
    mut splitter: FrameSplitter,
    server_version: i32,
    generation: u64,
    closing: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    shared.health.connection_started();
    let watch = Watch::new(&shared.options.liveness, Instant::now());
    stream.set_read_timeout(watch.as_ref().map(Watch::slice))?;
    let inline = shared.options.callbacks_on_reader;
    // The lowest latency: the reader spins on the socket instead of sleeping
    // in `read` (the write half shares the flag; `write_within` copes).
    let spin = inline && shared.options.busy_poll;
    stream.set_nonblocking(spin)?;
    thread::Builder::new()
        .name("tws-reader".into())
        .spawn(move || {
            dispatch::mark_reader_thread(&shared);
            let context = Context {
                shared: &shared,
                server_version,
                generation,
                closing: &closing,
                panic_on: shared.options.panic_on_message_id_for_tests,
                inline,
                spin,
            };
            let read = catch_unwind(AssertUnwindSafe(|| {
                read_until_closed(&context, &mut stream, &mut splitter, watch)
            }));
            match read {
                Ok(reason) => shared.session_ended(reason, generation, &closing),
                Err(payload) => {
                    let message = panic_message(&*payload);
                    shared.poison_engine("reader", &message, &closing);
                    let reason = format!("internal error: {message}");
                    shared.session_ended(reason, generation, &closing);
                }
            }
        })
}

/// What the reader of one connection works with.
struct Context<'a> {
    shared: &'a Shared,
    server_version: i32,
    generation: u64,
    closing: &'a AtomicBool,
    /// `Options::panic_on_message_id_for_tests`.
    panic_on: Option<i32>,
    /// `Options::callbacks_on_reader`: a set callback gets each event here.
    inline: bool,
    /// The socket is non-blocking and `read` is retried at once.
    spin: bool,
}

/// While spinning on the socket, the dead-peer watch looks at the clock once
/// in this many empty reads.
const SPIN_WATCH_EVERY: u32 = 1024;

fn read_until_closed(
    cx: &Context<'_>,
    stream: &mut TcpStream,
    splitter: &mut FrameSplitter,
    mut watch: Option<Watch>,
) -> String {
    let shared = cx.shared;
    let mut empty_reads = 0u32;
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
                if let Some(w) = &mut watch {
                    w.received(Instant::now());
                }
            }
            Err(e) if cx.spin && e.kind() == ErrorKind::WouldBlock => {
                empty_reads = empty_reads.wrapping_add(1);
                if empty_reads % SPIN_WATCH_EVERY == 0 {
                    if let Some(reason) = watch.as_mut().and_then(|w| quiet(cx, w)) {
                        return reason;
                    }
                }
                std::hint::spin_loop();
            }
            // The read timeout of the dead-peer watch: nothing arrived.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if let Some(w) = &mut watch {
                    if let Some(reason) = quiet(cx, w) {
                        return reason;
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return format!("socket error: {e}"),
        }
    }
}

/// A read slice passed without a byte: probes, or gives up on a dead peer
/// (the reason the connection ends).
fn quiet(cx: &Context<'_>, watch: &mut Watch) -> Option<String> {
    let shared = cx.shared;
    if !shared.connected.load(Ordering::Acquire) {
        // Not ready yet (connect has its own deadline) or already lost.
        watch.received(Instant::now());
        return None;
    }
    match watch.check(Instant::now()) {
        Verdict::Fine => None,
        Verdict::Probe => {
            log!(
                Debug,
                "no data from TWS for a while: sending a dead-peer probe"
            );
            // The supervisor writes it: the reader never waits for the
            // pacer or a blocked socket.
            shared.health.probe_sent();
            let probe = Signal::Probe {
                generation: cx.generation,
            };
            if shared.signals_tx.send(probe).is_err() {
                shared.health.probe_failed();
            }
            None
        }
        Verdict::Dead(reason) => {
            log!(Error, "{reason}; closing the connection");
            if let Some(t) = &shared.trace {
                t.line(Direction::In, "DeadPeer", &format!("reason: {reason:?}"));
            }
            Some(reason)
        }
    }
}

/// The dead-peer probe, as the supervisor sends it.
pub(crate) fn probe() -> Request {
    Request::ReqCurrentTime(ReqCurrentTime {})
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
    // One cause, one message: a blocking call running now fails with this
    // error, whose text is the `ConnectionLost` reason.
    let error = Error::Protocol(e.to_string());
    let reason = error.to_string();
    cx.shared.health.set_end_error(error);
    log!(Error, "{reason}; closing the connection");
    cx.shared
        .trace
        .iter()
        .for_each(|t| t.protocol_error(&reason, &bytes));
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
    // A tick the quote view holds may be conflated into it on a full queue.
    let mut conflatable = false;
    let event = match RawMessage::split(frame, server_version) {
        Err(e) => decode_failed(shared, -1, e.to_string(), frame),
        Ok(raw) if cx.panic_on == Some(raw.id) => {
            panic!(
                "test hook: message id {} (Options::panic_on_message_id_for_tests)",
                raw.id
            )
        }
        Ok(raw) => match Incoming::decode(&raw, server_version) {
            // Kept in its `Option` (not bound by value) until it becomes the
            // event: a decoded message is a few hundred bytes, moved once.
            Ok(mut slot @ Some(_)) => {
                let Some(msg) = &slot else {
                    return true;
                };
                if let Some(t) = &shared.trace {
                    t.incoming(msg);
                }
                if matches!(msg, Incoming::CurrentTime(_)) && shared.health.take_probe() {
                    // The answer to a dead-peer probe: not the user's.
                    return true;
                }
                conflatable = shared.quotes.observe(msg) && shared.options.conflate_ticks;
                shared.observe(&mut slot, cx.generation, cx.closing);
                match slot {
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
    if cx.inline && dispatch::deliver_on_reader(shared, &event) {
        return !dispatch::this_reader_stopping();
    }
    if conflatable {
        match shared.queue.try_push_frame(event, frame.len()) {
            Some(pushed) => return pushed,
            None => {
                // Full: the quote view has the tick; the event is dropped
                // and counted, so the reader keeps up with the market.
                shared.stats.ticks_conflated.fetch_add(1, Ordering::Relaxed);
                return true;
            }
        }
    }
    shared.queue.push_frame(event, frame.len(), cx.closing)
}

fn decode_failed(shared: &Shared, msg_id: i32, reason: String, frame: &[u8]) -> Event {
    log!(Warn, "message id {msg_id} failed to decode: {reason}");
    shared
        .trace
        .iter()
        .for_each(|t| t.decode_failed(msg_id, &reason, frame));
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
