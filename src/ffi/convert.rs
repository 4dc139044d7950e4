//! Turns engine events into C events whose strings borrow from a reusable
//! arena: no allocation per event once the arena has grown.

use std::ffi::c_char;

use crate::client::{ConnectionState, Event};
use crate::protocol::{classify, ErrorClass, Incoming};

use super::types::*;

/// Owns the bytes the current C event points into.
#[derive(Default)]
pub(crate) struct Arena {
    bytes: Vec<u8>,
}

impl Arena {
    /// Clears the arena and makes room for `strings` plus `raw` bytes, so the
    /// pushes that follow never move earlier ones.
    fn reset_for(&mut self, strings: &[&str], raw: usize) {
        self.bytes.clear();
        let needed = strings.iter().map(|s| s.len() + 1).sum::<usize>() + raw;
        self.bytes.reserve(needed);
    }

    /// Copies `s` with a terminating NUL; interior NULs end the C string early.
    fn str(&mut self, s: &str) -> *const c_char {
        let at = self.bytes.len();
        debug_assert!(self.bytes.capacity() > at + s.len());
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        self.bytes[at..].as_ptr().cast()
    }

    fn raw(&mut self, b: &[u8]) -> *const u8 {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(b);
        self.bytes[at..].as_ptr()
    }
}

pub(crate) fn state_code(state: ConnectionState) -> tws_state {
    match state {
        ConnectionState::Disconnected => tws_state::TWS_STATE_DISCONNECTED,
        ConnectionState::Connected => tws_state::TWS_STATE_CONNECTED,
        ConnectionState::ConnectionLost => tws_state::TWS_STATE_CONNECTION_LOST,
    }
}

fn class_code(class: ErrorClass) -> tws_error_class {
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
    arena.reset_for(&[reason], payload.len());
    tws_raw_message_event {
        msg_id,
        reason: arena.str(reason),
        payload: arena.raw(payload),
        payload_len: payload.len(),
    }
}

/// Builds the C view of `event`; its pointers stay valid until `arena` is reused.
pub(crate) fn to_c_event(event: &Event, arena: &mut Arena) -> tws_event {
    use tws_event_type::*;
    let (kind, data) = match event {
        Event::State { state, reason } => {
            arena.reset_for(&[reason], 0);
            let state = tws_state_event {
                state: state_code(*state) as i32,
                reason: arena.str(reason),
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
        Event::Message(msg) => message_event(msg, arena),
    };
    tws_event {
        r#type: kind as i32,
        data,
    }
}

fn message_event(msg: &Incoming, arena: &mut Arena) -> (tws_event_type, tws_event_data) {
    use tws_event_type::*;
    match msg {
        Incoming::Error(e) => {
            arena.reset_for(&[&e.message, &e.advanced_order_reject_json], 0);
            let error = tws_error_event {
                req_id: e.req_id,
                code: e.code,
                time_ms: e.time_ms,
                message: arena.str(&e.message),
                advanced_order_reject_json: arena.str(&e.advanced_order_reject_json),
                error_class: class_code(classify(e.code)) as i32,
            };
            (TWS_EVENT_ERROR, tws_event_data { error })
        }
        Incoming::NextValidId(m) => (
            TWS_EVENT_NEXT_VALID_ID,
            tws_event_data {
                next_valid_id: tws_next_valid_id_event {
                    order_id: i64::from(m.order_id),
                },
            },
        ),
        Incoming::ManagedAccounts(m) => {
            let list = m.accounts().join(",");
            arena.reset_for(&[&list], 0);
            let managed_accounts = tws_managed_accounts_event {
                accounts: arena.str(&list),
            };
            (
                TWS_EVENT_MANAGED_ACCOUNTS,
                tws_event_data { managed_accounts },
            )
        }
        Incoming::AccountSummary(m) => {
            arena.reset_for(&[&m.account, &m.tag, &m.value, &m.currency], 0);
            let account_summary = tws_account_summary_event {
                req_id: m.req_id,
                account: arena.str(&m.account),
                tag: arena.str(&m.tag),
                value: arena.str(&m.value),
                currency: arena.str(&m.currency),
            };
            (
                TWS_EVENT_ACCOUNT_SUMMARY,
                tws_event_data { account_summary },
            )
        }
        Incoming::AccountSummaryEnd(m) => (
            TWS_EVENT_ACCOUNT_SUMMARY_END,
            tws_event_data {
                account_summary_end: tws_account_summary_end_event { req_id: m.req_id },
            },
        ),
        Incoming::CurrentTime(m) => (
            TWS_EVENT_CURRENT_TIME,
            tws_event_data {
                current_time: tws_time_event { time: m.time },
            },
        ),
        Incoming::CurrentTimeInMillis(m) => (
            TWS_EVENT_CURRENT_TIME_MILLIS,
            tws_event_data {
                current_time: tws_time_event { time: m.time_ms },
            },
        ),
    }
}
