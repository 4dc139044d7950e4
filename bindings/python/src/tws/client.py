"""The :class:`Client`: one session with TWS or IB Gateway."""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from os import PathLike
from typing import Callable, Iterable, Iterator, List, Optional, Union

from . import _ffi
from .errors import check
from .events import (
    AccountSnapshot,
    AccountSummaryRow,
    AccountValue,
    ConnectionState,
    Event,
    Position,
    Stats,
    contract,
    from_c,
    portfolio_value,
    quantity,
)

lib = _ffi.lib

#: Every real account-summary tag, comma-separated (``tws_all_account_summary_tags``).
ALL_TAGS: str = _ffi.text(lib.tws_all_account_summary_tags())

#: Longest single wait handed to libtws, so Ctrl-C is noticed between waits.
_SLICE_S = 0.25


def _ms(seconds: float) -> int:
    """Seconds as a C timeout in milliseconds (clamped to the uint32 range)."""
    if seconds < 0:
        raise ValueError("a timeout cannot be negative")
    return min(int(seconds * 1000), 0xFFFFFFFF)


def _tags(tags: Union[str, Iterable[str], None]) -> str:
    if tags is None:
        return ALL_TAGS
    if isinstance(tags, str):
        return tags
    return ",".join(tags)


class Client:
    """A client of TWS or IB Gateway, built on libtws.

    Use it as a context manager; leaving the block disconnects and frees it::

        with tws.Client() as client:
            client.connect("127.0.0.1", 7497, client_id=0, timeout=10)
            for row in client.account_summary():
                print(row.account, row.tag, row.value, row.currency)

    Events arrive either by polling (:meth:`poll`, :meth:`events`) or by a
    callback (:meth:`set_callback`), not both. Requests may be sent from any
    thread. Events are copied into dataclasses, so they stay valid forever.

    Options (all optional): ``min_version``/``max_version`` (protocol versions
    advertised, default 100..226), ``connect_options`` (e.g. ``"+PACEAPI"``),
    ``optional_capabilities``, ``queue_capacity`` (events held before the
    reader applies backpressure), ``max_frame_length``, ``trace_file`` (append
    one line per message in and out to this file), ``reconnect`` and its
    ``reconnect_*`` settings (after a session was established, a lost
    connection is re-established with exponential backoff and live
    subscriptions are re-issued; delays in seconds, ``reconnect_max_attempts``
    0 = unlimited), ``max_messages_per_second`` (outgoing pacing, default 50).
    """

    def __init__(
        self,
        *,
        min_version: Optional[int] = None,
        max_version: Optional[int] = None,
        connect_options: Optional[str] = None,
        optional_capabilities: Optional[str] = None,
        queue_capacity: Optional[int] = None,
        max_frame_length: Optional[int] = None,
        trace_file: Union[str, "PathLike[str]", None] = None,
        reconnect: bool = True,
        reconnect_initial_delay: float = 1.0,
        reconnect_max_delay: float = 30.0,
        reconnect_jitter_percent: int = 20,
        reconnect_max_attempts: int = 0,
        max_messages_per_second: Optional[int] = None,
    ) -> None:
        self._handle: Optional[int] = None
        self._callback = None  # keeps the ctypes trampoline alive while libtws may call it
        self._poll_lock = threading.Lock()
        self._dispatch_thread: Optional[int] = None  # the libtws thread that runs the callback
        self._event = _ffi.tws_event()
        options = ctypes.c_void_p()
        check(lib.tws_options_new(ctypes.byref(options)))
        try:
            if min_version is not None or max_version is not None:
                check(
                    lib.tws_options_set_version_range(
                        options, min_version if min_version is not None else 100,
                        max_version if max_version is not None else 226,
                    )
                )
            if connect_options is not None:
                check(lib.tws_options_set_connect_options(options, _ffi.arg(connect_options, "connect_options")))
            if optional_capabilities is not None:
                check(
                    lib.tws_options_set_optional_capabilities(
                        options, _ffi.arg(optional_capabilities, "optional_capabilities")
                    )
                )
            if queue_capacity is not None:
                check(lib.tws_options_set_queue_capacity(options, queue_capacity))
            if max_frame_length is not None:
                check(lib.tws_options_set_max_frame_length(options, max_frame_length))
            check(
                lib.tws_options_set_reconnect(
                    options,
                    1 if reconnect else 0,
                    _ms(reconnect_initial_delay),
                    _ms(reconnect_max_delay),
                    reconnect_jitter_percent,
                    reconnect_max_attempts,
                )
            )
            if max_messages_per_second is not None:
                check(lib.tws_options_set_pacing(options, max_messages_per_second))
            if trace_file is not None:
                path = str(trace_file)
                check(lib.tws_options_set_trace_file(options, _ffi.arg(path, "trace_file")))
            handle = ctypes.c_void_p()
            check(lib.tws_client_new(options, ctypes.byref(handle)))
            self._handle = handle.value
        finally:
            lib.tws_options_free(options)

    # ---- lifetime ---------------------------------------------------------

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnects, stops libtws's threads for this client and frees it.

        Idempotent. When it returns, the callback (if any) runs no more.
        Raises :class:`tws.Reentrant` when called from the client's own callback.
        """
        if self._handle is None:
            return
        if threading.get_ident() == self._dispatch_thread:
            # Refused here, before libtws: another thread may be closing the
            # client at this very moment (and waiting for this callback).
            from .errors import Reentrant

            raise Reentrant(-22, "close() called from the client's own callback; close it after the callback returns")
        check(lib.tws_client_free(self._handle))
        self._handle = None
        self._callback = None

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None and not sys.is_finalizing():
            try:
                self.close()
            except Exception:
                pass

    @property
    def _h(self) -> int:
        if self._handle is None:
            raise ValueError("the client is closed")
        return self._handle

    # ---- session ------------------------------------------------------------

    def connect(self, host: str, port: int, client_id: int, timeout: float = 10.0) -> None:
        """Connects to TWS or IB Gateway and returns once the session is ready.

        ``port``: 7497 paper TWS, 7496 live, 4002/4001 IB Gateway. Each session
        needs its own ``client_id``. Everything (TCP connect, version
        handshake, startup sequence) happens within ``timeout`` seconds.

        Raises :class:`tws.ConnectionRefused`, :class:`tws.Timeout`,
        :class:`tws.ClientIdInUse`, :class:`tws.NoCommonVersion`,
        :class:`tws.AlreadyConnected`, :class:`tws.InvalidArgument` (unknown
        host), :class:`tws.ConnectionClosed` or :class:`tws.IoError`.
        """
        check(lib.tws_client_connect(self._h, _ffi.arg(host, "host"), port, client_id, _ms(timeout)))

    def disconnect(self) -> None:
        """Closes the session. Events already queued stay pollable; a
        ``StateChanged(DISCONNECTED)`` follows them. Safe at any time."""
        check(lib.tws_client_disconnect(self._h))

    @property
    def state(self) -> Union[ConnectionState, int]:
        """The session's state now."""
        out = ctypes.c_int32()
        check(lib.tws_client_state(self._h, ctypes.byref(out)))
        try:
            return ConnectionState(out.value)
        except ValueError:
            return out.value

    @property
    def is_connected(self) -> bool:
        """True while the session is up and ready."""
        return self.state == ConnectionState.CONNECTED

    @property
    def server_version(self) -> int:
        """The negotiated server version. Raises :class:`tws.NotConnected` before the first connect."""
        out = ctypes.c_int32()
        check(lib.tws_client_server_version(self._h, ctypes.byref(out)))
        return out.value

    def next_request_id(self) -> int:
        """A fresh request id (0, 1, 2, ... per client)."""
        out = ctypes.c_int32()
        check(lib.tws_client_next_request_id(self._h, ctypes.byref(out)))
        return out.value

    def next_order_id(self) -> int:
        """The next order id (from nextValidId, counting up)."""
        out = ctypes.c_int64()
        check(lib.tws_client_next_order_id(self._h, ctypes.byref(out)))
        return out.value

    def stats(self) -> Stats:
        """The client's counters."""
        out = _ffi.tws_stats()
        check(lib.tws_client_stats(self._h, ctypes.byref(out)))
        return Stats(**{name: getattr(out, name) for name, _ in _ffi.tws_stats._fields_})

    # ---- requests -----------------------------------------------------------

    def req_ids(self, num_ids: int = 1) -> None:
        """Asks for the next valid order id (a :class:`tws.NextValidId` follows)."""
        check(lib.tws_client_req_ids(self._h, num_ids))

    def req_managed_accounts(self) -> None:
        """Asks for the managed accounts (a :class:`tws.ManagedAccounts` follows)."""
        check(lib.tws_client_req_managed_accounts(self._h))

    def req_current_time(self) -> None:
        """Asks for the server clock (a :class:`tws.CurrentTime` follows)."""
        check(lib.tws_client_req_current_time(self._h))

    def req_current_time_millis(self) -> None:
        """Asks for the server clock in ms (a :class:`tws.CurrentTimeMillis` follows; server 197+)."""
        check(lib.tws_client_req_current_time_millis(self._h))

    def req_account_summary(
        self,
        group: str = "All",
        tags: Union[str, Iterable[str], None] = None,
        req_id: Optional[int] = None,
    ) -> int:
        """Subscribes to the account summary and returns the request id.

        Rows arrive as :class:`tws.AccountSummary` events, then an
        :class:`tws.AccountSummaryEnd`, then updates until
        :meth:`cancel_account_summary`. ``tags`` defaults to every tag; it
        may also be ``"$LEDGER"``, ``"$LEDGER:ALL"`` or ``"$LEDGER:EUR"``.
        TWS allows two such subscriptions at once.
        """
        rid = self.next_request_id() if req_id is None else req_id
        check(
            lib.tws_client_req_account_summary(
                self._h, rid, _ffi.arg(group, "group"), _ffi.arg(_tags(tags), "tags")
            )
        )
        return rid

    def cancel_account_summary(self, req_id: int) -> None:
        """Ends the account-summary subscription ``req_id``."""
        check(lib.tws_client_cancel_account_summary(self._h, req_id))

    def account_summary(
        self,
        group: str = "All",
        tags: Union[str, Iterable[str], None] = None,
        timeout: float = 10.0,
    ) -> List[AccountSummaryRow]:
        """Requests the account summary and returns every row up to the end
        marker (then cancels the subscription). Its rows do not appear as events.

        Raises :class:`tws.Timeout` when the end marker does not come within
        ``timeout`` seconds, :class:`tws.RequestFailed` when TWS refuses
        (e.g. error 322: too many subscriptions), :class:`tws.NotConnected`.
        """
        rows = ctypes.POINTER(_ffi.tws_account_summary_row)()
        count = ctypes.c_size_t()
        check(
            lib.tws_client_account_summary(
                self._h,
                _ffi.arg(group, "group"),
                _ffi.arg(_tags(tags), "tags"),
                _ms(timeout),
                ctypes.byref(rows),
                ctypes.byref(count),
            )
        )
        try:
            s = _ffi.text
            return [
                AccountSummaryRow(s(r.account), s(r.tag), s(r.value), s(r.currency))
                for r in (rows[i] for i in range(count.value))
            ]
        finally:
            lib.tws_account_summary_rows_free(rows, count)

    # ---- account data: positions, account updates, *Multi, PnL ------------------

    def req_positions(self) -> None:
        """Subscribes to every position of every account: :class:`tws.Position`
        events, then :class:`tws.PositionEnd`, then changes until
        :meth:`cancel_positions`. Re-issued after a reconnect."""
        check(lib.tws_client_req_positions(self._h))

    def cancel_positions(self) -> None:
        """Ends the positions subscription."""
        check(lib.tws_client_cancel_positions(self._h))

    def req_account_updates(self, account: str) -> None:
        """Subscribes to ``account``'s values (:class:`tws.AccountValue`),
        holdings (:class:`tws.PortfolioValue`) and update time
        (:class:`tws.AccountUpdateTime`), then :class:`tws.AccountDownloadEnd`,
        then changes. TWS keeps one such subscription per client: a new one
        replaces the old. An unknown account gets an :class:`tws.ErrorMessage`
        with code 321 and ``req_id`` -1."""
        check(lib.tws_client_req_account_updates(self._h, _ffi.arg(account, "account")))

    def cancel_account_updates(self, account: str) -> None:
        """Ends the account-updates subscription of ``account``."""
        check(lib.tws_client_cancel_account_updates(self._h, _ffi.arg(account, "account")))

    def req_positions_multi(
        self, account: str = "", model_code: str = "", req_id: Optional[int] = None
    ) -> int:
        """Subscribes to the positions of ``account`` (``""`` or ``"All"``: every
        account) and/or ``model_code``; returns the request id. Rows arrive as
        :class:`tws.PositionMulti`, then :class:`tws.PositionMultiEnd`. An
        unknown account gets error 321 with this request id. Server 103+."""
        rid = self.next_request_id() if req_id is None else req_id
        check(
            lib.tws_client_req_positions_multi(
                self._h, rid, _ffi.arg(account, "account"), _ffi.arg(model_code, "model_code")
            )
        )
        return rid

    def cancel_positions_multi(self, req_id: int) -> None:
        """Ends the positions-multi subscription ``req_id``."""
        check(lib.tws_client_cancel_positions_multi(self._h, req_id))

    def req_account_updates_multi(
        self,
        account: str = "",
        model_code: str = "",
        ledger_and_nlv: bool = False,
        req_id: Optional[int] = None,
    ) -> int:
        """Subscribes to the values of ``account`` and/or ``model_code``; returns
        the request id. Values arrive as :class:`tws.AccountUpdateMulti`, then
        :class:`tws.AccountUpdateMultiEnd`. ``ledger_and_nlv`` keeps only the
        ledger and net-liquidation values. Unknown account: error 321. Server 103+."""
        rid = self.next_request_id() if req_id is None else req_id
        check(
            lib.tws_client_req_account_updates_multi(
                self._h,
                rid,
                _ffi.arg(account, "account"),
                _ffi.arg(model_code, "model_code"),
                1 if ledger_and_nlv else 0,
            )
        )
        return rid

    def cancel_account_updates_multi(self, req_id: int) -> None:
        """Ends the account-updates-multi subscription ``req_id``."""
        check(lib.tws_client_cancel_account_updates_multi(self._h, req_id))

    def req_pnl(self, account: str, model_code: str = "", req_id: Optional[int] = None) -> int:
        """Subscribes to the PnL of ``account`` and/or ``model_code``
        (:class:`tws.PnL` events until :meth:`cancel_pnl`); returns the request
        id. Unknown account: error 321 with this request id. Server 127+."""
        rid = self.next_request_id() if req_id is None else req_id
        check(lib.tws_client_req_pnl(self._h, rid, _ffi.arg(account, "account"), _ffi.arg(model_code, "model_code")))
        return rid

    def cancel_pnl(self, req_id: int) -> None:
        """Ends the PnL subscription ``req_id``."""
        check(lib.tws_client_cancel_pnl(self._h, req_id))

    def req_pnl_single(
        self, account: str, con_id: int, model_code: str = "", req_id: Optional[int] = None
    ) -> int:
        """Subscribes to the PnL of the position in contract ``con_id`` of
        ``account`` and/or ``model_code`` (:class:`tws.PnLSingle` events until
        :meth:`cancel_pnl_single`); returns the request id. Server 127+."""
        rid = self.next_request_id() if req_id is None else req_id
        check(
            lib.tws_client_req_pnl_single(
                self._h, rid, _ffi.arg(account, "account"), _ffi.arg(model_code, "model_code"), con_id
            )
        )
        return rid

    def cancel_pnl_single(self, req_id: int) -> None:
        """Ends the PnL-single subscription ``req_id``."""
        check(lib.tws_client_cancel_pnl_single(self._h, req_id))

    def positions(self, timeout: float = 10.0) -> List[Position]:
        """Every position of every account, complete up to positionEnd.

        While it waits, position events go to it (not to :meth:`poll` or the
        callback); one such call at a time per client. A live
        :meth:`req_positions` subscription stays live.

        Raises :class:`tws.Timeout` when positionEnd does not come within
        ``timeout`` seconds, :class:`tws.NotConnected`.
        """
        rows = ctypes.POINTER(_ffi.tws_position_row)()
        count = ctypes.c_size_t()
        check(lib.tws_client_positions(self._h, _ms(timeout), ctypes.byref(rows), ctypes.byref(count)))
        try:
            s = _ffi.text
            return [
                Position(s(r.account), contract(r.contract), quantity(r.position), r.avg_cost)
                for r in (rows[i] for i in range(count.value))
            ]
        finally:
            lib.tws_position_rows_free(rows, count)

    def account_updates(self, account: str, timeout: float = 10.0) -> AccountSnapshot:
        """``account``'s values and portfolio, complete up to accountDownloadEnd.

        Subscribes, waits, then unsubscribes (or re-issues a live
        :meth:`req_account_updates` subscription, since TWS keeps one at a
        time). While it waits, account-update events go to it; one such call
        at a time per client.

        Raises :class:`tws.RequestFailed` for an unknown account (TWS error
        321, in the exception's ``detail``), :class:`tws.Timeout`,
        :class:`tws.NotConnected`.
        """
        snap = ctypes.POINTER(_ffi.tws_account_snapshot)()
        check(lib.tws_client_account_updates(self._h, _ffi.arg(account, "account"), _ms(timeout), ctypes.byref(snap)))
        try:
            s, c = _ffi.text, snap.contents
            name = s(c.account)
            return AccountSnapshot(
                name,
                s(c.time),
                [
                    AccountValue(s(v.key), s(v.value), s(v.currency), name)
                    for v in (c.values[i] for i in range(c.value_count))
                ],
                [portfolio_value(p, name) for p in (c.portfolio[i] for i in range(c.portfolio_count))],
            )
        finally:
            lib.tws_account_snapshot_free(snap)

    # ---- delivery -----------------------------------------------------------

    def poll(self, timeout: float = 0.0) -> Optional[Event]:
        """The next event, waiting up to ``timeout`` seconds; ``None`` if none came.

        Raises :class:`tws.WrongMode` while a callback is set.
        """
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            wait = min(left, _SLICE_S)
            with self._poll_lock:  # the C event borrows from the client until the next poll
                rc = check(lib.tws_client_poll(self._h, _ms(wait), ctypes.byref(self._event)))
                if rc == 0:
                    return from_c(self._event)
            if left <= wait:
                return None

    def events(self, timeout: Optional[float] = None) -> Iterator[Event]:
        """Yields events as they arrive; stops when none arrives for ``timeout``
        seconds (``None``: never stops by itself; break out of the loop)::

            for event in client.events(timeout=30):
                if isinstance(event, tws.AccountSummaryEnd):
                    break
        """
        while True:
            event = self.poll(_SLICE_S * 4 if timeout is None else timeout)
            if event is not None:
                yield event
            elif timeout is not None:
                return

    def fileno(self) -> int:
        """A descriptor that is readable while events wait (for ``select``/``selectors``).

        Owned by the client: do not read or close it. Then call ``poll(0)``
        until it returns ``None``.
        """
        out = ctypes.c_int()
        check(lib.tws_client_event_fd(self._h, ctypes.byref(out)))
        return out.value

    def set_callback(self, callback: Optional[Callable[[Event], None]]) -> None:
        """Delivers every later event to ``callback(event)`` on one thread that
        libtws owns, in arrival order; ``None`` returns to polling.

        Replaces a previous callback after its current call returns. An
        exception raised by the callback is reported through
        ``sys.unraisablehook`` and delivery goes on. From inside the
        callback, :meth:`disconnect` works; :meth:`close` and
        :meth:`set_callback` raise :class:`tws.Reentrant`.
        """
        if callback is None:
            check(lib.tws_client_set_callback(self._h, _ffi.EVENT_CALLBACK(), None, _ffi.USER_DATA_FREE()))
            self._callback = None
            return

        def trampoline(event_p, _user_data) -> None:
            self._dispatch_thread = threading.get_ident()
            try:
                callback(from_c(event_p.contents))
            except BaseException as e:  # nothing may unwind into libtws
                sys.unraisablehook(_Unraisable(e, callback))

        c_callback = _ffi.EVENT_CALLBACK(trampoline)
        check(lib.tws_client_set_callback(self._h, c_callback, None, _ffi.USER_DATA_FREE()))
        # libtws waited out the previous callback: it is safe to drop now.
        self._callback = c_callback


class _Unraisable:
    """The argument ``sys.unraisablehook`` expects."""

    def __init__(self, e: BaseException, obj: object) -> None:
        self.exc_type = type(e)
        self.exc_value = e
        self.exc_traceback = e.__traceback__
        self.err_msg = "Exception in tws callback"
        self.object = obj
