"""What a client delivers: one frozen dataclass per event kind.

Events are plain Python values: every string is copied out of libtws when
the event is converted, so they stay valid after the next poll.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from enum import IntEnum
from typing import List, Union

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
    return OtherEvent(t, s(_ffi.lib.tws_event_type_str(t)))
