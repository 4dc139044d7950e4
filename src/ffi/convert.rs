//! Turns engine events into C events whose strings borrow from a reusable
//! arena: no allocation per event once the arena has grown.
//!
//! A conversion runs in two phases that the types enforce. [`Arena::place`]
//! clears the arena and returns a [`Placing`]: it copies strings and bytes in
//! and hands back offsets ([`Str`], [`Bytes`]), never pointers, so the buffer
//! may grow freely while it fills. [`Placing::done`] consumes it and returns a
//! [`Placed`], a shared view of the finished buffer: only it turns offsets
//! into pointers, and while it (or the arena borrow behind it) lives nothing
//! can be pushed, so no pointer can be taken from storage that moves later.
//! The pointers stay valid until the arena is placed into again (the next
//! conversion), which is the lifetime the header documents.

use std::ffi::c_char;

use crate::client::{ConnectionState, Event, PacingRule, PacingStage};
use crate::protocol::ErrorClass;

use super::fields::MessageSlot;
pub(crate) use super::generated::convert::contract_view;
use super::generated::convert::message_event;
use super::types::*;

/// Owns the bytes the current C event points into.
#[derive(Default)]
pub(crate) struct Arena {
    bytes: Vec<u8>,
}

/// Where a NUL-terminated copy of a string starts in the arena.
#[derive(Clone, Copy)]
pub(crate) struct Str(usize);

/// Where a copy of some bytes starts in the arena, and their length.
#[derive(Clone, Copy)]
struct Bytes(usize, usize);

/// The filling phase: copies go in, offsets come out.
pub(crate) struct Placing<'a> {
    bytes: &'a mut Vec<u8>,
}

/// The finished phase: offsets become pointers; nothing more goes in.
pub(crate) struct Placed<'a> {
    bytes: &'a [u8],
}

impl Arena {
    /// Starts a conversion: forgets the previous event's strings (keeping the
    /// buffer's capacity, so a warm arena does not allocate).
    pub(crate) fn place(&mut self) -> Placing<'_> {
        self.bytes.clear();
        Placing {
            bytes: &mut self.bytes,
        }
    }
}

impl<'a> Placing<'a> {
    /// Copies `s` with a terminating NUL; interior NULs end the C string early.
    pub(crate) fn str(&mut self, s: &str) -> Str {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        Str(at)
    }

    /// Copies `b`, followed by a NUL that is not part of it (so the arena
    /// always ends with a NUL: see [`Placed::str`]).
    fn bytes(&mut self, b: &[u8]) -> Bytes {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(b);
        self.bytes.push(0);
        Bytes(at, b.len())
    }

    /// Ends the filling phase.
    pub(crate) fn done(self) -> Placed<'a> {
        Placed { bytes: self.bytes }
    }
}

impl Placed<'_> {
    /// The C string at `s`. Indexing is bounds-checked, and every push ends
    /// with a NUL, so even a stray offset points at a NUL-terminated string
    /// inside the buffer.
    pub(crate) fn str(&self, s: Str) -> *const c_char {
        std::ptr::from_ref(&self.bytes[s.0]).cast()
    }

    /// The bytes at `b` (with the NUL after them, so never empty and never NULL).
    fn bytes(&self, b: Bytes) -> *const u8 {
        self.bytes[b.0..=b.0 + b.1].as_ptr()
    }
}

pub(crate) fn state_code(state: ConnectionState) -> tws_state {
    match state {
        ConnectionState::Disconnected => tws_state::TWS_STATE_DISCONNECTED,
        ConnectionState::Connected => tws_state::TWS_STATE_CONNECTED,
        ConnectionState::ConnectionLost => tws_state::TWS_STATE_CONNECTION_LOST,
        ConnectionState::Reconnecting => tws_state::TWS_STATE_RECONNECTING,
        ConnectionState::Reconnected => tws_state::TWS_STATE_RECONNECTED,
        ConnectionState::ReconnectFailed => tws_state::TWS_STATE_RECONNECT_FAILED,
        ConnectionState::IbLinkLost => tws_state::TWS_STATE_IB_LINK_LOST,
        ConnectionState::IbLinkRestored => tws_state::TWS_STATE_IB_LINK_RESTORED,
        ConnectionState::Reconciled => tws_state::TWS_STATE_RECONCILED,
    }
}

fn pacing_stage_code(stage: PacingStage) -> tws_pacing_stage {
    match stage {
        PacingStage::Held => tws_pacing_stage::TWS_PACING_HELD,
        PacingStage::Released => tws_pacing_stage::TWS_PACING_RELEASED,
        PacingStage::Withdrawn => tws_pacing_stage::TWS_PACING_WITHDRAWN,
    }
}

fn pacing_rule_code(rule: PacingRule) -> tws_pacing_rule {
    match rule {
        PacingRule::ContractOrder => tws_pacing_rule::TWS_PACING_RULE_CONTRACT_ORDER,
        PacingRule::OpenRequests => tws_pacing_rule::TWS_PACING_RULE_OPEN_REQUESTS,
        PacingRule::IdenticalRequest => tws_pacing_rule::TWS_PACING_RULE_IDENTICAL_REQUEST,
        PacingRule::SameContract => tws_pacing_rule::TWS_PACING_RULE_SAME_CONTRACT,
        PacingRule::Window => tws_pacing_rule::TWS_PACING_RULE_WINDOW,
    }
}

pub(crate) fn class_code(class: ErrorClass) -> tws_error_class {
    match class {
        ErrorClass::Notice => tws_error_class::TWS_ERROR_CLASS_NOTICE,
        ErrorClass::Warning => tws_error_class::TWS_ERROR_CLASS_WARNING,
        ErrorClass::Error => tws_error_class::TWS_ERROR_CLASS_ERROR,
        ErrorClass::Connectivity => tws_error_class::TWS_ERROR_CLASS_CONNECTIVITY,
    }
}

fn raw_event(
    arena: &mut Arena,
    msg_id: i32,
    reason: &str,
    payload: &[u8],
) -> tws_raw_message_event {
    let mut p = arena.place();
    let (reason, payload) = (p.str(reason), p.bytes(payload));
    let p = p.done();
    tws_raw_message_event {
        msg_id,
        reason: p.str(reason),
        payload: p.bytes(payload),
        payload_len: payload.1,
    }
}

/// Everything one delivery path (poll, or the callback) needs to hand out
/// events: the string arena, the event itself in poll mode, and the message
/// slot `tws_event.message` points to. Create once per path (one allocation,
/// for the slot), reuse for every event: no allocation per event.
pub(crate) struct EventSlot {
    arena: Arena,
    /// Poll mode: the event being handed out (its message backs `message`).
    held: Option<Event>,
    /// Boxed so that its address stays put while the slot moves.
    message: Box<tws_message>,
}

impl Default for EventSlot {
    fn default() -> Self {
        EventSlot {
            arena: Arena::default(),
            held: None,
            message: Box::new(tws_message {
                inner: MessageSlot::default(),
            }),
        }
    }
}

impl EventSlot {
    /// Poll mode: keeps `event` until the next conversion and builds its C
    /// view; every pointer in it stays valid until then.
    pub(crate) fn convert_owned(&mut self, event: Event, server_version: i32) -> tws_event {
        let event = self.held.insert(event);
        to_c_event_in(event, &mut self.arena, &mut self.message, server_version)
    }

    /// Callback mode: builds the C view of a borrowed event, valid while
    /// `event` lives and this slot is not used again.
    #[inline]
    pub(crate) fn convert(&mut self, event: &Event, server_version: i32) -> tws_event {
        self.held = None;
        to_c_event_in(event, &mut self.arena, &mut self.message, server_version)
    }
}

/// Builds the C view of `event` (without a message slot: `message` is NULL);
/// its pointers stay valid until `arena` is reused. For tests of the typed views.
#[cfg(test)]
pub(crate) fn to_c_event(event: &Event, arena: &mut Arena) -> tws_event {
    let (kind, data) = typed(event, arena);
    tws_event {
        r#type: kind as i32,
        data,
        message: std::ptr::null(),
        _reserved: [std::ptr::null_mut(); 3],
    }
}

// Inlined into each delivery path, so the C event is built where it is
// handed out: a copy of the whole view less per event.
#[inline(always)]
fn to_c_event_in(
    event: &Event,
    arena: &mut Arena,
    message: &mut tws_message,
    server_version: i32,
) -> tws_event {
    let (kind, data) = typed(event, arena);
    let message_ptr = match event {
        Event::Message(msg) => {
            message.inner.set(msg, server_version);
            std::ptr::from_ref(message)
        }
        _ => {
            message.inner.clear();
            std::ptr::null()
        }
    };
    tws_event {
        r#type: kind as i32,
        data,
        message: message_ptr,
        _reserved: [std::ptr::null_mut(); 3],
    }
}

/// The kind and typed view of `event`.
fn typed(event: &Event, arena: &mut Arena) -> (tws_event_type, tws_event_data) {
    use tws_event_type::*;
    match event {
        Event::State {
            state,
            reason,
            attempt,
            next_delay,
            resubscribed,
        } => {
            let mut p = arena.place();
            let reason = p.str(reason);
            let p = p.done();
            let state = tws_state_event {
                state: state_code(*state) as i32,
                reason: p.str(reason),
                attempt: *attempt,
                next_delay_ms: u32::try_from(next_delay.as_millis()).unwrap_or(u32::MAX),
                resubscribed: u32::try_from(resubscribed.len()).unwrap_or(u32::MAX),
            };
            (TWS_EVENT_STATE, tws_event_data { state })
        }
        Event::Unknown { msg_id, payload } => {
            let raw = raw_event(arena, *msg_id, "", payload);
            (TWS_EVENT_UNKNOWN_MESSAGE, tws_event_data { raw })
        }
        Event::DecodeFailed {
            msg_id,
            reason,
            payload,
        } => {
            let raw = raw_event(arena, *msg_id, reason, payload);
            (TWS_EVENT_DECODE_ERROR, tws_event_data { raw })
        }
        Event::ProtocolError { reason, bytes } => {
            let raw = raw_event(arena, -1, reason, bytes);
            (TWS_EVENT_PROTOCOL_ERROR, tws_event_data { raw })
        }
        Event::Paced(n) => {
            let mut p = arena.place();
            let request = p.str(n.request);
            let p = p.done();
            let pacing = tws_pacing_event {
                req_id: n.req_id,
                stage: pacing_stage_code(n.stage) as i32,
                rule: pacing_rule_code(n.rule) as i32,
                wait_ms: u32::try_from(n.wait.as_millis()).unwrap_or(u32::MAX),
                request: p.str(request),
            };
            (TWS_EVENT_HISTORY_PACING, tws_event_data { pacing })
        }
        // Generated from the catalogue: one arm per message.
        Event::Message(msg) => message_event(msg, arena),
    }
}
