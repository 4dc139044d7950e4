//! Turns engine events into C events whose strings borrow from a reusable
//! arena: no allocation per event once the arena has grown.

use std::ffi::c_char;

use crate::client::{ConnectionState, Event};
use crate::protocol::contract::Contract;
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

    /// [`Arena::reset_for`] for `strings` plus the strings of `contract`.
    fn reset_with_contract(&mut self, strings: &[&str], contract: &Contract) {
        self.reset_for(
            strings,
            contract_strs(contract).iter().map(|s| s.len() + 1).sum(),
        );
    }

    /// Copies `s` with a terminating NUL; interior NULs end the C string early.
    fn str(&mut self, s: &str) -> *const c_char {
        let at = self.bytes.len();
        debug_assert!(self.bytes.capacity() > at + s.len());
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        self.bytes[at..].as_ptr().cast()
    }

    /// Clears the arena and copies `s` alone.
    fn str_reset(&mut self, s: &str) -> *const c_char {
        self.reset_for(&[s], 0);
        self.str(s)
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
        ConnectionState::Reconnecting => tws_state::TWS_STATE_RECONNECTING,
        ConnectionState::Reconnected => tws_state::TWS_STATE_RECONNECTED,
        ConnectionState::ReconnectFailed => tws_state::TWS_STATE_RECONNECT_FAILED,
        ConnectionState::IbLinkLost => tws_state::TWS_STATE_IB_LINK_LOST,
        ConnectionState::IbLinkRestored => tws_state::TWS_STATE_IB_LINK_RESTORED,
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
        Event::State {
            state,
            reason,
            attempt,
            next_delay,
            resubscribed,
        } => {
            arena.reset_for(&[reason], 0);
            let state = tws_state_event {
                state: state_code(*state) as i32,
                reason: arena.str(reason),
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
        other => account_data_event(other, arena),
    }
}

/// The strings of a contract, in the order [`contract_view`] copies them.
fn contract_strs(c: &Contract) -> [&str; 10] {
    [
        &c.symbol,
        &c.sec_type,
        &c.last_trade_date_or_contract_month,
        &c.right,
        &c.multiplier,
        &c.exchange,
        &c.primary_exchange,
        &c.currency,
        &c.local_symbol,
        &c.trading_class,
    ]
}

/// Builds a contract view; `strs` copies each string (into an arena, or owned).
pub(crate) fn contract_view(
    c: &Contract,
    mut strs: impl FnMut(&str) -> *const c_char,
) -> tws_contract {
    tws_contract {
        con_id: c.con_id,
        strike: c.strike,
        symbol: strs(&c.symbol),
        sec_type: strs(&c.sec_type),
        last_trade_date_or_contract_month: strs(&c.last_trade_date_or_contract_month),
        right: strs(&c.right),
        multiplier: strs(&c.multiplier),
        exchange: strs(&c.exchange),
        primary_exchange: strs(&c.primary_exchange),
        currency: strs(&c.currency),
        local_symbol: strs(&c.local_symbol),
        trading_class: strs(&c.trading_class),
    }
}

/// Positions, account updates, *Multi and PnL.
fn account_data_event(msg: &Incoming, arena: &mut Arena) -> (tws_event_type, tws_event_data) {
    use tws_event_type::*;
    match msg {
        Incoming::Position(m) => {
            arena.reset_with_contract(&[&m.account, &m.position], &m.contract);
            let position = tws_position_event {
                account: arena.str(&m.account),
                contract: contract_view(&m.contract, |s| arena.str(s)),
                position: arena.str(&m.position),
                avg_cost: m.avg_cost,
            };
            (TWS_EVENT_POSITION, tws_event_data { position })
        }
        Incoming::PositionEnd(_) => (
            TWS_EVENT_POSITION_END,
            tws_event_data { _reserved: [0; 32] },
        ),
        Incoming::AccountValue(m) => {
            arena.reset_for(&[&m.key, &m.value, &m.currency, &m.account], 0);
            let account_value = tws_account_value_event {
                key: arena.str(&m.key),
                value: arena.str(&m.value),
                currency: arena.str(&m.currency),
                account: arena.str(&m.account),
            };
            (TWS_EVENT_ACCOUNT_VALUE, tws_event_data { account_value })
        }
        Incoming::PortfolioValue(m) => {
            arena.reset_with_contract(&[&m.position, &m.account], &m.contract);
            let portfolio_value = tws_portfolio_value_event {
                contract: contract_view(&m.contract, |s| arena.str(s)),
                position: arena.str(&m.position),
                market_price: m.market_price,
                market_value: m.market_value,
                average_cost: m.average_cost,
                unrealized_pnl: m.unrealized_pnl,
                realized_pnl: m.realized_pnl,
                account: arena.str(&m.account),
            };
            (
                TWS_EVENT_PORTFOLIO_VALUE,
                tws_event_data { portfolio_value },
            )
        }
        Incoming::AccountUpdateTime(m) => {
            arena.reset_for(&[&m.time_stamp], 0);
            let account_update_time = tws_account_update_time_event {
                time_stamp: arena.str(&m.time_stamp),
            };
            (
                TWS_EVENT_ACCOUNT_UPDATE_TIME,
                tws_event_data {
                    account_update_time,
                },
            )
        }
        Incoming::AccountDownloadEnd(m) => {
            arena.reset_for(&[&m.account], 0);
            let account_download_end = tws_account_download_end_event {
                account: arena.str(&m.account),
            };
            (
                TWS_EVENT_ACCOUNT_DOWNLOAD_END,
                tws_event_data {
                    account_download_end,
                },
            )
        }
        Incoming::PositionMulti(m) => {
            arena.reset_with_contract(&[&m.account, &m.model_code, &m.position], &m.contract);
            let position_multi = tws_position_multi_event {
                req_id: m.req_id,
                account: arena.str(&m.account),
                model_code: arena.str(&m.model_code),
                contract: contract_view(&m.contract, |s| arena.str(s)),
                position: arena.str(&m.position),
                avg_cost: m.avg_cost,
            };
            (TWS_EVENT_POSITION_MULTI, tws_event_data { position_multi })
        }
        Incoming::PositionMultiEnd(m) => (
            TWS_EVENT_POSITION_MULTI_END,
            tws_event_data {
                multi_end: tws_multi_end_event { req_id: m.req_id },
            },
        ),
        Incoming::AccountUpdateMulti(m) => {
            arena.reset_for(
                &[&m.account, &m.model_code, &m.key, &m.value, &m.currency],
                0,
            );
            let account_update_multi = tws_account_update_multi_event {
                req_id: m.req_id,
                account: arena.str(&m.account),
                model_code: arena.str(&m.model_code),
                key: arena.str(&m.key),
                value: arena.str(&m.value),
                currency: arena.str(&m.currency),
            };
            (
                TWS_EVENT_ACCOUNT_UPDATE_MULTI,
                tws_event_data {
                    account_update_multi,
                },
            )
        }
        Incoming::AccountUpdateMultiEnd(m) => (
            TWS_EVENT_ACCOUNT_UPDATE_MULTI_END,
            tws_event_data {
                multi_end: tws_multi_end_event { req_id: m.req_id },
            },
        ),
        Incoming::PnL(m) => (
            TWS_EVENT_PNL,
            tws_event_data {
                pnl: tws_pnl_event {
                    req_id: m.req_id,
                    daily_pnl: m.daily_pnl,
                    unrealized_pnl: m.unrealized_pnl,
                    realized_pnl: m.realized_pnl,
                },
            },
        ),
        Incoming::PnLSingle(m) => {
            arena.reset_for(&[&m.position], 0);
            let pnl_single = tws_pnl_single_event {
                req_id: m.req_id,
                position: arena.str(&m.position),
                daily_pnl: m.daily_pnl,
                unrealized_pnl: m.unrealized_pnl,
                realized_pnl: m.realized_pnl,
                value: m.value,
            };
            (TWS_EVENT_PNL_SINGLE, tws_event_data { pnl_single })
        }
        // The session and account-summary messages are converted by `message_event`.
        _ => (
            TWS_EVENT_UNKNOWN_MESSAGE,
            tws_event_data {
                raw: tws_raw_message_event {
                    msg_id: msg.msg_id(),
                    reason: arena.str_reset(""),
                    payload: std::ptr::null(),
                    payload_len: 0,
                },
            },
        ),
    }
}
