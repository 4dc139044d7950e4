"""Historical data: bars (with keep-up-to-date updates), head timestamps,
histograms, historical ticks and trading schedules, as requests (their
answers arrive as events) and as blocking calls. :class:`tws.Client`
inherits these methods.

Every history request goes through libtws's historical-data pacing (on by
default; ``tws.Client(history_pacing=...)``): a request that would break
one of TWS's pacing rules waits instead of drawing error 162 or 420, and a
blocking call's ``timeout`` covers that wait (:class:`tws.Timeout`, nothing
sent). ``client.stat("history_paced")`` counts the requests that waited.

Bars are the generated :class:`tws.Bar` dataclasses; :func:`bars_df` turns
them into a pandas DataFrame when pandas is installed (optional).
"""

from __future__ import annotations

import ctypes
import importlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence

from . import _args, _ffi
from .market import ContractArg, _ContractHandle

lib = _ffi.lib


@dataclass(frozen=True)
class HistoryPacing:
    """The historical-data pacing rules (``tws_options_set_history_pacing_rules``),
    in seconds; the defaults are TWS's. Give ``tws.Client(history_pacing=HistoryPacing(...))``
    for a TWS with other limits (or a test with short windows);
    ``history_pacing=False`` turns the pacing off."""

    identical_window: float = 15.0
    same_contract_window: float = 2.0
    same_contract_max: int = 5
    window: float = 600.0
    window_max: int = 60
    max_open: int = 50


def apply_pacing(options: ctypes.c_void_p, pacing: "bool | HistoryPacing") -> None:
    """Sets ``pacing`` on a ``tws_options`` handle (used by :class:`tws.Client`)."""
    from .errors import check

    if isinstance(pacing, HistoryPacing):
        check(
            lib.tws_options_set_history_pacing_rules(
                options,
                _args.milliseconds(pacing.identical_window, "identical_window"),
                _args.milliseconds(pacing.same_contract_window, "same_contract_window"),
                _args.integer(pacing.same_contract_max, "same_contract_max", _args.UINT32),
                _args.milliseconds(pacing.window, "window"),
                _args.integer(pacing.window_max, "window_max", _args.UINT32),
                _args.integer(pacing.max_open, "max_open", _args.UINT32),
            )
        )
    else:
        check(lib.tws_options_set_history_pacing(options, _args.flag(pacing, "history_pacing")))


def parse_time(text: str, default_zone: str = "") -> Optional[int]:
    """A date or time of historical data ("20261130", "20261130 09:30:00
    US/Eastern", "20261130-14:30:00" UTC, epoch seconds) as UTC epoch
    seconds (``tws_parse_hist_time``); a time naming no zone is read in
    ``default_zone`` ("" = UTC). ``None`` when it cannot be read."""
    out = ctypes.c_int64()
    rc = lib.tws_parse_hist_time(_args.text(text, "text"), _args.text(default_zone, "default_zone"), ctypes.byref(out))
    return out.value if rc == 0 else None


def bar_time(bar: Any, default_zone: str = "") -> Optional[datetime]:
    """The UTC :class:`datetime.datetime` of a bar's ``date`` (see :func:`parse_time`)."""
    epoch = parse_time(bar.date, default_zone)
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc)


def bars_df(bars: Sequence[Any], default_zone: str = "") -> Any:
    """The bars as a pandas DataFrame: one row per bar, indexed by its UTC
    time (``time``), with ``date`` (as TWS sent it), ``open``, ``high``,
    ``low``, ``close``, ``volume``, ``wap`` (floats; NaN when unset) and
    ``bar_count``. pandas is optional: without it this raises ImportError
    naming the fix."""
    try:
        pd = importlib.import_module("pandas")
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("tws.bars_df needs pandas, which the tws package does not install: pip install pandas") from e
    rows = [
        {
            "time": bar_time(b, default_zone),
            "date": b.date,
            "open": b.open,
            "high": b.high,
            "low": b.low,
            "close": b.close,
            "volume": float(b.volume) if b.volume is not None else float("nan"),
            "wap": float(b.wap) if b.wap is not None else float("nan"),
            "bar_count": b.bar_count,
        }
        for b in bars
    ]
    columns = ["time", "date", "open", "high", "low", "close", "volume", "wap", "bar_count"]
    return pd.DataFrame(rows, columns=columns).set_index("time")


class HistoryMixin:
    """The historical-data methods of :class:`tws.Client`."""

    if TYPE_CHECKING:

        def _invoke(self, fn: Callable[..., int], *args: object) -> int: ...

        def _rid(self, req_id: Optional[int]) -> int: ...

        def _blocking(self, fn: Callable[..., int], *args: object) -> List[Any]: ...

    def _send_for_contract(self, fn: Callable[..., int], req_id: Optional[int], contract: ContractArg, *args: object) -> int:
        """Sends request ``fn`` for ``contract`` under ``req_id`` (a fresh id
        when None) with the converted ``args``; returns the request id."""
        rid = self._rid(req_id)
        with _ContractHandle(contract) as c:
            self._invoke(fn, rid, c, *args)
        return rid

    # ---- requests -------------------------------------------------------------------
    def req_historical_data(
        self,
        contract: ContractArg,
        end: str = "",
        duration: str = "1 D",
        bar_size: str = "1 hour",
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        format_date: int = 1,
        keep_up_to_date: bool = False,
        req_id: Optional[int] = None,
    ) -> int:
        """reqHistoricalData: ``HistoricalData`` events (their ``bars``) then
        ``HistoricalDataEnd`` (below server 196 the end is in the last
        ``HistoricalData``: its ``end_date`` is set); returns the request id.
        With ``keep_up_to_date`` (``end`` must be "") ``HistoricalDataUpdate``
        events follow until :meth:`cancel_historical_data`: a subscription,
        re-issued after a reconnect. Without it, one-shot."""
        args = (
            _args.text(end, "end"),
            _args.text(duration, "duration"),
            _args.text(bar_size, "bar_size"),
            _args.text(what_to_show, "what_to_show"),
            _args.flag(use_rth, "use_rth"),
            _args.integer(format_date, "format_date"),
            _args.flag(keep_up_to_date, "keep_up_to_date"),
        )
        return self._send_for_contract(lib.tws_client_req_historical_data, req_id, contract, *args)

    def cancel_historical_data(self, req_id: int) -> None:
        """cancelHistoricalData (a keep-up-to-date request is forgotten)."""
        self._invoke(lib.tws_client_cancel_historical_data, _args.integer(req_id, "req_id"))

    def req_head_timestamp(
        self,
        contract: ContractArg,
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        format_date: int = 1,
        req_id: Optional[int] = None,
    ) -> int:
        """reqHeadTimeStamp: one ``HeadTimestamp`` event; returns the request id."""
        args = (
            _args.text(what_to_show, "what_to_show"),
            _args.flag(use_rth, "use_rth"),
            _args.integer(format_date, "format_date"),
        )
        return self._send_for_contract(lib.tws_client_req_head_timestamp, req_id, contract, *args)

    def cancel_head_timestamp(self, req_id: int) -> None:
        """cancelHeadTimeStamp."""
        self._invoke(lib.tws_client_cancel_head_timestamp, _args.integer(req_id, "req_id"))

    def req_histogram_data(
        self,
        contract: ContractArg,
        time_period: str = "1 weeks",
        use_rth: bool = True,
        req_id: Optional[int] = None,
    ) -> int:
        """reqHistogramData: one ``HistogramData`` event (its ``entries``); returns the request id."""
        rth, period = _args.flag(use_rth, "use_rth"), _args.text(time_period, "time_period")
        return self._send_for_contract(lib.tws_client_req_histogram_data, req_id, contract, rth, period)

    def cancel_histogram_data(self, req_id: int) -> None:
        """cancelHistogramData."""
        self._invoke(lib.tws_client_cancel_histogram_data, _args.integer(req_id, "req_id"))

    def req_historical_ticks(
        self,
        contract: ContractArg,
        start: str = "",
        end: str = "",
        number_of_ticks: int = 1000,
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        ignore_size: bool = False,
        req_id: Optional[int] = None,
    ) -> int:
        """reqHistoricalTicks: ``HistoricalTicks`` (MIDPOINT),
        ``HistoricalTicksBidAsk`` (BID_ASK) or ``HistoricalTicksLast``
        (TRADES) batches, the last with ``done``; returns the request id."""
        args = (
            _args.text(start, "start"),
            _args.text(end, "end"),
            _args.integer(number_of_ticks, "number_of_ticks"),
            _args.text(what_to_show, "what_to_show"),
            _args.flag(use_rth, "use_rth"),
            _args.flag(ignore_size, "ignore_size"),
        )
        return self._send_for_contract(lib.tws_client_req_historical_ticks, req_id, contract, *args)

    def cancel_historical_ticks(self, req_id: int) -> None:
        """cancelHistoricalTicks (server 215+; :class:`tws.NotSupported` before)."""
        self._invoke(lib.tws_client_cancel_historical_ticks, _args.integer(req_id, "req_id"))

    # ---- blocking calls -----------------------------------------------------------------
    def historical_bars(
        self,
        contract: ContractArg,
        end: str = "",
        duration: str = "1 D",
        bar_size: str = "1 hour",
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        timeout: float = 30.0,
    ) -> List[Any]:
        """Every bar of the request up to its end marker, as :class:`tws.Bar`
        (``date`` as sent; :func:`tws.bar_time` reads it), at most
        ``timeout`` seconds including the pacing wait. Raises
        :class:`tws.RequestFailed` (TWS refused it: ``tws_code``),
        :class:`tws.Timeout`, :class:`tws.NotConnected`."""
        args = (
            _args.text(end, "end"),
            _args.text(duration, "duration"),
            _args.text(bar_size, "bar_size"),
            _args.text(what_to_show, "what_to_show"),
            _args.flag(use_rth, "use_rth"),
            _args.milliseconds(timeout, "timeout"),
        )
        with _ContractHandle(contract) as c:
            message = self._blocking(lib.tws_client_historical_bars, c, *args)[0]
        return list(message.bars)

    def bars_df(
        self,
        contract: ContractArg,
        end: str = "",
        duration: str = "1 D",
        bar_size: str = "1 hour",
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        timeout: float = 30.0,
    ) -> Any:
        """:meth:`historical_bars` as a pandas DataFrame (:func:`tws.bars_df`)."""
        return bars_df(self.historical_bars(contract, end, duration, bar_size, what_to_show, use_rth, timeout))

    def head_timestamp(
        self, contract: ContractArg, what_to_show: str = "TRADES", use_rth: bool = True, timeout: float = 10.0
    ) -> str:
        """The earliest data of ``what_to_show`` for ``contract``, as TWS sent
        it ("yyyymmdd-hh:mm:ss", UTC; :func:`tws.parse_time` reads it)."""
        what, rth = _args.text(what_to_show, "what_to_show"), _args.flag(use_rth, "use_rth")
        c_timeout = _args.milliseconds(timeout, "timeout")
        with _ContractHandle(contract) as c:
            message = self._blocking(lib.tws_client_head_timestamp, c, what, rth, c_timeout)[0]
        return str(message.head_timestamp)

    def histogram(
        self, contract: ContractArg, time_period: str = "1 weeks", use_rth: bool = True, timeout: float = 10.0
    ) -> List[Any]:
        """The histogram of ``contract``: :class:`tws.HistogramEntry` (``price``, ``size``)."""
        rth, period = _args.flag(use_rth, "use_rth"), _args.text(time_period, "time_period")
        c_timeout = _args.milliseconds(timeout, "timeout")
        with _ContractHandle(contract) as c:
            message = self._blocking(lib.tws_client_histogram, c, rth, period, c_timeout)[0]
        return list(message.entries)

    def historical_ticks(
        self,
        contract: ContractArg,
        start: str = "",
        end: str = "",
        number_of_ticks: int = 1000,
        what_to_show: str = "TRADES",
        use_rth: bool = True,
        ignore_size: bool = False,
        timeout: float = 10.0,
    ) -> List[Any]:
        """Every tick up to the batch marked done: :class:`tws.HistoricalTickLast`
        (TRADES), :class:`tws.HistoricalTickBidAsk` (BID_ASK) or
        :class:`tws.HistoricalTick` (MIDPOINT)."""
        args = (
            _args.text(start, "start"),
            _args.text(end, "end"),
            _args.integer(number_of_ticks, "number_of_ticks"),
            _args.text(what_to_show, "what_to_show"),
            _args.flag(use_rth, "use_rth"),
            _args.flag(ignore_size, "ignore_size"),
            _args.milliseconds(timeout, "timeout"),
        )
        with _ContractHandle(contract) as c:
            message = self._blocking(lib.tws_client_historical_ticks, c, *args)[0]
        return list(message.ticks)

    def historical_schedule(
        self, contract: ContractArg, end: str = "", duration: str = "1 W", use_rth: bool = True, timeout: float = 10.0
    ) -> Any:
        """The ``HistoricalSchedule`` of ``contract`` (``time_zone``, ``sessions``; server 165+)."""
        args = (
            _args.text(end, "end"),
            _args.text(duration, "duration"),
            _args.flag(use_rth, "use_rth"),
            _args.milliseconds(timeout, "timeout"),
        )
        with _ContractHandle(contract) as c:
            return self._blocking(lib.tws_client_historical_schedule, c, *args)[0]

    def stat(self, name: str) -> int:
        """Any counter of the client by name (``tws_client_stat``), including
        those :meth:`stats` has no field for: "history_paced",
        "history_pacing_wait_ms", "ticks_conflated", ..."""
        out = ctypes.c_uint64()
        self._invoke(lib.tws_client_stat, _args.text(name, "name"), ctypes.byref(out))
        return out.value
