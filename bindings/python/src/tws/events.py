"""What a client delivers: one frozen dataclass per event kind.

Events are plain Python values: every string is copied out of libtws when
the event is converted, so they stay valid after the next poll.
"""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import List, Optional, Union

from . import _ffi


class ConnectionState(IntEnum):
    """Where a client's session stands (``tws_state``), or what just changed."""

    DISCONNECTED = 0
    CONNECTED = 1
    #: The socket closed or failed; with reconnect on, RECONNECTING follows.
    CONNECTION_LOST = 2
    #: An attempt to reconnect is due (``attempt``, ``next_delay_ms``).
    RECONNECTING = 3
    #: The session is back; ``resubscribed`` subscriptions were re-issued.
    RECONNECTED = 4
    #: Reconnecting stopped (attempts used up, or the client id is in use).
    RECONNECT_FAILED = 5
    #: TWS lost its own link to IB (1100); the socket stays up.
    IB_LINK_LOST = 6
    #: TWS's link to IB is back (1101/1102).
    IB_LINK_RESTORED = 7


class ErrorClass(IntEnum):
    """What an error message from TWS means (``tws_error_class``)."""

    NOTICE = 0
    WARNING = 1
    ERROR = 2
    CONNECTIVITY = 3


@dataclass(frozen=True)
class StateChanged:
    """The session changed state; ``reason`` says why (may be empty).

    ``attempt`` and ``next_delay_ms`` describe a RECONNECTING step;
    ``resubscribed`` counts subscriptions re-issued on RECONNECTED or
    IB_LINK_RESTORED.
    """

    state: Union[ConnectionState, int]
    reason: str
    attempt: int = 0
    next_delay_ms: int = 0
    resubscribed: int = 0


@dataclass(frozen=True)
class ErrorMessage:
    """An error, warning, notice or connectivity message from TWS.

    ``req_id`` is -1 when it concerns no request; ``time_ms`` is 0 from
    servers older than v194. Codes 2104/2106/2158 are notices, not failures:
    look at ``error_class``.
    """

    req_id: int
    code: int
    message: str
    error_class: Union[ErrorClass, int]
    time_ms: int = 0
    advanced_order_reject_json: str = ""


@dataclass(frozen=True)
class NextValidId:
    """The next valid order id."""

    order_id: int


@dataclass(frozen=True)
class ManagedAccounts:
    """The accounts this login manages."""

    accounts: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class AccountSummary:
    """One account-summary row of subscription ``req_id``."""

    req_id: int
    account: str
    tag: str
    value: str
    currency: str


@dataclass(frozen=True)
class AccountSummaryEnd:
    """The first snapshot of subscription ``req_id`` is complete."""

    req_id: int


@dataclass(frozen=True)
class CurrentTime:
    """The server clock in seconds since the epoch."""

    time: int


@dataclass(frozen=True)
class CurrentTimeMillis:
    """The server clock in milliseconds since the epoch."""

    time_ms: int


@dataclass(frozen=True)
class UnknownMessage:
    """A message id this libtws does not know yet, with the raw frame payload."""

    msg_id: int
    payload: bytes


@dataclass(frozen=True)
class DecodeError:
    """A message that failed to decode; the session goes on."""

    msg_id: int
    reason: str
    payload: bytes


@dataclass(frozen=True)
class ProtocolViolation:
    """The peer broke the framing (e.g. an oversize frame): the connection is
    closed (and, with reconnect on, re-established). ``data`` holds the bytes
    that gave it away (for an oversize frame, its length prefix)."""

    reason: str
    data: bytes


@dataclass(frozen=True)
class Contract:
    """The instrument of a position or portfolio row.

    Absent strings are ``""``. ``strike`` is 0 when the instrument has none
    and ``None`` when TWS left it unset. ``exchange`` is set in positions,
    ``primary_exchange`` in portfolio rows. ``multiplier`` is decimal text
    (``"100"``) or ``""``.
    """

    con_id: int
    symbol: str
    sec_type: str
    last_trade_date_or_contract_month: str
    strike: Optional[float]
    right: str
    multiplier: str
    exchange: str
    primary_exchange: str
    currency: str
    local_symbol: str
    trading_class: str


@dataclass(frozen=True)
class Position:
    """One position of ``account`` (an event after :meth:`tws.Client.req_positions`,
    or a row of :meth:`tws.Client.positions`).

    ``position`` is the exact quantity (fractional shares exist), ``None``
    when unset. ``avg_cost`` is per unit, times the multiplier for derivatives.
    """

    account: str
    contract: Contract
    position: Optional[Decimal]
    avg_cost: float


@dataclass(frozen=True)
class PositionEnd:
    """Every position of the first snapshot has been sent."""


@dataclass(frozen=True)
class AccountValue:
    """One value (``key``, ``value``, ``currency``) of the subscribed ``account``.

    ``currency`` may be empty (for example for AccountType).
    """

    key: str
    value: str
    currency: str
    account: str


@dataclass(frozen=True)
class PortfolioValue:
    """One holding of the subscribed ``account``, valued.

    ``position`` is the exact quantity, ``None`` when unset.
    """

    contract: Contract
    position: Optional[Decimal]
    market_price: float
    market_value: float
    average_cost: float
    unrealized_pnl: float
    realized_pnl: float
    account: str


@dataclass(frozen=True)
class AccountUpdateTime:
    """When the account values were last updated (``"HH:MM"``)."""

    time_stamp: str


@dataclass(frozen=True)
class AccountDownloadEnd:
    """The first account-updates snapshot of ``account`` is complete."""

    account: str


@dataclass(frozen=True)
class PositionMulti:
    """One position of an account and/or model, for subscription ``req_id``."""

    req_id: int
    account: str
    model_code: str
    contract: Contract
    position: Optional[Decimal]
    avg_cost: float


@dataclass(frozen=True)
class PositionMultiEnd:
    """The positions-multi snapshot ``req_id`` is complete."""

    req_id: int


@dataclass(frozen=True)
class AccountUpdateMulti:
    """One value of an account and/or model, for subscription ``req_id``."""

    req_id: int
    account: str
    model_code: str
    key: str
    value: str
    currency: str


@dataclass(frozen=True)
class AccountUpdateMultiEnd:
    """The account-updates-multi snapshot ``req_id`` is complete."""

    req_id: int


@dataclass(frozen=True)
class PnL:
    """Profit and loss of an account and/or model, for subscription ``req_id``.

    A value TWS did not set (or a server too old to send it: unrealized
    before v129, realized before v135) is ``None``.
    """

    req_id: int
    daily_pnl: Optional[float]
    unrealized_pnl: Optional[float]
    realized_pnl: Optional[float]


@dataclass(frozen=True)
class PnLSingle:
    """Profit and loss of one position, for subscription ``req_id``.

    ``position`` is the exact quantity; ``value`` the market value. Unset
    values are ``None``, as in :class:`PnL`.
    """

    req_id: int
    position: Optional[Decimal]
    daily_pnl: Optional[float]
    unrealized_pnl: Optional[float]
    realized_pnl: Optional[float]
    value: Optional[float]


@dataclass(frozen=True)
class OtherEvent:
    """An event kind newer than this binding (its ``tws_event_type`` number and name)."""

    type: int
    type_name: str


Event = Union[
    StateChanged,
    ErrorMessage,
    NextValidId,
    ManagedAccounts,
    AccountSummary,
    AccountSummaryEnd,
    CurrentTime,
    CurrentTimeMillis,
    UnknownMessage,
    DecodeError,
    ProtocolViolation,
    Position,
    PositionEnd,
    AccountValue,
    PortfolioValue,
    AccountUpdateTime,
    AccountDownloadEnd,
    PositionMulti,
    PositionMultiEnd,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    PnL,
    PnLSingle,
    OtherEvent,
]


@dataclass(frozen=True)
class AccountSummaryRow:
    """One row returned by :meth:`tws.Client.account_summary`."""

    account: str
    tag: str
    value: str
    currency: str


@dataclass(frozen=True)
class AccountSnapshot:
    """What :meth:`tws.Client.account_updates` returns: one account's values
    and portfolio, complete up to accountDownloadEnd.

    ``time`` is the latest update time (``"HH:MM"``) or ``""``.
    """

    account: str
    time: str
    values: List[AccountValue] = field(default_factory=list)
    portfolio: List[PortfolioValue] = field(default_factory=list)

    def value(self, key: str, currency: Optional[str] = None) -> Optional[str]:
        """The value of ``key`` (in ``currency``, when given), or ``None``."""
        for v in self.values:
            if v.key == key and (currency is None or v.currency == currency):
                return v.value
        return None


@dataclass(frozen=True)
class Stats:
    """A client's counters (``tws_stats``)."""

    messages_in: int
    bytes_in: int
    messages_out: int
    bytes_out: int
    decode_errors: int
    unknown_messages: int
    queue_high_water: int
    queue_full_waits: int
    queue_len: int
    connects: int
    callback_panics: int
    reconnects: int
    reconnect_attempts: int
    resubscriptions: int
    paced_delays: int
    protocol_errors: int
    late_replies_dropped: int


def _raw(r: _ffi.tws_raw_message_event) -> bytes:
    if not r.payload or r.payload_len == 0:
        return b""
    return ctypes.string_at(r.payload, r.payload_len)


def _enum(cls, value: int):
    """The member of ``cls`` with ``value``, or the bare int for a value newer than this binding."""
    try:
        return cls(value)
    except ValueError:
        return value


def quantity(text: bytes | None) -> Optional[Decimal]:
    """A decimal quantity from libtws's exact text; ``None`` when unset
    (``""``) or not a number (a peer's garbage must not raise in a callback)."""
    t = _ffi.text(text)
    if not t:
        return None
    try:
        return Decimal(t)
    except InvalidOperation:
        return None


def unset_none(value: float) -> Optional[float]:
    """``None`` for IB's unset double (DBL_MAX), the value otherwise."""
    return None if value == sys.float_info.max else value


def present(value: float, has: bool) -> Optional[float]:
    """``None`` when the C view's ``has_`` flag says the value is absent."""
    return value if has else None


def contract(c: _ffi.tws_contract) -> Contract:
    """Copies a ``tws_contract``."""
    s = _ffi.text
    return Contract(
        c.con_id,
        s(c.symbol),
        s(c.sec_type),
        s(c.last_trade_date_or_contract_month),
        present(c.strike, c.has_strike),
        s(c.right),
        s(c.multiplier),
        s(c.exchange),
        s(c.primary_exchange),
        s(c.currency),
        s(c.local_symbol),
        s(c.trading_class),
    )


def portfolio_value(p, account: str) -> PortfolioValue:
    """Copies a ``tws_portfolio_value_event`` or ``tws_portfolio_row``."""
    return PortfolioValue(
        contract(p.contract),
        quantity(p.position),
        p.market_price,
        p.market_value,
        p.average_cost,
        p.unrealized_pnl,
        p.realized_pnl,
        account,
    )


def _account_data(t: int, d: _ffi.tws_event_data) -> Optional[Event]:
    """The account-data events (types 11..22), or ``None`` for another type."""
    s = _ffi.text
    if t == 11:
        p = d.position
        return Position(s(p.account), contract(p.contract), quantity(p.position), p.avg_cost)
    if t == 12:
        return PositionEnd()
    if t == 13:
        v = d.account_value
        return AccountValue(s(v.key), s(v.value), s(v.currency), s(v.account))
    if t == 14:
        return portfolio_value(d.portfolio_value, s(d.portfolio_value.account))
    if t == 15:
        return AccountUpdateTime(s(d.account_update_time.time_stamp))
    if t == 16:
        return AccountDownloadEnd(s(d.account_download_end.account))
    if t == 17:
        p = d.position_multi
        return PositionMulti(
            p.req_id, s(p.account), s(p.model_code), contract(p.contract), quantity(p.position), p.avg_cost
        )
    if t == 18:
        return PositionMultiEnd(d.multi_end.req_id)
    if t == 19:
        u = d.account_update_multi
        return AccountUpdateMulti(u.req_id, s(u.account), s(u.model_code), s(u.key), s(u.value), s(u.currency))
    if t == 20:
        return AccountUpdateMultiEnd(d.multi_end.req_id)
    if t == 21:
        p = d.pnl
        return PnL(
            p.req_id,
            present(p.daily_pnl, p.has_daily_pnl),
            present(p.unrealized_pnl, p.has_unrealized_pnl),
            present(p.realized_pnl, p.has_realized_pnl),
        )
    if t == 22:
        p = d.pnl_single
        return PnLSingle(
            p.req_id,
            quantity(p.position),
            present(p.daily_pnl, p.has_daily_pnl),
            present(p.unrealized_pnl, p.has_unrealized_pnl),
            present(p.realized_pnl, p.has_realized_pnl),
            present(p.value, p.has_value),
        )
    return None


def from_c(ev: _ffi.tws_event) -> Event:
    """Copies a C event into its dataclass. Call before the next poll."""
    t, d, s = ev.type, ev.data, _ffi.text
    if t == 1:
        st = d.state
        return StateChanged(
            _enum(ConnectionState, st.state),
            s(st.reason),
            st.attempt,
            st.next_delay_ms,
            st.resubscribed,
        )
    if t == 2:
        e = d.error
        return ErrorMessage(
            e.req_id,
            e.code,
            s(e.message),
            _enum(ErrorClass, e.error_class),
            e.time_ms,
            s(e.advanced_order_reject_json),
        )
    if t == 3:
        return NextValidId(d.next_valid_id.order_id)
    if t == 4:
        text = s(d.managed_accounts.accounts)
        return ManagedAccounts([a for a in text.split(",") if a])
    if t == 5:
        a = d.account_summary
        return AccountSummary(a.req_id, s(a.account), s(a.tag), s(a.value), s(a.currency))
    if t == 6:
        return AccountSummaryEnd(d.account_summary_end.req_id)
    if t == 7:
        return CurrentTime(d.current_time.time)
    if t == 8:
        return CurrentTimeMillis(d.current_time.time)
    if t == 9:
        return UnknownMessage(d.raw.msg_id, _raw(d.raw))
    if t == 10:
        return DecodeError(d.raw.msg_id, s(d.raw.reason), _raw(d.raw))
    if t == 23:
        return ProtocolViolation(s(d.raw.reason), _raw(d.raw))
    account_data = _account_data(t, d)
    if account_data is not None:
        return account_data
    return OtherEvent(t, s(_ffi.lib.tws_event_type_str(t)))
