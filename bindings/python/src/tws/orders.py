"""Orders: placing, modifying and cancelling orders, the open-order,
execution and completed-order requests, and their blocking calls
(open orders, executions with their commissions, completed orders, what-if
margins). :class:`tws.Client` inherits these methods.

An order is given as a :class:`tws.Record` of ``"Order"``, a ``dict`` of
its fields, or an :class:`tws.Order` (as an ``OpenOrder`` event carries
it, to modify it); :func:`limit_order` and :func:`market_order` build the
usual ones. List fields take lists: ``conditions`` (dicts or records of
``"OrderCondition"``), ``algo_params``, ``smart_combo_routing_params`` and
``order_misc_options`` (a ``dict`` of tags to values, or pairs),
``order_combo_legs`` (``{"price": ...}`` each). Contracts as in
:mod:`tws.market`, and a combo's ``combo_legs`` as a list of dicts.
Unset fields take IB's unset values; ``transmit`` is true unless given.

A placement is never re-sent: while the link is down it raises
:class:`tws.NotConnected` at once and uses no order id.
"""

from __future__ import annotations

import ctypes
import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Mapping, Optional, Tuple, Union

from . import _args, _ffi, _generated
from .record import Record

lib = _ffi.lib

_INT64 = (-(2**63), 2**63 - 1)

#: The record each list field's items are (``tws_record_append``).
_ITEMS = {
    "conditions": "OrderCondition",
    "algo_params": "TagValue",
    "smart_combo_routing_params": "TagValue",
    "order_misc_options": "TagValue",
    "order_combo_legs": "OrderComboLeg",
    "combo_legs": "ComboLeg",
    "order_allocations": "OrderAllocation",
}
#: The list fields of plain values, with their append function's name.
_VALUE_LISTS = {"specific_dates": "tws_record_append_int"}

RecordArg = Union[Record, Mapping[str, Any], Any]


def _fields_of(value: Any) -> Mapping[str, Any]:
    """The fields of a dict, or of a generated dataclass (``None``: unset, left out)."""
    if isinstance(value, Mapping):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if getattr(value, f.name) is not None}
    raise TypeError(f"expected a tws.Record, a dict or a tws dataclass, not {type(value).__name__}")


def _items(field: str, value: Any) -> Iterable[Any]:
    if _ITEMS.get(field) == "TagValue":
        if isinstance(value, Mapping):
            return [{"tag": k, "value": v} for k, v in value.items()]
        return [
            item if isinstance(item, (Record, Mapping)) or dataclasses.is_dataclass(item) else {"tag": item[0], "value": item[1]}
            for item in value
        ]
    return list(value)


def build(name: str, value: RecordArg) -> Record:
    """A ``tws.Record`` of the catalogue record ``name`` from a dict or a
    generated dataclass, list fields and nested records included (the
    caller closes it)."""
    if isinstance(value, Record):
        return value
    from .errors import check

    rec = Record(name)
    try:
        kinds = _generated.RECORD_FIELDS.get(name, {})
        for field, v in _fields_of(value).items():
            kind = kinds.get(field)
            if field in _VALUE_LISTS:
                fn = getattr(lib, _VALUE_LISTS[field])
                for item in v:
                    check(fn(rec.handle, _args.text(field, "field"), _args.integer(item, field)))
            elif kind == "list" and field in _ITEMS:
                _append_all(rec, field, v)
            elif kind == "list":
                if list(v):
                    raise TypeError(f"{name}.{field}: a list this binding cannot build")
            elif kind == "record" and not isinstance(v, (Record, dict)):
                with build(_record_of(field), v) as inner:
                    rec.set(field, inner)
            elif isinstance(v, Decimal) or (kind == "decimal" and isinstance(v, int) and not isinstance(v, bool)):
                rec.set(field, str(v))
            else:
                rec.set(field, v)
    except BaseException:
        rec.close()
        raise
    return rec


def _record_of(field: str) -> str:
    flat = field.replace("_", "").lower()
    for name in _generated.RECORD_FIELDS:
        if name.lower() == flat:
            return name
    raise TypeError(f"{field} is not a record field")


class _Arg:
    """The ``tws_record *`` of a record argument, freed after the call when built here."""

    def __init__(self, kind: str, value: Optional[RecordArg], name: str, optional: bool = False) -> None:
        self.record: Optional[Record] = None
        self.owned = False
        if value is None:
            if not optional:
                raise TypeError(f"{name} must be a tws.Record('{kind}'), a dict or a tws.{kind}, not None")
            return
        if isinstance(value, Record):
            if value.name != kind:
                from .errors import InvalidArgument

                raise InvalidArgument(-2, f"{name} must be a {kind} record, not {value.name}")
            self.record = value
        else:
            self.record, self.owned = build(kind, value), True

    def __enter__(self) -> Optional[ctypes.c_void_p]:
        return None if self.record is None else self.record.handle

    def __exit__(self, *exc: object) -> None:
        if self.owned and self.record is not None:
            self.record.close()


def limit_order(action: str, quantity: Union[str, int, Decimal], price: float, **fields: Any) -> Record:
    """An ``"Order"`` record for a limit order (``tws_record_new_order``):
    ``limit_order("BUY", 100, 189.50, tif="GTC")``. Quantities are exact
    decimals (``"0.5"``, ``Decimal("0.5")``, ``100``)."""
    return _new_order(action, quantity, "LMT", _args.real(price, "price"), fields)


def market_order(action: str, quantity: Union[str, int, Decimal], **fields: Any) -> Record:
    """An ``"Order"`` record for a market order."""
    return _new_order(action, quantity, "MKT", 1.7976931348623157e308, fields)


def _new_order(action: str, quantity: Any, order_type: str, price: float, fields: Mapping[str, Any]) -> Record:
    from .errors import check

    if isinstance(quantity, bool) or not isinstance(quantity, (str, int, Decimal)):
        raise TypeError(f"quantity must be a str, int or Decimal, not {type(quantity).__name__}")
    rec = Record.__new__(Record)
    rec._handle = ctypes.c_void_p()
    rec.name = "Order"
    check(
        lib.tws_record_new_order(
            _args.text(action, "action"),
            _args.text(str(quantity), "quantity"),
            _args.text(order_type, "order_type"),
            price,
            ctypes.byref(rec._handle),
        )
    )
    try:
        for name, value in fields.items():
            if name in _ITEMS:
                _append_all(rec, name, value)
            else:
                rec.set(name, str(value) if isinstance(value, Decimal) else value)
    except BaseException:
        rec.close()
        raise
    return rec


def _append_all(rec: Record, field: str, value: Any) -> None:
    from .errors import check

    for item in _items(field, value):
        owned = not isinstance(item, Record)
        inner = build(_ITEMS[field], item)
        try:
            check(lib.tws_record_append(rec.handle, _args.text(field, "field"), inner.handle))
        finally:
            if owned:
                inner.close()


@dataclass(frozen=True)
class ExecutionReport:
    """One execution of :meth:`Client.executions`, with the commission
    report of its exec id when TWS sent it before the end marker."""

    contract: Any
    execution: Any
    commission: Optional[Any]


class OrdersMixin:
    """The order methods of :class:`tws.Client`."""

    if TYPE_CHECKING:

        def _invoke(self, fn: Callable[..., int], *args: object) -> int: ...

        def next_request_id(self) -> int: ...

    def _order_blocking(self, fn: Callable[..., int], *args: object) -> List[Any]:
        from .market import _messages

        handle = ctypes.c_void_p()
        self._invoke(fn, *args, ctypes.byref(handle))
        try:
            return _messages(handle)
        finally:
            lib.tws_messages_free(handle)

    # ---- placing --------------------------------------------------------------------
    def place_order(self, contract: RecordArg, order: RecordArg) -> int:
        """placeOrder under the next order id, which it returns (taken
        atomically: safe from any number of threads, never one used before).
        TWS answers with ``OpenOrder`` / ``OrderStatus`` events, fills as
        ``ExecDetails`` and ``CommissionAndFeesReport``, refusals as errors
        under the id. Raises :class:`tws.NotConnected` at once while the
        link is down (no id used); never re-sent."""
        out = ctypes.c_int64(-1)
        with _Arg("Contract", contract, "contract") as c, _Arg("Order", order, "order") as o:
            self._invoke(lib.tws_client_place_order, c, o, ctypes.byref(out))
        return out.value

    def place_order_with_id(self, order_id: int, contract: RecordArg, order: RecordArg) -> None:
        """placeOrder under ``order_id``: modifies the live order with that id."""
        oid = _args.integer(order_id, "order_id", _INT64)
        with _Arg("Contract", contract, "contract") as c, _Arg("Order", order, "order") as o:
            self._invoke(lib.tws_client_place_order_with_id, oid, c, o)

    def cancel_order(self, order_id: int, order_cancel: Optional[RecordArg] = None) -> None:
        """cancelOrder, with the ``"OrderCancel"`` attributes
        (``manual_order_cancel_time``, ``ext_operator``,
        ``manual_order_indicator``) when given."""
        oid = _args.integer(order_id, "order_id", _INT64)
        with _Arg("OrderCancel", order_cancel, "order_cancel", optional=True) as oc:
            self._invoke(lib.tws_client_cancel_order, oid, oc)

    def req_global_cancel(self) -> None:
        """reqGlobalCancel: cancels every open order of the account."""
        self._invoke(lib.tws_client_req_global_cancel)

    # ---- requests answered by events ------------------------------------------------
    def req_open_orders(self) -> None:
        """reqOpenOrders: ``OpenOrder`` (and ``OrderStatus``) events, then ``OpenOrderEnd``."""
        self._invoke(lib.tws_client_req_open_orders)

    def req_all_open_orders(self) -> None:
        """reqAllOpenOrders: every client's open orders, then ``OpenOrderEnd``."""
        self._invoke(lib.tws_client_req_all_open_orders)

    def req_auto_open_orders(self, auto_bind: bool = True) -> None:
        """reqAutoOpenOrders (client id 0 only): orders placed in TWS are bound to this client."""
        self._invoke(lib.tws_client_req_auto_open_orders, _args.flag(auto_bind, "auto_bind"))

    def req_executions(self, filter: Optional[RecordArg] = None, req_id: Optional[int] = None) -> int:
        """reqExecutions (``filter``: an ``"ExecutionFilter"`` record or dict,
        None for the day's): ``ExecDetails`` events tagged with the returned
        request id, then ``ExecDetailsEnd``."""
        rid = self.next_request_id() if req_id is None else _args.integer(req_id, "req_id")
        with _Arg("ExecutionFilter", filter, "filter", optional=True) as f:
            self._invoke(lib.tws_client_req_executions, rid, f)
        return rid

    def req_completed_orders(self, api_only: bool = False) -> None:
        """reqCompletedOrders: ``CompletedOrder`` events, then ``CompletedOrdersEnd``."""
        self._invoke(lib.tws_client_req_completed_orders, _args.flag(api_only, "api_only"))

    # ---- blocking calls -------------------------------------------------------------
    def open_orders(self, timeout: float = 10.0) -> List[Any]:
        """This client's open orders up to the end marker, as
        :class:`tws.OpenOrder` (also delivered as events as usual). Raises
        :class:`tws.Timeout`, :class:`tws.Busy`, :class:`tws.NotConnected`."""
        return self._order_blocking(lib.tws_client_open_orders, _args.milliseconds(timeout, "timeout"))

    def executions(self, filter: Optional[RecordArg] = None, timeout: float = 10.0) -> List[ExecutionReport]:
        """The executions matching ``filter`` (None: the day's) up to the
        end marker, each an :class:`ExecutionReport` (contract, execution,
        and its :class:`tws.CommissionAndFeesReport` or None)."""
        c_timeout = _args.milliseconds(timeout, "timeout")
        with _Arg("ExecutionFilter", filter, "filter", optional=True) as f:
            messages = self._order_blocking(lib.tws_client_executions, f, c_timeout)
        reports: List[ExecutionReport] = []
        for m in messages:
            if isinstance(m, _generated.ExecDetails):
                reports.append(ExecutionReport(m.contract, m.execution, None))
            elif isinstance(m, _generated.CommissionAndFeesReport) and reports:
                last = reports[-1]
                reports[-1] = ExecutionReport(last.contract, last.execution, m)
        return reports

    def completed_orders(self, api_only: bool = False, timeout: float = 10.0) -> List[Any]:
        """Today's completed orders up to the end marker, as :class:`tws.CompletedOrder`."""
        return self._order_blocking(
            lib.tws_client_completed_orders, _args.flag(api_only, "api_only"), _args.milliseconds(timeout, "timeout")
        )

    def what_if_order(self, contract: RecordArg, order: RecordArg, timeout: float = 10.0) -> Any:
        """What-if: places ``order`` with ``what_if`` set under a fresh id
        and returns TWS's answer, a :class:`tws.OpenOrder` whose
        ``order_state`` carries the margin impact. Nothing is traded. Raises
        :class:`tws.RequestFailed` when TWS refuses the order, :class:`tws.Timeout`."""
        c_timeout = _args.milliseconds(timeout, "timeout")
        with _Arg("Contract", contract, "contract") as c, _Arg("Order", order, "order") as o:
            return self._order_blocking(lib.tws_client_what_if, c, o, c_timeout)[0]

    def what_if(self, contract: RecordArg, order: RecordArg, timeout: float = 10.0) -> Any:
        """As :meth:`what_if_order`, returning only the :class:`tws.OrderState`
        (``init_margin_before``, ``init_margin_change``, ``init_margin_after``,
        the maintenance and equity-with-loan fields, ``commission_and_fees``)."""
        return self.what_if_order(contract, order, timeout).order_state


__all__: Tuple[str, ...] = ("ExecutionReport", "OrdersMixin", "build", "limit_order", "market_order")
