"""What a client delivers: one frozen dataclass per event kind.

Events are plain Python values: every string is copied out of libtws when
the event is converted, so they stay valid after the next poll.

The dataclass of every incoming message (``AccountSummary``, ``PnL``, ...)
and its converters are generated from the message catalogue
(:mod:`tws._generated`); this module adds the engine's own events, the
dispatch and the generic field reader, so a new message needs no code here.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from typing import Any, Dict, List, Optional, Type, TypeVar, Union

from . import _ffi, _generated
from ._enums import ConnectionState as ConnectionState, ErrorClass as ErrorClass
from ._enums import PacingRule as PacingRule, PacingStage as PacingStage
from ._generated import *  # noqa: F401,F403 (every message class, Contract, TWS_EVENT_*)
from ._generated import AccountValue, Contract, PortfolioValue, Position, contract_from_c


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
class PacingNotice:
    """A historical-data request held back by the pacing, or let go after it
    was (``TWS_EVENT_HISTORY_PACING``). A request that never waits makes
    none; one that waits makes a ``HELD`` notice (again if the rule holding
    it changes), then one ``RELEASED`` or ``WITHDRAWN``.

    ``wait_ms``: for ``HELD``, how long the rule holds it when the rule says
    (a window rule), else 0 (it waits for other requests to go or to end);
    for ``RELEASED`` and ``WITHDRAWN``, how long it waited. ``request`` is
    IB's name of the request (``"reqHistoricalData"``, ...).
    """

    req_id: int
    stage: Union[PacingStage, int]
    rule: Union[PacingRule, int]
    wait_ms: int
    request: str


@dataclass(frozen=True)
class OtherEvent:
    """An event kind newer than this binding (its ``tws_event_type`` number and name)."""

    type: int
    type_name: str


@dataclass(frozen=True)
class GenericMessage:
    """A message event this binding has no class for (a libtws newer than the
    binding; every message of its catalogue has a class, lists included):
    its ``tws_event_type`` value, its message name and every field read
    through the generic accessor (``tws_event_field``), by the accessor's
    names (``"req_id"``, ``"contract.symbol"``; a list as its count under its
    name, then ``"descriptions[0].contract.symbol"``, ``"strikes[2]"``; see
    docs/abi.md). A value TWS did not send is ``None``; decimals are
    :class:`decimal.Decimal`."""

    type: int
    name: str
    fields: Dict[str, Any] = field(default_factory=dict)


Event = Union[
    StateChanged,
    UnknownMessage,
    DecodeError,
    ProtocolViolation,
    PacingNotice,
    _generated.MessageEvent,
    GenericMessage,
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


_E = TypeVar("_E", bound=IntEnum)


def _enum(cls: Type[_E], value: int) -> Union[_E, int]:
    """The member of ``cls`` with ``value``, or the bare int for a value newer than this binding."""
    try:
        return cls(value)
    except ValueError:
        return value


def quantity(p: Optional[bytes]) -> Optional[Decimal]:
    """Kept for callers of 0.x: a decimal from libtws's exact text, ``None`` when unset."""
    return _generated._decimal(p)


#: Kept for callers of 0.x: copies a ``tws_contract``.
contract = contract_from_c


def portfolio_value(p: Any, account: str) -> PortfolioValue:
    """Copies a ``tws_portfolio_row`` (which carries no account) of ``account``."""
    return PortfolioValue(
        contract_from_c(p.contract),
        quantity(p.position),
        p.market_price,
        p.market_value,
        p.average_cost,
        p.unrealized_pnl,
        p.realized_pnl,
        account,
    )


def _field_value(f: _ffi.tws_field) -> Any:
    """One ``tws_field`` as a Python value; ``None`` when absent."""
    if not f.present:
        return None
    kind = f.kind
    if kind == _ffi.TWS_FIELD_INT:
        return f.int_value
    if kind == _ffi.TWS_FIELD_BOOL:
        return bool(f.int_value)
    if kind == _ffi.TWS_FIELD_DOUBLE:
        return f.double_value
    if kind == _ffi.TWS_FIELD_DECIMAL:
        return _generated._decimal_text(_ffi.text(f.string_value))
    return _ffi.text(f.string_value)


def fields_of(ev: _ffi.tws_event) -> Dict[str, Any]:
    """Every field of the event's message through the generic accessor
    (``tws_event_field``): visitor name -> value, ``None`` when absent
    (decimals as :class:`decimal.Decimal`). Empty for an event without a message."""
    lib = _ffi.lib
    ref = ctypes.byref(ev)
    out: Dict[str, Any] = {}
    f = _ffi.tws_field()
    for i in range(lib.tws_event_field_count(ref)):
        if lib.tws_event_field(ref, i, ctypes.byref(f)) != 0:
            break
        out[_ffi.text(f.name)] = _field_value(f)
    return out


def from_fields(ev: _ffi.tws_event) -> Optional[Event]:
    """The event's message built through the generic accessor alone: its
    generated class when the binding knows the event type, otherwise a
    :class:`GenericMessage`; ``None`` for an event without a message.
    :func:`from_c` uses it for messages without a typed C view."""
    lib = _ffi.lib
    name = lib.tws_event_message_name(ctypes.byref(ev))
    if name is None:
        return None
    values = fields_of(ev)
    build = _generated.FROM_FIELDS.get(ev.type)
    if build is not None:
        return build(values)
    return GenericMessage(ev.type, _ffi.text(name), values)


def from_c(ev: _ffi.tws_event) -> Event:
    """Copies a C event into its dataclass. Call before the next poll."""
    t, d = ev.type, ev.data
    typed = _generated.FROM_C.get(t)
    if typed is not None:
        return typed(d)
    s = _ffi.text
    if t == 1:
        st = d.state
        return StateChanged(
            _enum(ConnectionState, st.state),
            s(st.reason),
            st.attempt,
            st.next_delay_ms,
            st.resubscribed,
        )
    if t == 9:
        return UnknownMessage(d.raw.msg_id, _raw(d.raw))
    if t == 10:
        return DecodeError(d.raw.msg_id, s(d.raw.reason), _raw(d.raw))
    if t == 23:
        return ProtocolViolation(s(d.raw.reason), _raw(d.raw))
    if t == 24:
        p = d.pacing
        return PacingNotice(
            p.req_id,
            _enum(PacingStage, p.stage),
            _enum(PacingRule, p.rule),
            p.wait_ms,
            s(p.request),
        )
    build = _generated.FROM_FIELDS.get(t)
    if build is not None:  # a message without a typed view
        return build(fields_of(ev))
    generic = from_fields(ev)  # a message newer than this binding
    if generic is not None:
        return generic
    return OtherEvent(t, s(_ffi.lib.tws_event_type_str(t)))
