"""Instruments and quotes: contract details, matching symbols, option
parameters, market rules, market data, depth, tick-by-tick, real-time bars,
option calculations, the conflating quote view, tick type names and TWS
error code names. :class:`tws.Client` inherits these methods.

Contracts are given as a :class:`tws.Record` of ``"Contract"`` or a
``dict`` of its fields (``{"symbol": "AAPL", "sec_type": "STK",
"exchange": "SMART", "currency": "USD"}``); :func:`stock` builds the usual
one. Tag-value options as a ``dict`` or an iterable of ``(tag, value)``.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _args, _ffi
from ._enums import ErrorClass
from .events import from_c
from .record import Record

lib = _ffi.lib

ContractArg = Union[Record, Mapping[str, Any]]
OptionsArg = Union[Mapping[str, str], Iterable[Tuple[str, str]], None]


def _tick_types() -> Dict[str, int]:
    names: Dict[str, int] = {}
    i = 0
    while True:
        name = _ffi.text(lib.tws_tick_type_name(i))
        if name == "UNKNOWN":
            return names
        names[name] = i
        i += 1


#: IB's tick types (``tws_tick_type_name``): ``TickType.BID`` is 1,
#: ``TickType.DELAYED_LAST`` 68, ... as the ticks' ``tick_type`` carries them.
TickType = IntEnum("TickType", _tick_types(), module=__name__)  # type: ignore[misc]
TickType.__doc__ = """IB's tick types by name (``tws_tick_type_name``): ``TickType.BID`` is 1,
``TickType(45).name`` is ``"LAST_TIMESTAMP"``; a tick's ``tick_type`` holds the number."""


def tick_type_name(tick_type: int) -> str:
    """IB's name of ``tick_type`` ("BID", "LAST_TIMESTAMP"), "UNKNOWN" for a number no tick type has."""
    return _ffi.text(lib.tws_tick_type_name(_args.integer(tick_type, "tick_type")))


def error_code_name(code: int) -> Optional[str]:
    """libtws's name of TWS's error ``code`` ("NO_SECURITY_DEFINITION" for 200), or None."""
    p = lib.tws_error_code_name(_args.integer(code, "code"))
    return None if p is None else _ffi.text(p)


def error_code_meaning(code: int) -> Optional[str]:
    """What TWS's error ``code`` means in a few words, or None."""
    p = lib.tws_error_code_meaning(_args.integer(code, "code"))
    return None if p is None else _ffi.text(p)


def error_code_class(code: int) -> Union[ErrorClass, int]:
    """The class of TWS's error ``code`` (as ``ErrorMessage.error_class``)."""
    value: int = lib.tws_error_code_class(_args.integer(code, "code"))
    try:
        return ErrorClass(value)
    except ValueError:
        return value


def stock(symbol: str, exchange: str = "SMART", currency: str = "USD", **fields: Any) -> Record:
    """A ``"Contract"`` record for a stock (``tws_record_new_contract``),
    with any further contract fields by keyword (``primary_exchange="NASDAQ"``)."""
    return new_contract(symbol, "STK", exchange, currency, **fields)


def new_contract(symbol: str, sec_type: str, exchange: str = "SMART", currency: str = "USD", **fields: Any) -> Record:
    """A ``"Contract"`` record with its four usual fields ("" leaves one unset) and any other by keyword."""
    rec = Record.__new__(Record)
    rec._handle = ctypes.c_void_p()
    rec.name = "Contract"
    from .errors import check

    check(
        lib.tws_record_new_contract(
            _args.text(symbol, "symbol"),
            _args.text(sec_type, "sec_type"),
            _args.text(exchange, "exchange"),
            _args.text(currency, "currency"),
            ctypes.byref(rec._handle),
        )
    )
    try:
        for name, value in fields.items():
            rec.set(name, value)
    except BaseException:
        rec.close()
        raise
    return rec


class _ContractHandle:
    """The ``tws_record *`` of a contract argument, freed after the call when built here."""

    def __init__(self, value: object, name: str = "contract") -> None:
        if isinstance(value, Record):
            if value.name != "Contract":
                from .errors import InvalidArgument

                raise InvalidArgument(-2, f"{name} must be a Contract record, not {value.name}")
            self.record, self.owned = value, False
        elif isinstance(value, Mapping):
            self.record, self.owned = Record("Contract", **dict(value)), True
        else:
            raise TypeError(f"{name} must be a tws.Record('Contract') or a dict, not {type(value).__name__}")

    def __enter__(self) -> ctypes.c_void_p:
        return self.record.handle

    def __exit__(self, *exc: object) -> None:
        if self.owned:
            self.record.close()


@dataclass(frozen=True)
class Quote:
    """The latest quote of one market-data request (:meth:`Client.quote`,
    :meth:`Client.snapshot_quote`): ``None`` where TWS sent no value yet.
    Sizes and volume are exact :class:`decimal.Decimal`. ``updated_at``
    grows with every tick folded in."""

    bid: Optional[float]
    ask: Optional[float]
    last: Optional[float]
    high: Optional[float]
    low: Optional[float]
    close: Optional[float]
    open: Optional[float]
    bid_size: Optional[Decimal]
    ask_size: Optional[Decimal]
    last_size: Optional[Decimal]
    volume: Optional[Decimal]
    last_time: Optional[int]
    halted: Optional[int]
    market_data_type: Optional[int]
    updated_at: int


def _quote(q: _ffi.tws_quote) -> Quote:
    def v(name: str) -> Any:
        return getattr(q, name) if getattr(q, "has_" + name) else None

    def d(name: str) -> Optional[Decimal]:
        return Decimal(getattr(q, name).decode()) if getattr(q, "has_" + name) else None

    return Quote(
        v("bid"),
        v("ask"),
        v("last"),
        v("high"),
        v("low"),
        v("close"),
        v("open"),
        d("bid_size"),
        d("ask_size"),
        d("last_size"),
        d("volume"),
        v("last_time"),
        v("halted"),
        v("market_data_type"),
        q.updated_at,
    )


def _messages(handle: ctypes.c_void_p) -> List[Any]:
    """Every message of a ``tws_messages`` handle, each an event
    (``tws_messages_at``) built exactly as :meth:`Client.poll` builds events:
    the generated class, or a :class:`tws.GenericMessage`."""
    return [from_c(lib.tws_messages_at(handle, i).contents) for i in range(lib.tws_messages_count(handle))]


class MarketMixin:
    """The instruments-and-quotes methods of :class:`tws.Client`."""

    if TYPE_CHECKING:

        def _invoke(self, fn: Callable[..., int], *args: object) -> int: ...

        def next_request_id(self) -> int: ...

    def _rid(self, req_id: Optional[int]) -> int:
        return self.next_request_id() if req_id is None else _args.integer(req_id, "req_id")

    def _blocking(self, fn: Callable[..., int], *args: object) -> List[Any]:
        handle = ctypes.c_void_p()
        self._invoke(fn, *args, ctypes.byref(handle))
        try:
            return _messages(handle)
        finally:
            lib.tws_messages_free(handle)

    # ---- reference data ---------------------------------------------------------
    def req_contract_details(self, contract: ContractArg, req_id: Optional[int] = None) -> int:
        """reqContractDetails: ``ContractData`` events (bonds: ``BondContractData``)
        then ``ContractDataEnd``; returns the request id. Unknown: error 200."""
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_req_contract_details, rid, c)
        return rid

    def cancel_contract_data(self, req_id: int) -> None:
        """cancelContractData (server 215+; :class:`tws.NotSupported` before)."""
        self._invoke(lib.tws_client_cancel_contract_data, _args.integer(req_id, "req_id"))

    def req_matching_symbols(self, pattern: str, req_id: Optional[int] = None) -> int:
        """reqMatchingSymbols: one ``SymbolSamples`` event; returns the request id."""
        c_pattern, rid = _args.text(pattern, "pattern"), self._rid(req_id)
        self._invoke(lib.tws_client_req_matching_symbols, rid, c_pattern)
        return rid

    def req_sec_def_opt_params(
        self,
        underlying_symbol: str,
        underlying_sec_type: str,
        underlying_con_id: int,
        fut_fop_exchange: str = "",
        req_id: Optional[int] = None,
    ) -> int:
        """reqSecDefOptParams: ``SecDefOptParameter`` events then their end; returns the request id."""
        args = (
            _args.text(underlying_symbol, "underlying_symbol"),
            _args.text(fut_fop_exchange, "fut_fop_exchange"),
            _args.text(underlying_sec_type, "underlying_sec_type"),
            _args.integer(underlying_con_id, "underlying_con_id"),
        )
        rid = self._rid(req_id)
        self._invoke(lib.tws_client_req_sec_def_opt_params, rid, *args)
        return rid

    def req_market_rule(self, market_rule_id: int) -> None:
        """reqMarketRule: one ``MarketRule`` event (no request id)."""
        self._invoke(lib.tws_client_req_market_rule, _args.integer(market_rule_id, "market_rule_id"))

    def req_smart_components(self, bbo_exchange: str, req_id: Optional[int] = None) -> int:
        """reqSmartComponents: one ``SmartComponents`` event; returns the request id."""
        c_bbo, rid = _args.text(bbo_exchange, "bbo_exchange"), self._rid(req_id)
        self._invoke(lib.tws_client_req_smart_components, rid, c_bbo)
        return rid

    def req_mkt_depth_exchanges(self) -> None:
        """reqMktDepthExchanges: one ``MktDepthExchanges`` event."""
        self._invoke(lib.tws_client_req_mkt_depth_exchanges)

    def req_family_codes(self) -> None:
        """reqFamilyCodes: one ``FamilyCodes`` event."""
        self._invoke(lib.tws_client_req_family_codes)

    # ---- blocking reference calls ---------------------------------------------------
    def contract_details(self, contract: ContractArg, timeout: float = 10.0) -> List[Any]:
        """Every contract details row of ``contract`` up to the end marker, as
        :class:`tws.ContractData` (bond rows too). Raises
        :class:`tws.RequestFailed` (``tws_code`` 200 for an unknown
        instrument), :class:`tws.Timeout`, :class:`tws.NotConnected`."""
        c_timeout = _args.milliseconds(timeout, "timeout")
        with _ContractHandle(contract) as c:
            return self._blocking(lib.tws_client_contract_details, c, c_timeout)

    def matching_symbols(self, pattern: str, timeout: float = 10.0) -> Any:
        """The ``SymbolSamples`` message answering ``pattern`` (its
        ``descriptions``; a :class:`tws.GenericMessage` until the binding has
        a class for it: ``fields["descriptions[0].contract.symbol"]``)."""
        c_pattern, c_timeout = _args.text(pattern, "pattern"), _args.milliseconds(timeout, "timeout")
        return self._blocking(lib.tws_client_matching_symbols, c_pattern, c_timeout)[0]

    def sec_def_opt_params(
        self,
        underlying_symbol: str,
        underlying_sec_type: str,
        underlying_con_id: int,
        fut_fop_exchange: str = "",
        timeout: float = 10.0,
    ) -> List[Any]:
        """The ``SecDefOptParameter`` messages of an underlying (one per
        exchange and trading class), up to the end marker."""
        args = (
            _args.text(underlying_symbol, "underlying_symbol"),
            _args.text(fut_fop_exchange, "fut_fop_exchange"),
            _args.text(underlying_sec_type, "underlying_sec_type"),
            _args.integer(underlying_con_id, "underlying_con_id"),
            _args.milliseconds(timeout, "timeout"),
        )
        return self._blocking(lib.tws_client_sec_def_opt_params, *args)

    def market_rule(self, market_rule_id: int, timeout: float = 10.0) -> Any:
        """The ``MarketRule`` message of ``market_rule_id`` (TWS answers
        nothing for an unknown rule: :class:`tws.Timeout`)."""
        rule, c_timeout = _args.integer(market_rule_id, "market_rule_id"), _args.milliseconds(timeout, "timeout")
        return self._blocking(lib.tws_client_market_rule, rule, c_timeout)[0]

    def mkt_depth_exchanges(self, timeout: float = 10.0) -> Any:
        """The ``MktDepthExchanges`` message."""
        return self._blocking(lib.tws_client_mkt_depth_exchanges, _args.milliseconds(timeout, "timeout"))[0]

    def family_codes(self, timeout: float = 10.0) -> Any:
        """The ``FamilyCodes`` message."""
        return self._blocking(lib.tws_client_family_codes, _args.milliseconds(timeout, "timeout"))[0]

    # ---- market data ------------------------------------------------------------------
    def req_market_data_type(self, market_data_type: int) -> None:
        """reqMarketDataType: 1 live, 2 frozen, 3 delayed, 4 delayed frozen (re-issued after a reconnect)."""
        self._invoke(lib.tws_client_req_market_data_type, _args.integer(market_data_type, "market_data_type"))

    def req_mkt_data(
        self,
        contract: ContractArg,
        generic_ticks: Union[str, Iterable[str]] = "",
        snapshot: bool = False,
        regulatory_snapshot: bool = False,
        options: OptionsArg = None,
        req_id: Optional[int] = None,
    ) -> int:
        """reqMktData: tick events (``TickPrice``, ``TickSize``, ...) tagged
        with the returned request id. Streaming (no snapshot) it is a
        subscription with a quote view (:meth:`quote`)."""
        c_ticks = _args.text_list(generic_ticks, "generic_ticks")
        c_snap, c_reg = _args.flag(snapshot, "snapshot"), _args.flag(regulatory_snapshot, "regulatory_snapshot")
        tags, values, n = _args.tag_values(options, "options")
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_req_mkt_data, rid, c, c_ticks, c_snap, c_reg, tags, values, n)
        return rid

    def cancel_mkt_data(self, req_id: int) -> None:
        """cancelMktData: ends the ticks of ``req_id`` and its quote view."""
        self._invoke(lib.tws_client_cancel_mkt_data, _args.integer(req_id, "req_id"))

    def req_mkt_depth(
        self,
        contract: ContractArg,
        num_rows: int = 5,
        smart_depth: bool = False,
        options: OptionsArg = None,
        req_id: Optional[int] = None,
    ) -> int:
        """reqMktDepth: ``UpdateMktDepth`` / ``UpdateMktDepthL2`` events; returns the request id."""
        rows, smart = _args.integer(num_rows, "num_rows"), _args.flag(smart_depth, "smart_depth")
        tags, values, n = _args.tag_values(options, "options")
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_req_mkt_depth, rid, c, rows, smart, tags, values, n)
        return rid

    def cancel_mkt_depth(self, req_id: int, smart_depth: bool = False) -> None:
        """cancelMktDepth (``smart_depth`` as in the request)."""
        self._invoke(
            lib.tws_client_cancel_mkt_depth, _args.integer(req_id, "req_id"), _args.flag(smart_depth, "smart_depth")
        )

    def req_tick_by_tick_data(
        self,
        contract: ContractArg,
        tick_type: str = "Last",
        number_of_ticks: int = 0,
        ignore_size: bool = False,
        req_id: Optional[int] = None,
    ) -> int:
        """reqTickByTickData ("Last", "AllLast", "BidAsk", "MidPoint"; server 140+); returns the request id."""
        c_type = _args.text(tick_type, "tick_type")
        count, ignore = _args.integer(number_of_ticks, "number_of_ticks"), _args.flag(ignore_size, "ignore_size")
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_req_tick_by_tick_data, rid, c, c_type, count, ignore)
        return rid

    def cancel_tick_by_tick_data(self, req_id: int) -> None:
        """cancelTickByTickData."""
        self._invoke(lib.tws_client_cancel_tick_by_tick_data, _args.integer(req_id, "req_id"))

    def req_real_time_bars(
        self,
        contract: ContractArg,
        what_to_show: str = "TRADES",
        use_rth: bool = False,
        bar_size: int = 5,
        options: OptionsArg = None,
        req_id: Optional[int] = None,
    ) -> int:
        """reqRealTimeBars: 5-second ``RealTimeBar`` events; returns the request id."""
        c_what, rth = _args.text(what_to_show, "what_to_show"), _args.flag(use_rth, "use_rth")
        size = _args.integer(bar_size, "bar_size")
        tags, values, n = _args.tag_values(options, "options")
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_req_real_time_bars, rid, c, size, c_what, rth, tags, values, n)
        return rid

    def cancel_real_time_bars(self, req_id: int) -> None:
        """cancelRealTimeBars."""
        self._invoke(lib.tws_client_cancel_real_time_bars, _args.integer(req_id, "req_id"))

    def calculate_implied_volatility(
        self,
        contract: ContractArg,
        option_price: float,
        under_price: float,
        options: OptionsArg = None,
        req_id: Optional[int] = None,
    ) -> int:
        """calculateImpliedVolatility: one ``TickOptionComputation``; returns the request id."""
        price, under = _args.real(option_price, "option_price"), _args.real(under_price, "under_price")
        tags, values, n = _args.tag_values(options, "options")
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_calculate_implied_volatility, rid, c, price, under, tags, values, n)
        return rid

    def cancel_calculate_implied_volatility(self, req_id: int) -> None:
        """cancelCalculateImpliedVolatility."""
        self._invoke(lib.tws_client_cancel_calculate_implied_volatility, _args.integer(req_id, "req_id"))

    def calculate_option_price(
        self,
        contract: ContractArg,
        volatility: float,
        under_price: float,
        options: OptionsArg = None,
        req_id: Optional[int] = None,
    ) -> int:
        """calculateOptionPrice: one ``TickOptionComputation``; returns the request id."""
        vol, under = _args.real(volatility, "volatility"), _args.real(under_price, "under_price")
        tags, values, n = _args.tag_values(options, "options")
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_calculate_option_price, rid, c, vol, under, tags, values, n)
        return rid

    def cancel_calculate_option_price(self, req_id: int) -> None:
        """cancelCalculateOptionPrice."""
        self._invoke(lib.tws_client_cancel_calculate_option_price, _args.integer(req_id, "req_id"))

    # ---- the quote view -------------------------------------------------------------------
    def quote(self, req_id: int) -> Optional[Quote]:
        """The latest :class:`Quote` of the streaming market-data request
        ``req_id``, kept by libtws's reader whether or not events are
        drained; ``None`` when no such subscription is live. Any thread."""
        q = _ffi.tws_quote()
        rid = _args.integer(req_id, "req_id")
        from .errors import InvalidArgument

        try:
            self._invoke(lib.tws_client_quote, rid, ctypes.byref(q))
        except InvalidArgument:
            return None
        return _quote(q)

    def snapshot_quote(self, contract: ContractArg, timeout: float = 10.0) -> Quote:
        """A one-shot snapshot of ``contract`` up to tickSnapshotEnd. Raises
        :class:`tws.RequestFailed` (``tws_code`` 200, 354, ...),
        :class:`tws.Timeout`, :class:`tws.NotConnected`."""
        q = _ffi.tws_quote()
        c_timeout = _args.milliseconds(timeout, "timeout")
        with _ContractHandle(contract) as c:
            self._invoke(lib.tws_client_snapshot_quote, c, c_timeout, ctypes.byref(q))
        return _quote(q)

