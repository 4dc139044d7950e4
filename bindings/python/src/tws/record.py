"""Input records (``tws_record``): a contract (and, later, an order, an
execution filter, ...) set field by field, by name, so that a new field in a
later libtws never breaks a caller.

::

    contract = tws.Record("Contract", con_id=265598, symbol="AAPL", sec_type="STK")
    request = tws.Record("ReqAccountSummary", req_id=1, group="All", tags="NetLiquidation")
    client.send_record(request)   # or simply client.send("ReqAccountSummary", req_id=1, ...)

A record may also be a request of the catalogue, by its message name
("ReqAccountSummary"); a request's fields are not in this binding's tables,
so their kinds follow the Python values (``bool``, ``int``: int, or long
beyond 32 bits, ``float``: double, ``Decimal``: decimal text, ``str``,
a ``dict`` or :class:`Record` for a record field) and libtws checks them.

The record's fields and their kinds come from the message catalogue
(:data:`tws._generated.RECORD_FIELDS`); libtws checks them again. A field
left unset takes its declared absent value.
"""

from __future__ import annotations

import ctypes
from decimal import Decimal
from typing import Any

from . import _args, _ffi, _generated
from .errors import InvalidArgument, check

lib = _ffi.lib
_INVALID_ARGUMENT = -2

_FLOATS = (int, float)
_INT64 = (-(2**63), 2**63 - 1)


def _kind_of(value: Any) -> str:
    if isinstance(value, (dict, Record)):
        return "record"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, Decimal):
        return "decimal"
    return "string"


def _record_named(field: str) -> str:
    """The record type a dict given for ``field`` builds: the catalogue record
    whose name is the field's ("contract" -> "Contract")."""
    flat = field.replace("_", "").lower()
    for name in _generated.RECORD_FIELDS:
        if name.lower() == flat:
            return name
    raise InvalidArgument(
        _INVALID_ARGUMENT, f"{field} is not a record field (no record is called like it); nothing was sent"
    )


class Record:
    """A ``tws_record`` of the catalogue record ``name`` ("Contract").

    Fields are set by keyword (``Record("Contract", symbol="AAPL")``) or
    with :meth:`set`; an unknown record or field raises
    :class:`tws.InvalidArgument` naming it, a value of the wrong type
    ``TypeError``. The C record is freed by :meth:`close` (also as a context
    manager, and when the object is collected).
    """

    def __init__(self, name: str, **fields: Any) -> None:
        self._handle = ctypes.c_void_p()
        c_name = _args.text(name, "name")
        self.name = name
        check(lib.tws_record_new(c_name, ctypes.byref(self._handle)))
        try:
            for field_name, value in fields.items():
                self.set(field_name, value)
        except BaseException:
            self.close()
            raise

    @property
    def handle(self) -> ctypes.c_void_p:
        """The ``tws_record *`` for a C call (valid until :meth:`close`)."""
        if not self._handle:
            raise InvalidArgument(_INVALID_ARGUMENT, f"record {self.name} is closed")
        return self._handle

    def set(self, field: str, value: Any) -> "Record":
        """Sets ``field`` to ``value``; returns the record (calls chain)."""
        c_field = _args.text(field, "field")
        kind = _generated.RECORD_FIELDS.get(self.name, {}).get(field)
        h = self.handle
        if kind is None:
            # Not in this binding's catalogue (a request, or a newer libtws's
            # field): the kind follows the value; libtws judges (it names the field).
            kind = _kind_of(value)
        if kind == "record":
            if isinstance(value, Record):
                check(lib.tws_record_set_record(h, c_field, value.handle))
            elif isinstance(value, dict):
                with Record(_record_named(field), **value) as inner:
                    check(lib.tws_record_set_record(h, c_field, inner.handle))
            else:
                raise TypeError(f"{field} must be a tws.Record or a dict, not {type(value).__name__}")
        elif kind == "bool":
            if not isinstance(value, bool):
                raise TypeError(f"{field} must be a bool, not {type(value).__name__}")
            check(lib.tws_record_set_bool(h, c_field, value))
        elif kind == "int":
            check(lib.tws_record_set_int(h, c_field, _args.integer(value, field)))
        elif kind == "long":
            check(lib.tws_record_set_long(h, c_field, _args.integer(value, field, _INT64)))
        elif kind == "double":
            if isinstance(value, bool) or not isinstance(value, _FLOATS):
                raise TypeError(f"{field} must be a float, not {type(value).__name__}")
            check(lib.tws_record_set_double(h, c_field, float(value)))
        else:  # string, decimal (exact text)
            if kind == "decimal" and isinstance(value, (Decimal, int)) and not isinstance(value, bool):
                value = str(value)
            check(lib.tws_record_set_string(h, c_field, _args.text(value, field)))
        return self

    def close(self) -> None:
        """Frees the C record (idempotent)."""
        if self._handle:
            lib.tws_record_free(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self) -> "Record":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass
