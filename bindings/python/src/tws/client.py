"""The :class:`Client`: one session with TWS or IB Gateway."""

from __future__ import annotations

import atexit
import ctypes
import sys
import threading
import time
import weakref
from os import PathLike
from typing import Any, Callable, Iterable, Iterator, List, Optional, Set, Union

from .record import Record
from .history import HistoryMixin, HistoryPacing, apply_pacing
from .market import MarketMixin
from .orders import OrdersMixin
from .order_view import OrderViewMixin
from .rest import RestMixin
from .batch import BatchMixin
from . import _args, _ffi
from .errors import ClientClosed, NotConnected, Reentrant, TwsError, check, error_for, report_callback_error
from ._enums import ConnectionState
from .events import (
    AccountSnapshot,
    AccountSummaryRow,
    AccountValue,
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

#: Longest single wait handed to libtws, so Ctrl-C and close() are noticed between waits.
_SLICE_S = 0.25

_NOT_CONNECTED = -15
#: libtws's default dead-peer detection (``tws_options_set_liveness``), for
#: when only one of ``liveness_idle``/``liveness_timeout`` is given.
_LIVENESS_IDLE_MS, _LIVENESS_TIMEOUT_MS = 20_000, 10_000


def _tags(tags: Union[str, Iterable[str], None]) -> bytes:
    if tags is None:
        return ALL_TAGS.encode()
    return _args.text_list(tags, "tags")


def _req_id(client: "Client", req_id: Optional[int]) -> int:
    return client.next_request_id() if req_id is None else _args.integer(req_id, "req_id")


class _Delivery:
    """What the event trampoline knows of its client: no reference to the
    client itself (a cycle would let the collector free the client, and
    formerly the thunk, on the dispatch thread)."""

    __slots__ = ("inside",)

    def __init__(self) -> None:
        self.inside: Optional[int] = None  # the thread running the callback now


def _on_event(event_p: Any, user_data: Optional[int]) -> None:
    """The one C event callback of every client; ``user_data`` is a registry token."""
    try:
        entry = _ffi.lookup(user_data)
        if entry is None:
            return
        callback, delivery = entry
        delivery.inside = threading.get_ident()
        try:
            callback(from_c(event_p.contents))
        except BaseException as e:  # nothing may unwind into libtws
            report_callback_error(e, callback)
        finally:
            delivery.inside = None
    except BaseException:
        pass


_EVENT_THUNK = _ffi.EVENT_CALLBACK(_on_event)

#: Every client not yet closed, closed at interpreter exit.
_live: "weakref.WeakSet[Client]" = weakref.WeakSet()
#: Frees handed to another thread (a client collected on its own dispatch thread).
_pending: Set[threading.Thread] = set()


def _free_later(handle: int) -> None:
    try:
        lib.tws_client_disconnect(handle)
        lib.tws_client_free(handle)  # waits for the callback that dropped the client
    finally:
        _pending.discard(threading.current_thread())


def _close_all_at_exit() -> None:
    """atexit: libtws threads must not call into a finalizing interpreter."""
    for client in list(_live):
        try:
            client._close(detach=True, wait_s=5.0)
        except BaseException:
            pass
    for t in list(_pending):
        t.join(5.0)


atexit.register(_close_all_at_exit)


class Client(MarketMixin, HistoryMixin, OrdersMixin, OrderViewMixin, RestMixin, BatchMixin):
    """A client of TWS or IB Gateway, built on libtws.

    Use it as a context manager; leaving the block disconnects and frees it::

        with tws.Client() as client:
            client.connect("127.0.0.1", 7497, client_id=0, timeout=10)
            for row in client.account_summary():
                print(row.account, row.tag, row.value, row.currency)

    Events arrive either by polling (:meth:`poll`, :meth:`events`) or by a
    callback (:meth:`set_callback`), not both. Requests may be sent from any
    thread, and :meth:`close` may be called from any thread at any time (see
    there). Events are copied into dataclasses, so they stay valid forever.
    Wrong argument types raise ``TypeError`` naming the argument; a string
    with a NUL raises :class:`tws.InvalidCharacter` before anything is sent.

    Options (all optional): ``min_version``/``max_version`` (protocol versions
    advertised, default 100..226), ``connect_options`` (e.g. ``"+PACEAPI"``),
    ``optional_capabilities``, ``queue_capacity`` (events held before the
    reader applies backpressure), ``max_frame_length``, ``trace_file`` (append
    one line per message in and out to this file), ``reconnect`` and its
    ``reconnect_*`` settings (after a session was established, a lost
    connection is re-established with exponential backoff and live
    subscriptions are re-issued; delays in seconds, ``reconnect_max_attempts``
    0 = unlimited), ``max_messages_per_second`` (outgoing pacing, default 50),
    ``liveness_idle``/``liveness_timeout`` (dead-peer detection, in seconds,
    default 20 and 10: after ``liveness_idle`` seconds without a byte from
    TWS a reqCurrentTime probe is sent, and if nothing arrives within
    ``liveness_timeout`` more the connection is lost with a
    ``StateChanged(CONNECTION_LOST)`` whose reason says "dead-peer probe
    unanswered", then the normal reconnect; ``liveness_idle=0`` turns it off;
    otherwise each must be 0.01..3600), ``queue_max_bytes`` (the most event
    data the queue holds, default 64 MiB, besides ``queue_capacity``; one
    event always enters an empty queue; 0 is refused), ``order_view_capacity``
    (finished orders :meth:`order` keeps, default 10000), ``history_pacing``
    (historical-data pacing, on by default with TWS's rules: ``False`` turns
    it off, a :class:`tws.HistoryPacing` sets other rules), ``conflate_ticks``
    (default on: while the queue is full, ticks the quote view holds are
    folded into it instead of waiting; off, every tick waits for room),
    ``busy_poll`` (low-latency mode, default off: a waiting :meth:`poll` and
    the callback's thread spin instead of sleeping, for a core kept busy),
    ``callbacks_on_reader`` (default off: while a callback is set, the reader
    thread calls it with each message, no queue in between; with
    ``busy_poll`` the reader also spins on the socket. In such a callback,
    calls that wait for TWS's answer raise :class:`tws.Reentrant`, and a slow
    callback holds up the socket). ``None`` leaves an
    option at its default. An out-of-range value raises
    :class:`tws.InvalidArgument`.
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
        liveness_idle: Optional[float] = None,
        liveness_timeout: Optional[float] = None,
        queue_max_bytes: Optional[int] = None,
        order_view_capacity: Optional[int] = None,
        history_pacing: Union[bool, HistoryPacing, None] = None,
        conflate_ticks: Optional[bool] = None,
        busy_poll: Optional[bool] = None,
        callbacks_on_reader: Optional[bool] = None,
    ) -> None:
        self._handle: Optional[int] = None
        self._cond = threading.Condition(threading.Lock())  # guards _handle, _closing and _calls
        self._closing = False
        self._calls = 0  # calls into libtws in progress on this client
        self._delivery = _Delivery()
        self._poll_lock = threading.Lock()
        self._event = _ffi.tws_event()
        self._event_ref = ctypes.byref(self._event)
        # Every argument is checked before anything is created.
        versions = None
        if min_version is not None or max_version is not None:
            versions = (
                _args.integer(100 if min_version is None else min_version, "min_version"),
                _args.integer(226 if max_version is None else max_version, "max_version"),
            )
        c_connect_options = None if connect_options is None else _args.text(connect_options, "connect_options")
        c_capabilities = (
            None if optional_capabilities is None else _args.text(optional_capabilities, "optional_capabilities")
        )
        c_queue = None if queue_capacity is None else _args.integer(queue_capacity, "queue_capacity", _args.UINT32)
        c_frame = None if max_frame_length is None else _args.integer(max_frame_length, "max_frame_length", _args.UINT32)
        c_reconnect = (
            _args.flag(reconnect, "reconnect"),
            _args.milliseconds(reconnect_initial_delay, "reconnect_initial_delay"),
            _args.milliseconds(reconnect_max_delay, "reconnect_max_delay"),
            _args.integer(reconnect_jitter_percent, "reconnect_jitter_percent", _args.UINT32),
            _args.integer(reconnect_max_attempts, "reconnect_max_attempts", _args.UINT32),
        )
        c_pacing = (
            None
            if max_messages_per_second is None
            else _args.integer(max_messages_per_second, "max_messages_per_second", _args.UINT32)
        )
        c_trace = None if trace_file is None else _args.path(trace_file, "trace_file")
        c_liveness = None
        if liveness_idle is not None or liveness_timeout is not None:
            c_liveness = (
                _LIVENESS_IDLE_MS if liveness_idle is None else _args.milliseconds(liveness_idle, "liveness_idle"),
                _LIVENESS_TIMEOUT_MS
                if liveness_timeout is None
                else _args.milliseconds(liveness_timeout, "liveness_timeout"),
            )
        c_queue_bytes = (
            None if queue_max_bytes is None else _args.integer(queue_max_bytes, "queue_max_bytes", _args.UINT64)
        )
        c_order_view = (
            None
            if order_view_capacity is None
            else _args.integer(order_view_capacity, "order_view_capacity", _args.UINT32)
        )
        c_conflate = None if conflate_ticks is None else _args.flag(conflate_ticks, "conflate_ticks")
        c_busy = None if busy_poll is None else _args.flag(busy_poll, "busy_poll")
        c_on_reader = None if callbacks_on_reader is None else _args.flag(callbacks_on_reader, "callbacks_on_reader")
        options = ctypes.c_void_p()
        check(lib.tws_options_new(ctypes.byref(options)))
        try:
            if versions is not None:
                check(lib.tws_options_set_version_range(options, *versions))
            if c_connect_options is not None:
                check(lib.tws_options_set_connect_options(options, c_connect_options))
            if c_capabilities is not None:
                check(lib.tws_options_set_optional_capabilities(options, c_capabilities))
            if c_queue is not None:
                check(lib.tws_options_set_queue_capacity(options, c_queue))
            if c_frame is not None:
                check(lib.tws_options_set_max_frame_length(options, c_frame))
            check(lib.tws_options_set_reconnect(options, *c_reconnect))
            if c_pacing is not None:
                check(lib.tws_options_set_pacing(options, c_pacing))
            if c_trace is not None:
                check(lib.tws_options_set_trace_file(options, c_trace))
            if c_liveness is not None:
                check(lib.tws_options_set_liveness(options, *c_liveness))
            if c_queue_bytes is not None:
                check(lib.tws_options_set_queue_max_bytes(options, c_queue_bytes))
            if c_order_view is not None:
                check(lib.tws_options_set_order_view_capacity(options, c_order_view))
            if history_pacing is not None:
                apply_pacing(options, history_pacing)
            if c_conflate is not None:
                check(lib.tws_options_set_conflate_ticks(options, c_conflate))
            if c_busy is not None:
                check(lib.tws_options_set_busy_poll(options, c_busy))
            if c_on_reader is not None:
                check(lib.tws_options_set_callbacks_on_reader(options, c_on_reader))
            handle = ctypes.c_void_p()
            check(lib.tws_client_new(options, ctypes.byref(handle)))
            self._handle = handle.value
            _live.add(self)
        finally:
            lib.tws_options_free(options)

    # ---- lifetime ---------------------------------------------------------

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Disconnects, stops libtws's threads for this client and frees it.

        Safe from any thread, at any time, and idempotent. Calls in progress
        on other threads are cut short first: a blocking request or
        :meth:`connect` is woken by the disconnect and raises
        :class:`tws.ClientClosed`, :meth:`poll` returns within its 0.25 s
        slice (or at once with the ``StateChanged(DISCONNECTED)`` event);
        ``close`` waits for them to leave libtws, then frees the client. When
        it returns, the callback (if any) runs no more, and every later call
        raises :class:`tws.ClientClosed`. A second ``close`` while one runs
        waits for it. Raises :class:`tws.Reentrant` when called from the
        client's own callback. Live clients are closed at interpreter exit
        (callbacks detached first), so a script need not call it.
        """
        self._close()

    def _close(self, detach: bool = False, wait_s: Optional[float] = None) -> None:
        with self._cond:
            if self._handle is None:
                return
            if self._delivery.inside == threading.get_ident():
                # Refused here, before libtws: another thread may be closing the
                # client at this very moment (and waiting for this callback).
                raise Reentrant(
                    -22, "close() called from the client's own callback; close it after the callback returns"
                )
            if self._closing:  # another thread is closing it: wait for that
                self._cond.wait_for(lambda: self._handle is None, wait_s)
                return
            self._closing = True
            handle = self._handle
        if detach:  # interpreter exit: no more calls into Python from libtws
            lib.tws_client_set_callback(handle, _ffi.NO_EVENT_CALLBACK, None, _ffi.NO_FREE)
        lib.tws_client_disconnect(handle)  # wakes blocking calls and poll
        with self._cond:
            if not self._cond.wait_for(lambda: self._calls == 0, wait_s):
                return  # a call is stuck in libtws (exit only): leaking beats freeing under it
        rc = lib.tws_client_free(handle)
        if rc == -22:  # cannot happen (checked above), but never lose the client
            with self._cond:
                self._closing = False
                self._cond.notify_all()
            check(rc)
        with self._cond:
            self._handle = None
            self._cond.notify_all()
        _live.discard(self)
        check(rc)

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is None or sys.is_finalizing():
            return
        # No call is in progress (each holds a reference to the client).
        if self._delivery.inside == threading.get_ident():
            # Collected on its own dispatch thread (for example by gc.collect()
            # in the callback): libtws frees it once this callback returned.
            self._handle = None
            t = threading.Thread(target=_free_later, args=(handle,), name="tws-free", daemon=True)
            _pending.add(t)
            t.start()
            return
        try:
            self.close()
        except Exception:
            pass

    # Every call into libtws runs between _enter() and _leave(): close() waits
    # for the count of calls in progress to drop to 0 before it frees.

    def _enter(self) -> int:
        """Counts a call in progress and returns the handle; ClientClosed once closing."""
        with self._cond:
            if self._closing or self._handle is None:
                raise ClientClosed(_NOT_CONNECTED, "the client is closed")
            self._calls += 1
            return self._handle

    def _leave(self) -> None:
        with self._cond:
            self._calls -= 1
            if self._calls == 0 and self._closing:
                self._cond.notify_all()

    def _failed(self, code: int) -> TwsError:
        """The exception for a failed call: ClientClosed if close() cut it short."""
        e = error_for(code)
        if self._closing:
            closed = ClientClosed(_NOT_CONNECTED, f"the client was closed during the call ({e})")
            closed.__cause__ = e
            return closed
        return e

    def _invoke(self, fn: Callable[..., int], *args: object) -> int:
        """``fn(handle, *args)`` as one call in progress, its result checked."""
        handle = self._enter()
        try:
            rc = fn(handle, *args)
        finally:
            self._leave()
        if rc < 0:
            raise self._failed(rc)
        return rc

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
        c_host = _args.text(host, "host")
        c_port = _args.integer(port, "port", _args.PORT)
        c_id = _args.integer(client_id, "client_id")
        c_timeout = _args.milliseconds(timeout, "timeout")
        self._invoke(lib.tws_client_connect, c_host, c_port, c_id, c_timeout)

    def disconnect(self) -> None:
        """Closes the session. Events already queued stay pollable; a
        ``StateChanged(DISCONNECTED)`` follows them. Safe at any time."""
        self._invoke(lib.tws_client_disconnect)

    @property
    def state(self) -> Union[ConnectionState, int]:
        """The session's state now."""
        out = ctypes.c_int32()
        self._invoke(lib.tws_client_state, ctypes.byref(out))
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
        self._invoke(lib.tws_client_server_version, ctypes.byref(out))
        return out.value

    def next_request_id(self) -> int:
        """A fresh request id (0, 1, 2, ... per client)."""
        out = ctypes.c_int32()
        self._invoke(lib.tws_client_next_request_id, ctypes.byref(out))
        return out.value

    def next_order_id(self) -> int:
        """The next order id (from nextValidId, counting up)."""
        out = ctypes.c_int64()
        self._invoke(lib.tws_client_next_order_id, ctypes.byref(out))
        return out.value

    def stats(self) -> Stats:
        """The client's counters."""
        out = _ffi.tws_stats()
        self._invoke(lib.tws_client_stats, ctypes.byref(out))
        return Stats(**{f[0]: getattr(out, f[0]) for f in _ffi.tws_stats._fields_})

    # ---- requests -----------------------------------------------------------

    def req_ids(self, num_ids: int = 1) -> None:
        """Asks for the next valid order id (a :class:`tws.NextValidId` follows)."""
        self._invoke(lib.tws_client_req_ids, _args.integer(num_ids, "num_ids"))

    def req_managed_accounts(self) -> None:
        """Asks for the managed accounts (a :class:`tws.ManagedAccounts` follows)."""
        self._invoke(lib.tws_client_req_managed_accounts)

    def send(self, name: str, **fields: Any) -> None:
        """Sends any request of the catalogue by its message name, generically
        (``tws_record`` + ``tws_client_send``): the same bytes and checks as
        the typed method, e.g. ``client.send("ReqAccountSummary", req_id=3,
        group="All", tags="NetLiquidation")``. Nested records as a ``dict``
        or a :class:`tws.Record`. The request id (``req_id``) and fields the
        catalogue gives no default are required; others take their default.
        An unknown message or field, a wrong kind, a negative or reserved id
        raise :class:`tws.InvalidArgument` naming it; a NUL in a string
        :class:`tws.InvalidCharacter`. A subscribing request is
        recorded and re-issued after a reconnect, as the typed ``req_*``
        method's is, and forgotten on its cancel."""
        with Record(name, **fields) as rec:
            self.send_record(rec)

    def send_record(self, request: Record) -> None:
        """Sends a request built as a :class:`tws.Record` (see :meth:`send`)."""
        self._invoke(lib.tws_client_send, request.handle)

    def req_current_time(self) -> None:
        """Asks for the server clock (a :class:`tws.CurrentTime` follows)."""
        self._invoke(lib.tws_client_req_current_time)

    def req_current_time_millis(self) -> None:
        """Asks for the server clock in ms (a :class:`tws.CurrentTimeMillis` follows; server 197+)."""
        self._invoke(lib.tws_client_req_current_time_millis)

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
        c_group, c_tags = _args.text(group, "group"), _tags(tags)
        rid = _req_id(self, req_id)
        self._invoke(lib.tws_client_req_account_summary, rid, c_group, c_tags)
        return rid

    def cancel_account_summary(self, req_id: int) -> None:
        """Ends the account-summary subscription ``req_id``."""
        self._invoke(lib.tws_client_cancel_account_summary, _args.integer(req_id, "req_id"))

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
        rows = ctypes.c_void_p()
        c_group, c_tags = _args.text(group, "group"), _tags(tags)
        c_timeout = _args.milliseconds(timeout, "timeout")
        self._invoke(lib.tws_client_account_summary, c_group, c_tags, c_timeout, ctypes.byref(rows))
        try:
            s = _ffi.text
            at = lib.tws_account_summary_rows_at
            return [
                AccountSummaryRow(s(r.account), s(r.tag), s(r.value), s(r.currency))
                for r in (at(rows, i).contents for i in range(lib.tws_account_summary_rows_count(rows)))
            ]
        finally:
            lib.tws_account_summary_rows_free(rows)

    # ---- account data: positions, account updates, *Multi, PnL ------------------

    def req_positions(self) -> None:
        """Subscribes to every position of every account: :class:`tws.Position`
        events, then :class:`tws.PositionEnd`, then changes until
        :meth:`cancel_positions`. Re-issued after a reconnect."""
        self._invoke(lib.tws_client_req_positions)

    def cancel_positions(self) -> None:
        """Ends the positions subscription."""
        self._invoke(lib.tws_client_cancel_positions)

    def req_account_updates(self, account: str) -> None:
        """Subscribes to ``account``'s values (:class:`tws.AccountValue`),
        holdings (:class:`tws.PortfolioValue`) and update time
        (:class:`tws.AccountUpdateTime`), then :class:`tws.AccountDownloadEnd`,
        then changes. TWS keeps one such subscription per client: a new one
        replaces the old. An unknown account gets an :class:`tws.ErrorMessage`
        with code 321 and ``req_id`` -1."""
        self._invoke(lib.tws_client_req_account_updates, _args.text(account, "account"))

    def cancel_account_updates(self, account: str) -> None:
        """Ends the account-updates subscription of ``account``."""
        self._invoke(lib.tws_client_cancel_account_updates, _args.text(account, "account"))

    def req_positions_multi(
        self, account: str = "", model_code: str = "", req_id: Optional[int] = None
    ) -> int:
        """Subscribes to the positions of ``account`` (``""`` or ``"All"``: every
        account) and/or ``model_code``; returns the request id. Rows arrive as
        :class:`tws.PositionMulti`, then :class:`tws.PositionMultiEnd`. An
        unknown account gets error 321 with this request id. Server 103+."""
        c_account, c_model = _args.text(account, "account"), _args.text(model_code, "model_code")
        rid = _req_id(self, req_id)
        self._invoke(lib.tws_client_req_positions_multi, rid, c_account, c_model)
        return rid

    def cancel_positions_multi(self, req_id: int) -> None:
        """Ends the positions-multi subscription ``req_id``."""
        self._invoke(lib.tws_client_cancel_positions_multi, _args.integer(req_id, "req_id"))

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
        c_account, c_model = _args.text(account, "account"), _args.text(model_code, "model_code")
        c_ledger = _args.flag(ledger_and_nlv, "ledger_and_nlv")
        rid = _req_id(self, req_id)
        self._invoke(lib.tws_client_req_account_updates_multi, rid, c_account, c_model, c_ledger)
        return rid

    def cancel_account_updates_multi(self, req_id: int) -> None:
        """Ends the account-updates-multi subscription ``req_id``."""
        self._invoke(lib.tws_client_cancel_account_updates_multi, _args.integer(req_id, "req_id"))

    def req_pnl(self, account: str, model_code: str = "", req_id: Optional[int] = None) -> int:
        """Subscribes to the PnL of ``account`` and/or ``model_code``
        (:class:`tws.PnL` events until :meth:`cancel_pnl`); returns the request
        id. Unknown account: error 321 with this request id. Server 127+."""
        c_account, c_model = _args.text(account, "account"), _args.text(model_code, "model_code")
        rid = _req_id(self, req_id)
        self._invoke(lib.tws_client_req_pnl, rid, c_account, c_model)
        return rid

    def cancel_pnl(self, req_id: int) -> None:
        """Ends the PnL subscription ``req_id``."""
        self._invoke(lib.tws_client_cancel_pnl, _args.integer(req_id, "req_id"))

    def req_pnl_single(
        self, account: str, con_id: int, model_code: str = "", req_id: Optional[int] = None
    ) -> int:
        """Subscribes to the PnL of the position in contract ``con_id`` of
        ``account`` and/or ``model_code`` (:class:`tws.PnLSingle` events until
        :meth:`cancel_pnl_single`); returns the request id. Server 127+."""
        c_account, c_model = _args.text(account, "account"), _args.text(model_code, "model_code")
        c_con_id = _args.integer(con_id, "con_id")
        rid = _req_id(self, req_id)
        self._invoke(lib.tws_client_req_pnl_single, rid, c_account, c_model, c_con_id)
        return rid

    def cancel_pnl_single(self, req_id: int) -> None:
        """Ends the PnL-single subscription ``req_id``."""
        self._invoke(lib.tws_client_cancel_pnl_single, _args.integer(req_id, "req_id"))

    def positions(self, timeout: float = 10.0) -> List[Position]:
        """Every position of every account, complete up to positionEnd.

        While it waits, position events go to it (not to :meth:`poll` or the
        callback); one such call at a time per client. A live
        :meth:`req_positions` subscription stays live.

        Raises :class:`tws.Timeout` when positionEnd does not come within
        ``timeout`` seconds, :class:`tws.NotConnected`.
        """
        rows = ctypes.c_void_p()
        c_timeout = _args.milliseconds(timeout, "timeout")
        self._invoke(lib.tws_client_positions, c_timeout, ctypes.byref(rows))
        try:
            s = _ffi.text
            at = lib.tws_position_rows_at
            return [
                Position(s(r.account), contract(r.contract), quantity(r.position), r.avg_cost)
                for r in (at(rows, i).contents for i in range(lib.tws_position_rows_count(rows)))
            ]
        finally:
            lib.tws_position_rows_free(rows)

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
        snap = ctypes.c_void_p()
        c_account, c_timeout = _args.text(account, "account"), _args.milliseconds(timeout, "timeout")
        self._invoke(lib.tws_client_account_updates, c_account, c_timeout, ctypes.byref(snap))
        try:
            s = _ffi.text
            name = s(lib.tws_account_snapshot_account(snap))
            value_at, portfolio_at = lib.tws_account_snapshot_value_at, lib.tws_account_snapshot_portfolio_at
            return AccountSnapshot(
                name,
                s(lib.tws_account_snapshot_time(snap)),
                [
                    AccountValue(s(v.key), s(v.value), s(v.currency), name)
                    for v in (value_at(snap, i).contents for i in range(lib.tws_account_snapshot_value_count(snap)))
                ],
                [
                    portfolio_value(p, name)
                    for p in (
                        portfolio_at(snap, i).contents for i in range(lib.tws_account_snapshot_portfolio_count(snap))
                    )
                ],
            )
        finally:
            lib.tws_account_snapshot_free(snap)

    # ---- delivery -----------------------------------------------------------

    def poll(self, timeout: float = 0.0) -> Optional[Event]:
        """The next event, waiting up to ``timeout`` seconds; ``None`` if none came.

        Events already queued are always handed out first. When the queue is
        empty and the client has no session, nor one being made (never
        connected, after :meth:`disconnect`, after a lost connection with
        reconnecting off or given up), nothing can arrive: raises
        :class:`tws.NotConnected` at once instead of waiting out ``timeout``
        (during a reconnect attempt it waits as usual). Raises
        :class:`tws.WrongMode` while a callback is set, and
        :class:`tws.ClientClosed` (a ``NotConnected``) once :meth:`close` ran.
        """
        deadline = time.monotonic() + _args.seconds(timeout, "timeout")
        while True:
            left = max(0.0, deadline - time.monotonic())
            wait = min(left, _SLICE_S)
            # The C event borrows from the client until the next poll: it is
            # copied before the call leaves the client's guard.
            with self._poll_lock:
                handle = self._enter()
                try:
                    rc = lib.tws_client_poll(handle, int(wait * 1000), self._event_ref)
                    if rc == 0:
                        return from_c(self._event)
                finally:
                    self._leave()
                if rc < 0:
                    raise self._failed(rc)
            if left <= wait:
                return None

    def events(self, timeout: Optional[float] = None) -> Iterator[Event]:
        """Yields events as they arrive; stops when none arrives for ``timeout``
        seconds (``None``: no time limit; break out of the loop)::

            for event in client.events(timeout=30):
                if isinstance(event, tws.AccountSummaryEnd):
                    break

        Also stops (without raising) once every queued event was yielded and
        the client has no session nor one being made, where :meth:`poll`
        would raise :class:`tws.NotConnected`: after :meth:`disconnect`,
        after a lost connection with reconnecting off or given up (the
        ``StateChanged`` events saying so are yielded first), or before any
        connect. Raises :class:`tws.ClientClosed` if :meth:`close` runs
        meanwhile, and every other error of :meth:`poll`.
        """
        wait = _SLICE_S * 4 if timeout is None else _args.seconds(timeout, "timeout")
        while True:
            try:
                event = self.poll(wait)
            except ClientClosed:
                raise
            except NotConnected:
                return  # no session and nothing queued: nothing more can come
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
        self._invoke(lib.tws_client_event_fd, ctypes.byref(out))
        return out.value

    def set_callback(self, callback: Optional[Callable[[Event], None]]) -> None:
        """Delivers every later event to ``callback(event)`` on one thread that
        libtws owns, in arrival order; ``None`` returns to polling.

        Replaces a previous callback after its current call returns. An
        exception raised by the callback has its traceback printed on
        ``sys.stderr`` (or goes to :func:`tws.set_callback_error_hook`) and
        delivery goes on. Raises ``TypeError`` at once if ``callback`` is not
        callable. From inside the callback, :meth:`disconnect` works;
        :meth:`close` and :meth:`set_callback` raise :class:`tws.Reentrant`.
        libtws keeps the callback alive exactly as long as it may call it
        (no reference to the client is held, so the client may still be
        garbage-collected; it is then closed).
        """
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be a callable or None, not {type(callback).__name__}")
        if callback is None:
            self._invoke(lib.tws_client_set_callback, _ffi.NO_EVENT_CALLBACK, None, _ffi.NO_FREE)
            return
        token = _ffi.register((callback, self._delivery))
        try:
            self._invoke(lib.tws_client_set_callback, _EVENT_THUNK, token, _ffi.FREE_THUNK)
        except BaseException:
            _ffi.release(token)  # refused: libtws will not call it (a late release is a no-op)
            raise
