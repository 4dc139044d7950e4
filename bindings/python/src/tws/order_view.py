"""The order view: what the client knows of each of its orders (status,
filled and remaining quantity, prices, ids, the latest openOrder, the
executions and their commissions), kept by libtws's reader before each
order event is queued; and what the latest order reconciliation (after a
reconnect or TWS's 1101) recovered. :class:`tws.Client` inherits these
methods.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, Structure, c_bool, c_char, c_double, c_int32, c_int64, c_size_t, c_uint32, c_uint64
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from . import _args, _ffi
from .market import _messages

lib = _ffi.lib

#: ``TWS_NOT_FOUND``: a lookup found nothing (not a failure).
_NOT_FOUND = 2
_TEXT = 48


class tws_order_view(Structure):
    """``tws_order_view`` (``tws_client_order``)."""

    _fields_ = [
        ("order_id", c_int64),
        ("client_id", c_int32),
        ("perm_id", c_int64),
        ("parent_id", c_int64),
        ("status", c_char * _TEXT),
        ("finished", c_bool),
        ("filled", c_char * _TEXT),
        ("has_filled", c_bool),
        ("remaining", c_char * _TEXT),
        ("has_remaining", c_bool),
        ("avg_fill_price", c_double),
        ("has_avg_fill_price", c_bool),
        ("last_fill_price", c_double),
        ("has_last_fill_price", c_bool),
        ("why_held", c_char * _TEXT),
        ("has_open_order", c_bool),
        ("executions", c_uint32),
        ("commissions", c_uint32),
        ("commission_total", c_double),
        ("updated_at", c_uint64),
    ]


class tws_reconciliation(Structure):
    """``tws_reconciliation`` (``tws_client_last_reconciliation``)."""

    _fields_ = [
        ("cause", c_int32),
        ("since", c_char * _TEXT),
        ("open_orders", c_uint32),
        ("new_fills", c_uint32),
        ("changed_orders", c_uint32),
    ]


_client_p = ctypes.c_void_p
for _name, _restype, _argtypes in (
    ("tws_client_order", c_int32, [_client_p, c_int64, POINTER(tws_order_view)]),
    ("tws_client_order_executions", c_int32, [_client_p, c_int64, POINTER(ctypes.c_void_p)]),
    ("tws_client_order_open_order", c_int32, [_client_p, c_int64, POINTER(ctypes.c_void_p)]),
    ("tws_client_order_ids", c_int32, [_client_p, POINTER(c_int64), c_size_t, POINTER(c_size_t)]),
    ("tws_client_last_reconciliation", c_int32, [_client_p, POINTER(tws_reconciliation)]),
    ("tws_options_set_order_view_capacity", c_int32, [ctypes.c_void_p, c_uint32]),
):
    _fn = getattr(lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes


@dataclass(frozen=True)
class OrderView:
    """One order as the client knows it (:meth:`Client.order`). Quantities
    are exact :class:`decimal.Decimal`, ``None`` until TWS sent them; prices
    ``None`` until sent. ``open_order`` is the latest ``OpenOrder`` event
    (its ``contract``, ``order`` and ``order_state``: status, commissions,
    margins), ``None`` before one came; ``executions`` holds each
    ``ExecDetails`` in arrival order, each followed by its
    ``CommissionAndFeesReport`` once TWS sent it."""

    order_id: int
    client_id: int
    perm_id: int
    parent_id: int
    status: str
    finished: bool
    filled: Optional[Decimal]
    remaining: Optional[Decimal]
    avg_fill_price: Optional[float]
    last_fill_price: Optional[float]
    why_held: str
    commission_total: float
    updated_at: int
    open_order: Optional[Any]
    executions: List[Any]


@dataclass(frozen=True)
class Reconciliation:
    """What the latest order reconciliation recovered (:meth:`Client.last_reconciliation`)."""

    #: "reconnect" or "1101".
    cause: str
    #: The execution filter's start, "yyyymmdd-hh:mm:ss" UTC.
    since: str
    open_orders: int
    new_fills: int
    changed_orders: int


class OrderViewMixin:
    """The order-view methods of :class:`tws.Client`."""

    if TYPE_CHECKING:

        def _invoke(self, fn: Callable[..., int], *args: object) -> int: ...

    def _order_messages(self, fn: Callable[..., int], oid: int) -> Optional[List[Any]]:
        handle = ctypes.c_void_p()
        if self._invoke(fn, oid, ctypes.byref(handle)) == _NOT_FOUND:
            return None
        try:
            return _messages(handle)
        finally:
            lib.tws_messages_free(handle)

    def order(self, order_id: int) -> Optional[OrderView]:
        """What the client knows of its order ``order_id`` now, or ``None``
        for an order it has not heard of (or evicted once finished). Current
        whether or not the events are drained. Any thread."""
        oid = _args.integer(order_id, "order_id")
        v = tws_order_view()
        if self._invoke(lib.tws_client_order, oid, ctypes.byref(v)) == _NOT_FOUND:
            return None
        opened = self._order_messages(lib.tws_client_order_open_order, oid)
        executions = self._order_messages(lib.tws_client_order_executions, oid) or []

        def dec(name: str) -> Optional[Decimal]:
            return Decimal(getattr(v, name).decode()) if getattr(v, "has_" + name) else None

        def num(name: str) -> Optional[float]:
            return getattr(v, name) if getattr(v, "has_" + name) else None

        return OrderView(
            v.order_id,
            v.client_id,
            v.perm_id,
            v.parent_id,
            _ffi.text(v.status),
            v.finished,
            dec("filled"),
            dec("remaining"),
            num("avg_fill_price"),
            num("last_fill_price"),
            _ffi.text(v.why_held),
            v.commission_total,
            v.updated_at,
            opened[0] if opened else None,
            executions,
        )

    def order_ids(self) -> List[int]:
        """The order ids of this client's orders in the view, ascending."""
        count = c_size_t()
        self._invoke(lib.tws_client_order_ids, None, 0, ctypes.byref(count))
        while True:
            ids = (c_int64 * max(count.value, 1))()
            capacity = count.value
            self._invoke(lib.tws_client_order_ids, ids, capacity, ctypes.byref(count))
            if count.value <= capacity:
                return list(ids[: count.value])

    def last_reconciliation(self) -> Optional[Reconciliation]:
        """What the latest order reconciliation recovered, ``None`` before the first."""
        r = tws_reconciliation()
        if self._invoke(lib.tws_client_last_reconciliation, ctypes.byref(r)) == _NOT_FOUND:
            return None
        cause = "reconnect" if r.cause == 0 else "1101"
        return Reconciliation(cause, _ffi.text(r.since), r.open_orders, r.new_fills, r.changed_orders)
