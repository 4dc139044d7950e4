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

use crate::client::{ConnectionState, Event};
use crate::protocol::contract::Contract;
use crate::protocol::{classify, ErrorClass, Incoming};

use super::types::*;

/// Owns the bytes the current C event points into.
#[derive(Default)]
pub(crate) struct Arena {
    bytes: Vec<u8>,
}

/// Where a NUL-terminated copy of a string starts in the arena.
#[derive(Clone, Copy)]
struct Str(usize);

/// Where a copy of some bytes starts in the arena, and their length.
#[derive(Clone, Copy)]
struct Bytes(usize, usize);

/// The filling phase: copies go in, offsets come out.
struct Placing<'a> {
    bytes: &'a mut Vec<u8>,
}

/// The finished phase: offsets become pointers; nothing more goes in.
struct Placed<'a> {
    bytes: &'a [u8],
}

impl Arena {
    /// Starts a conversion: forgets the previous event's strings (keeping the
    /// buffer's capacity, so a warm arena does not allocate).
    fn place(&mut self) -> Placing<'_> {
        self.bytes.clear();
        Placing {
            bytes: &mut self.bytes,
        }
    }
}

impl<'a> Placing<'a> {
    /// Copies `s` with a terminating NUL; interior NULs end the C string early.
    fn str(&mut self, s: &str) -> Str {
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

    /// Copies the ten strings of a contract.
    fn contract(&mut self, c: &Contract) -> [Str; 10] {
        [
            self.str(&c.symbol),
            self.str(&c.sec_type),
            self.str(&c.last_trade_date_or_contract_month),
            self.str(&c.right),
            self.str(&c.multiplier),
            self.str(&c.exchange),
            self.str(&c.primary_exchange),
            self.str(&c.currency),
            self.str(&c.local_symbol),
            self.str(&c.trading_class),
        ]
    }

    /// Ends the filling phase.
    fn done(self) -> Placed<'a> {
        Placed { bytes: self.bytes }
    }
}

impl Placed<'_> {
    /// The C string at `s`. Indexing is bounds-checked, and every push ends
    /// with a NUL, so even a stray offset points at a NUL-terminated string
    /// inside the buffer.
    fn str(&self, s: Str) -> *const c_char {
        std::ptr::from_ref(&self.bytes[s.0]).cast()
    }

    /// The bytes at `b` (with the NUL after them, so never empty and never NULL).
    fn bytes(&self, b: Bytes) -> *const u8 {
        self.bytes[b.0..=b.0 + b.1].as_ptr()
    }

    /// A contract view of `c` whose strings were placed by [`Placing::contract`].
    fn contract(&self, c: &Contract, s: [Str; 10]) -> tws_contract {
        let [symbol, sec_type, last, right, multiplier, exchange, primary, currency, local, class] =
            s;
        tws_contract {
            con_id: c.con_id,
            strike: c.strike,
            symbol: self.str(symbol),
            sec_type: self.str(sec_type),
            last_trade_date_or_contract_month: self.str(last),
            right: self.str(right),
            multiplier: self.str(multiplier),
            exchange: self.str(exchange),
            primary_exchange: self.str(primary),
            currency: self.str(currency),
            local_symbol: self.str(local),
            trading_class: self.str(class),
        }
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
        Event::Message(msg) => message_event(msg, arena),
    };
    tws_event {
        r#type: kind as i32,
        data,
    }
}

/// One arm per message: a new message does not compile until it has its C event.
fn message_event(msg: &Incoming, arena: &mut Arena) -> (tws_event_type, tws_event_data) {
    use tws_event_type::*;
    match msg {
        Incoming::Error(e) => {
            let mut p = arena.place();
            let message = p.str(&e.message);
            let json = p.str(&e.advanced_order_reject_json);
            let p = p.done();
            let error = tws_error_event {
                req_id: e.req_id,
                code: e.code,
                time_ms: e.time_ms,
                message: p.str(message),
                advanced_order_reject_json: p.str(json),
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
            let mut p = arena.place();
            let accounts = p.str(&list);
            let p = p.done();
            let managed_accounts = tws_managed_accounts_event {
                accounts: p.str(accounts),
            };
            (
                TWS_EVENT_MANAGED_ACCOUNTS,
                tws_event_data { managed_accounts },
            )
        }
        Incoming::AccountSummary(m) => {
            let mut p = arena.place();
            let account = p.str(&m.account);
            let tag = p.str(&m.tag);
            let value = p.str(&m.value);
            let currency = p.str(&m.currency);
            let p = p.done();
            let account_summary = tws_account_summary_event {
                req_id: m.req_id,
                account: p.str(account),
                tag: p.str(tag),
                value: p.str(value),
                currency: p.str(currency),
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
        Incoming::Position(m) => {
            let mut p = arena.place();
            let account = p.str(&m.account);
            let contract = p.contract(&m.contract);
            let position = p.str(&m.position);
            let p = p.done();
            let position = tws_position_event {
                account: p.str(account),
                contract: p.contract(&m.contract, contract),
                position: p.str(position),
                avg_cost: m.avg_cost,
            };
            (TWS_EVENT_POSITION, tws_event_data { position })
        }
        Incoming::PositionEnd(_) => (
            TWS_EVENT_POSITION_END,
            tws_event_data { _reserved: [0; 32] },
        ),
        Incoming::AccountValue(m) => {
            let mut p = arena.place();
            let key = p.str(&m.key);
            let value = p.str(&m.value);
            let currency = p.str(&m.currency);
            let account = p.str(&m.account);
            let p = p.done();
            let account_value = tws_account_value_event {
                key: p.str(key),
                value: p.str(value),
                currency: p.str(currency),
                account: p.str(account),
            };
            (TWS_EVENT_ACCOUNT_VALUE, tws_event_data { account_value })
        }
        Incoming::PortfolioValue(m) => {
            let mut p = arena.place();
            let contract = p.contract(&m.contract);
            let position = p.str(&m.position);
            let account = p.str(&m.account);
            let p = p.done();
            let portfolio_value = tws_portfolio_value_event {
                contract: p.contract(&m.contract, contract),
                position: p.str(position),
                market_price: m.market_price,
                market_value: m.market_value,
                average_cost: m.average_cost,
                unrealized_pnl: m.unrealized_pnl,
                realized_pnl: m.realized_pnl,
                account: p.str(account),
            };
            (
                TWS_EVENT_PORTFOLIO_VALUE,
                tws_event_data { portfolio_value },
            )
        }
        Incoming::AccountUpdateTime(m) => {
            let mut p = arena.place();
            let time_stamp = p.str(&m.time_stamp);
            let p = p.done();
            let account_update_time = tws_account_update_time_event {
                time_stamp: p.str(time_stamp),
            };
            (
                TWS_EVENT_ACCOUNT_UPDATE_TIME,
                tws_event_data {
                    account_update_time,
                },
            )
        }
        Incoming::AccountDownloadEnd(m) => {
            let mut p = arena.place();
            let account = p.str(&m.account);
            let p = p.done();
            let account_download_end = tws_account_download_end_event {
                account: p.str(account),
            };
            (
                TWS_EVENT_ACCOUNT_DOWNLOAD_END,
                tws_event_data {
                    account_download_end,
                },
            )
        }
        Incoming::PositionMulti(m) => {
            let mut p = arena.place();
            let account = p.str(&m.account);
            let model_code = p.str(&m.model_code);
            let contract = p.contract(&m.contract);
            let position = p.str(&m.position);
            let p = p.done();
            let position_multi = tws_position_multi_event {
                req_id: m.req_id,
                account: p.str(account),
                model_code: p.str(model_code),
                contract: p.contract(&m.contract, contract),
                position: p.str(position),
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
            let mut p = arena.place();
            let account = p.str(&m.account);
            let model_code = p.str(&m.model_code);
            let key = p.str(&m.key);
            let value = p.str(&m.value);
            let currency = p.str(&m.currency);
            let p = p.done();
            let account_update_multi = tws_account_update_multi_event {
                req_id: m.req_id,
                account: p.str(account),
                model_code: p.str(model_code),
                key: p.str(key),
                value: p.str(value),
                currency: p.str(currency),
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
            let mut p = arena.place();
            let position = p.str(&m.position);
            let p = p.done();
            let pnl_single = tws_pnl_single_event {
                req_id: m.req_id,
                position: p.str(position),
                daily_pnl: m.daily_pnl,
                unrealized_pnl: m.unrealized_pnl,
                realized_pnl: m.realized_pnl,
                value: m.value,
            };
            (TWS_EVENT_PNL_SINGLE, tws_event_data { pnl_single })
        }
        // Instruments and quotes (issue 13): no typed C view yet; the event carries the message id.
        Incoming::ContractData(_)
        | Incoming::BondContractData(_)
        | Incoming::ContractDataEnd(_)
        | Incoming::SymbolSamples(_)
        | Incoming::SecDefOptParameter(_)
        | Incoming::SecDefOptParameterEnd(_)
        | Incoming::MarketRule(_)
        | Incoming::SmartComponents(_)
        | Incoming::MktDepthExchanges(_)
        | Incoming::FamilyCodes(_)
        | Incoming::MarketDataType(_)
        | Incoming::TickPrice(_)
        | Incoming::TickSize(_)
        | Incoming::TickString(_)
        | Incoming::TickGeneric(_)
        | Incoming::TickEfp(_)
        | Incoming::TickOptionComputation(_)
        | Incoming::TickReqParams(_)
        | Incoming::TickSnapshotEnd(_)
        | Incoming::RerouteMktDataReq(_)
        | Incoming::RerouteMktDepthReq(_)
        | Incoming::DeltaNeutralValidation(_)
        | Incoming::UpdateMktDepth(_)
        | Incoming::UpdateMktDepthL2(_)
        | Incoming::RealTimeBar(_) => {
            let raw = raw_event(
                arena,
                msg.msg_id(),
                "no typed C view of this message yet",
                &[],
            );
            (TWS_EVENT_UNKNOWN_MESSAGE, tws_event_data { raw })
        }
    }
}

/// Builds a contract view with owned strings (for the rows of blocking
/// calls): `strs` makes each copy.
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
