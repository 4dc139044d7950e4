"""asyncio: :class:`AsyncClient`, the blocking :class:`tws.Client` on an event loop.

::

    import asyncio
    import tws.aio

    async def main() -> None:
        async with tws.aio.AsyncClient() as client:
            await client.connect("127.0.0.1", 7497, client_id=0)
            for row in await client.account_summary():
                print(row.account, row.tag, row.value, row.currency)

    asyncio.run(main())

In Jupyter or IPython (and ``python -m asyncio``) the loop already runs: write
``await client.connect(...)`` at the top level, without ``asyncio.run``.

How it works: libtws's event descriptor (``tws_client_event_fd``, the
client's :meth:`tws.Client.fileno`) is watched by the running loop's
``add_reader``; when it is readable the loop drains the queue with
``poll(0)`` and hands each event to whoever waits for it. No thread polls and
nothing spins (the descriptor is level-triggered and cleared by the poll).

- An event carrying a ``req_id`` that a one-shot request (:meth:`AsyncClient.request`,
  :meth:`AsyncClient.account_summary`, :meth:`AsyncClient.contract_details`)
  or a subscription (:meth:`AsyncClient.subscribe`,
  :meth:`AsyncClient.market_data`) owns goes to it, and only to it; an
  ``ErrorMessage`` of class ``ERROR`` for that id fails it with
  :class:`tws.RequestFailed` (``tws_code``). Warnings and notices for it go on
  to the event streams.
- Every other event goes to every open :meth:`AsyncClient.events` stream and
  resolves the :meth:`AsyncClient.wait_for` futures it matches. Events that
  nobody listens to are dropped.

Calls that only send (``req_*``, ``cancel_*``, :meth:`tws.Client.send`) return
at once and are reached on the client as they are on :class:`tws.Client`
(``client.req_positions()``); so are the methods other modules add to
:class:`tws.Client` later. A blocking call of :class:`tws.Client` (one that
takes a ``timeout``: ``positions``, ``account_updates``, ``snapshot_quote``,
...) that has no event-driven version here is awaited on the loop's default
executor instead (``await client.positions()``).
"""

from __future__ import annotations

import asyncio
import collections
import functools
import inspect
import weakref
from typing import (
    Any,
    Callable,
    Deque,
    Generic,
    Iterable,
    List,
    Optional,
    Set,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _args
from ._enums import ErrorClass
from .client import Client, _tags
from .errors import ClientClosed, NotConnected, RequestFailed, Timeout, TwsError
from .events import AccountSummaryRow, Event
from ._generated import (
    AccountSummary,
    AccountSummaryEnd,
    BondContractData,
    ContractData,
    ContractDataEnd,
    CurrentTime,
    ErrorMessage,
    ManagedAccounts,
)
from .market import ContractArg, OptionsArg, Quote, error_code_name

__all__ = ["AsyncClient", "EventStream", "Subscription", "EndMatcher"]

_T = TypeVar("_T")

#: What ends a request or a subscription: an event class, a tuple of them, or a predicate.
EndMatcher = Union[Type[Any], Tuple[Type[Any], ...], Callable[[Any], bool]]

#: Most events handled per wake-up of the reader, so other tasks run in between
#: (the descriptor stays readable while events wait, so the loop comes back).
_BATCH = 256
_NOT_CONNECTED, _TIMEOUT, _REQUEST_FAILED = -15, -11, -20

#: Methods of the blocking client that make no sense on an event loop.
_NOT_HERE = {
    "poll": "events arrive through AsyncClient.events()",
    "fileno": "the AsyncClient's loop watches the descriptor itself",
    "set_callback": "events arrive through AsyncClient.events(); a callback would take them away",
}


def _matcher(end: Optional[EndMatcher]) -> Callable[[Any], bool]:
    if end is None:
        return lambda ev: False
    if isinstance(end, type) or isinstance(end, tuple):
        kinds = end
        return lambda ev: isinstance(ev, kinds)
    if callable(end):
        return end
    raise TypeError(f"end must be an event class, a tuple of them or a callable, not {type(end).__name__}")


def _is_error(ev: ErrorMessage) -> bool:
    return ev.error_class == ErrorClass.ERROR


def _request_failed(ev: ErrorMessage) -> RequestFailed:
    name = error_code_name(ev.code)
    e = RequestFailed(_REQUEST_FAILED, f"TWS error {ev.code}{f' ({name})' if name else ''}: {ev.message}")
    e.tws_code = ev.code
    return e


class _Finished:
    """Request ids whose owner is gone (cancelled, timed out, done): their
    late events are dropped. Ids are never reused; the newest are kept."""

    _KEEP = 4096

    def __init__(self) -> None:
        self._ids: "collections.OrderedDict[int, None]" = collections.OrderedDict()

    def add(self, req_id: int) -> None:
        self._ids[req_id] = None
        if len(self._ids) > self._KEEP:
            self._ids.popitem(last=False)

    def __contains__(self, req_id: object) -> bool:
        return req_id in self._ids


class _Route:
    """Whoever owns a request id: gets its events, and its errors."""

    def _feed(self, ev: Any) -> None:
        raise NotImplementedError

    def _fail(self, exc: BaseException) -> None:
        raise NotImplementedError


class _Collector(_Route):
    """A one-shot request: items up to the end marker, as a future."""

    def __init__(self, future: "asyncio.Future[List[Any]]", is_end: Callable[[Any], bool], keep_end: bool) -> None:
        self.future = future
        self.is_end = is_end
        self.keep_end = keep_end
        self.items: List[Any] = []

    def _feed(self, ev: Any) -> None:
        if self.future.done():
            return
        end = self.is_end(ev)
        if not end or self.keep_end:
            self.items.append(ev)
        if end:
            self.future.set_result(self.items)

    def _fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)


class _End:
    """The marker that ends a stream's queue (with the error to raise, if any)."""

    __slots__ = ("error",)

    def __init__(self, error: Optional[BaseException]) -> None:
        self.error = error


class EventStream:
    """``async for event in client.events()``: every event no request or
    subscription owns, in arrival order, from the moment the stream was made.

    Ends (``StopAsyncIteration``) when no event came for ``timeout`` seconds
    (if given), after :meth:`close`, when the client is closed, and once the
    session is over and every event was handed out (after
    :meth:`AsyncClient.disconnect`, or when reconnecting gave up: the
    ``StateChanged`` events saying so come first). A stream nobody
    references any more (a ``break`` out of the loop) is dropped.
    """

    def __init__(self, owner: "AsyncClient", timeout: Optional[float]) -> None:
        self._timeout = None if timeout is None else _args.seconds(timeout, "timeout")
        self._queue: "asyncio.Queue[Union[Event, _End]]" = asyncio.Queue()
        self._owner: "weakref.ref[AsyncClient]" = weakref.ref(owner)
        self._ended = False
        owner._streams.add(self)

    def __aiter__(self) -> "EventStream":
        return self

    async def __anext__(self) -> Event:
        if self._ended and self._queue.empty():
            raise StopAsyncIteration
        try:
            if self._timeout is None:
                item = await self._queue.get()
            else:
                item = await asyncio.wait_for(self._queue.get(), self._timeout)
        except asyncio.TimeoutError:
            raise StopAsyncIteration from None
        if isinstance(item, _End):
            self._ended = True
            raise StopAsyncIteration
        return item

    def _put(self, ev: Event) -> None:
        if not self._ended:
            self._queue.put_nowait(ev)

    def _end(self) -> None:
        if not self._ended:
            self._queue.put_nowait(_End(None))

    def close(self) -> None:
        """Stops the stream: events queued so far are still handed out, then it ends."""
        owner = self._owner()
        if owner is not None:
            owner._streams.discard(self)
        self._end()

    async def __aenter__(self) -> "EventStream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class Subscription(_Route, Generic[_T]):
    """A live request (market data, real-time bars, PnL, ...) as an async
    iterator of its events, made by :meth:`AsyncClient.subscribe` and the
    methods built on it::

        async with client.market_data(tws.stock("AAPL")) as ticks:
            async for tick in ticks:
                print(tick)

    The request is sent when the subscription is made; :meth:`cancel` (also on
    leaving the ``async with`` block, including by an exception or a
    cancelled task, and when the subscription is garbage-collected) sends its
    cancel and ends the iteration cleanly after the events already received.
    The iteration ends with :class:`tws.RequestFailed` when TWS refuses the
    request (an ``ErrorMessage`` of class ``ERROR`` for its id; nothing is
    cancelled then, TWS dropped it), with :class:`tws.NotConnected` when the
    session ended (after reconnecting gave up, or a disconnect), and cleanly
    after the ``end`` event when one was given. Across an automatic
    reconnect libtws re-issues the request under the same id, and the
    events go on.
    """

    def __init__(
        self,
        owner: "AsyncClient",
        req_id: int,
        cancel: Optional[Callable[[int], object]],
        end: Optional[EndMatcher],
        maxlen: Optional[int] = None,
    ) -> None:
        #: The request id (``req_id`` of every event of this subscription).
        self.req_id = req_id
        self._owner = owner
        self._is_end = _matcher(end)
        self._items: Deque[Any] = collections.deque(maxlen=maxlen)
        self._waiter: Optional["asyncio.Future[None]"] = None
        self._error: Optional[BaseException] = None
        self._done = False
        self._finalizer = weakref.finalize(self, _cancel_quietly, cancel, req_id, owner._finished)
        self._finalizer.atexit = False

    # ---- fed by the client's reader ----

    def _feed(self, ev: Any) -> None:
        if self._done:
            return
        self._items.append(ev)
        if self._is_end(ev):
            self._finish(None, sent=True)
        self._wake()

    def _fail(self, exc: BaseException) -> None:
        self._finish(exc, sent=True)

    def _finish(self, error: Optional[BaseException], sent: bool) -> None:
        if self._done:
            return
        self._done = True
        self._error = error
        self._owner._routes.pop(self.req_id, None)
        self._owner._finished.add(self.req_id)
        if sent:
            self._finalizer.detach()  # ended by TWS or the session: nothing to cancel
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    # ---- the user's side ----

    def cancel(self) -> None:
        """Sends the cancel (once) and ends the iteration after the events
        already received. Idempotent; does nothing once the subscription ended."""
        if self._done:
            return
        self._finish(None, sent=False)
        self._finalizer()  # sends the cancel, once

    @property
    def done(self) -> bool:
        """True once the subscription ended (cancelled, refused, finished or the session ended)."""
        return self._done

    def __aiter__(self) -> "Subscription[_T]":
        return self

    async def __anext__(self) -> _T:
        while not self._items:
            if self._done:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item: _T = self._items.popleft()
        return item

    async def __aenter__(self) -> "Subscription[_T]":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cancel()

    def quote(self) -> Optional[Quote]:
        """The conflated :class:`tws.Quote` of a streaming market-data
        subscription (:meth:`tws.Client.quote`), ``None`` for any other."""
        return self._owner.sync.quote(self.req_id)


def _cancel_quietly(cancel: Optional[Callable[[int], object]], req_id: int, finished: _Finished) -> None:
    finished.add(req_id)
    if cancel is None:
        return
    try:
        cancel(req_id)
    except TwsError:
        pass  # the client is closed or disconnected: nothing is live any more


class AsyncClient:
    """A :class:`tws.Client` driven by the running asyncio loop.

    ``AsyncClient(**options)`` takes every option of :class:`tws.Client`, or
    ``AsyncClient(client=existing)`` wraps a client made beforehand (it must
    not have a callback set). Use it as an ``async with`` block, or call
    :meth:`close`. All methods are called from the loop's thread; the loop is
    the one running at :meth:`connect`. See the module documentation for how
    events are routed.
    """

    def __init__(self, client: Optional[Client] = None, **options: Any) -> None:
        if client is not None and options:
            raise TypeError("give either client= or the options of a new client, not both")
        if client is not None and not isinstance(client, Client):
            raise TypeError(f"client must be a tws.Client, not {type(client).__name__}")
        self._client: Client = client if client is not None else Client(**options)
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._fd: Optional[int] = None
        #: Who owns which request id; a subscription nobody references drops out (and is cancelled).
        self._routes: "weakref.WeakValueDictionary[int, _Route]" = weakref.WeakValueDictionary()
        self._finished = _Finished()
        self._streams: "weakref.WeakSet[EventStream]" = weakref.WeakSet()
        self._waiters: List[Tuple[Callable[[Any], bool], "asyncio.Future[Any]"]] = []
        self._closed = False

    @property
    def sync(self) -> Client:
        """The blocking :class:`tws.Client` underneath (for its sending calls, ``state``, ``stats()``, ...)."""
        return self._client

    # ---- lifetime -------------------------------------------------------------------

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops watching the descriptor, ends every stream, request and
        subscription (the last two with :class:`tws.ClientClosed`), then
        closes the client (:meth:`tws.Client.close`). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._detach()
        self._end_all(lambda: ClientClosed(_NOT_CONNECTED, "the client was closed"))
        self._client.close()

    async def connect(self, host: str, port: int, client_id: int, timeout: float = 10.0) -> None:
        """Connects (:meth:`tws.Client.connect`, on the loop's default
        executor: libtws's connect blocks) and starts watching the event
        descriptor on the running loop. Events of the handshake wait in
        libtws's queue meanwhile and are handed out afterwards, in order.

        Raises what :meth:`tws.Client.connect` raises. Cancelling the task
        disconnects, which cuts the connect short.
        """
        loop = asyncio.get_running_loop()
        self._follow(loop)
        call = functools.partial(self._client.connect, host, port, client_id, timeout)
        future = loop.run_in_executor(None, call)
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(lambda f: f.cancelled() or f.exception())  # nobody awaits it now
            self._client.disconnect()  # wakes the blocking connect
            raise
        self._attach(loop)

    def disconnect(self) -> None:
        """Closes the session (:meth:`tws.Client.disconnect`). Events already
        queued are still handed out, then the streams end and live requests
        and subscriptions fail with :class:`tws.NotConnected`."""
        self._client.disconnect()

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._fd is not None:
            return
        fd = self._client.fileno()
        loop.add_reader(fd, self._readable)
        self._loop, self._fd = loop, fd
        # Whatever the handshake queued is drained on the next turn of the loop.
        loop.call_soon(self._readable)

    def _detach(self) -> None:
        if self._fd is not None and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
        self._fd = None

    def _end_all(self, error: Callable[[], BaseException]) -> None:
        for route in list(self._routes.values()):
            route._fail(error())
        self._routes.clear()
        for stream in list(self._streams):
            stream._end()
        self._streams = weakref.WeakSet()
        waiters, self._waiters = self._waiters, []
        for _, future in waiters:
            if not future.done():
                future.set_exception(error())

    # ---- the reader ---------------------------------------------------------------

    def _readable(self) -> None:
        """The loop's reader: drains up to a batch of events and routes them."""
        if self._fd is None:
            return
        for _ in range(_BATCH):
            try:
                ev = self._client.poll(0)
            except ClientClosed:
                self._detach()
                self._end_all(lambda: ClientClosed(_NOT_CONNECTED, "the client was closed"))
                return
            except NotConnected:
                # Nothing queued and no session: nothing more can come.
                self._detach()
                self._end_all(lambda: NotConnected(_NOT_CONNECTED, "the session ended"))
                return
            except TwsError as e:
                self._detach()
                failure = e
                self._end_all(lambda: failure)
                if self._loop is not None:
                    self._loop.call_exception_handler(
                        {"message": "tws.aio: polling the client failed", "exception": e}
                    )
                return
            if ev is None:
                return
            self._dispatch(ev)

    def _dispatch(self, ev: Event) -> None:
        req_id = getattr(ev, "req_id", None)
        route = self._routes.get(req_id) if isinstance(req_id, int) else None
        if route is None and req_id in self._finished and not isinstance(ev, ErrorMessage):
            return  # a late event of a request that ended here
        if route is not None:
            if not isinstance(ev, ErrorMessage):
                route._feed(ev)
                return
            if _is_error(ev):
                self._routes.pop(ev.req_id, None)
                route._fail(_request_failed(ev))
                return
            # a warning or notice about the request: everyone may see it
        if self._waiters:
            keep = []
            for matches, future in self._waiters:
                if future.done():
                    continue
                try:
                    hit = matches(ev)
                except BaseException as e:
                    future.set_exception(e)
                    continue
                if hit:
                    future.set_result(ev)
                else:
                    keep.append((matches, future))
            self._waiters = keep
        for stream in list(self._streams):
            stream._put(ev)

    def _check_live(self) -> None:
        if self._closed:
            raise ClientClosed(_NOT_CONNECTED, "the client is closed")
        if self._fd is None:
            raise NotConnected(_NOT_CONNECTED, "not connected: await connect() first")
        self._follow(asyncio.get_running_loop())

    def _follow(self, loop: asyncio.AbstractEventLoop) -> None:
        """Moves the reader to ``loop`` when the loop it was on has stopped
        (one ``asyncio.run`` after another); refuses a second running loop."""
        old = self._loop
        if self._fd is None or old is None or old is loop:
            return
        if old.is_running() and not old.is_closed():
            raise RuntimeError("this AsyncClient is driven by another running event loop")
        if not old.is_closed():
            old.remove_reader(self._fd)
        self._fd = None
        self._attach(loop)

    # ---- events --------------------------------------------------------------------

    def events(self, timeout: Optional[float] = None) -> EventStream:
        """A stream of every event no request or subscription owns, from now
        on (see :class:`EventStream`)::

            async for event in client.events():
                if isinstance(event, tws.AccountSummaryEnd):
                    break

        Streams made before an event arrives each get it.
        """
        stream = EventStream(self, timeout)
        if self._closed or self._fd is None:
            stream._end()  # nothing can arrive
        return stream

    async def wait_for(self, event: EndMatcher, timeout: Optional[float] = 10.0) -> Any:
        """The next event (not owned by a request or subscription) that is
        an instance of ``event`` (a class or a tuple of classes) or for which
        ``event(ev)`` is true. The event also goes to the streams.
        Raises :class:`tws.Timeout` after ``timeout`` seconds (``None``: no limit)."""
        return await self._await(self._expect(event), timeout)

    def _expect(self, event: EndMatcher) -> "asyncio.Future[Any]":
        """A future of the next event matching ``event``, registered now."""
        self._check_live()
        matches = _matcher(event)
        future: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        self._waiters.append((matches, future))
        return future

    async def _await(self, future: "asyncio.Future[Any]", timeout: Optional[float]) -> Any:
        try:
            return await self._within(future, timeout, "the event")
        finally:
            self._waiters = [w for w in self._waiters if w[1] is not future]

    @staticmethod
    async def _within(future: "asyncio.Future[_T]", timeout: Optional[float], what: str) -> _T:
        if timeout is None:
            return await future
        limit = _args.seconds(timeout, "timeout")
        try:
            return await asyncio.wait_for(future, limit)
        except asyncio.TimeoutError:
            raise Timeout(_TIMEOUT, f"{what} did not come within {limit:g} s") from None

    # ---- one-shot requests --------------------------------------------------------------

    async def request(
        self,
        send: Callable[[int], object],
        end: EndMatcher,
        timeout: Optional[float] = 10.0,
        cancel: Optional[Callable[[int], object]] = None,
        keep_end: bool = False,
        cancel_at_end: bool = False,
    ) -> List[Any]:
        """A one-shot request as a future: ``send(req_id)`` sends it with a
        fresh request id, then every event with that ``req_id`` is collected
        until one matches ``end`` (a class, a tuple of classes or a
        predicate; kept in the list when ``keep_end``)::

            bars = await client.request(
                lambda rid: client.req_historical_data(contract, ..., req_id=rid),
                end=tws.HistoricalDataEnd)

        Raises :class:`tws.RequestFailed` when TWS answers with an error for
        the id, :class:`tws.Timeout` after ``timeout`` seconds (``None``: no
        limit), :class:`tws.NotConnected` when the session ends. On a timeout
        or a cancelled task, ``cancel(req_id)`` is sent when given; after the
        end marker only with ``cancel_at_end`` (a subscription that stays
        live at TWS, such as the account summary). Events of the request
        that come later are dropped.
        """
        self._check_live()
        is_end = _matcher(end)
        rid = self._client.next_request_id()
        future: "asyncio.Future[List[Any]]" = asyncio.get_running_loop().create_future()
        collector = _Collector(future, is_end, keep_end)  # the routes hold it weakly
        self._routes[rid] = collector
        try:
            send(rid)
        except BaseException:
            self._routes.pop(rid, None)
            raise
        answered = False
        try:
            result = await self._within(future, timeout, f"the answer to request {rid}")
            answered = True
            return result
        except (RequestFailed, NotConnected):
            answered = True  # TWS dropped it, or there is no session
            raise
        finally:
            self._routes.pop(rid, None)
            if answered and not cancel_at_end:
                self._finished.add(rid)
            else:
                _cancel_quietly(cancel, rid, self._finished)

    async def account_summary(
        self,
        group: str = "All",
        tags: Union[str, Iterable[str], None] = None,
        timeout: float = 10.0,
    ) -> List[AccountSummaryRow]:
        """Every account-summary row up to the end marker, then cancels the
        subscription (as :meth:`tws.Client.account_summary`; ``tags`` defaults
        to every tag). Its rows do not appear in the event streams.

        Raises :class:`tws.Timeout`, :class:`tws.RequestFailed` (e.g. 322: too
        many subscriptions), :class:`tws.NotConnected`.
        """
        c = self._client
        c_tags = _tags(tags).decode()
        rows = await self.request(
            lambda rid: c.req_account_summary(group, c_tags, req_id=rid),
            end=AccountSummaryEnd,
            timeout=timeout,
            cancel=c.cancel_account_summary,
            cancel_at_end=True,
        )
        return [AccountSummaryRow(r.account, r.tag, r.value, r.currency) for r in rows if isinstance(r, AccountSummary)]

    async def contract_details(self, contract: ContractArg, timeout: float = 10.0) -> List[Any]:
        """Every contract details row of ``contract`` up to the end marker
        (:class:`tws.ContractData`, bond rows :class:`tws.BondContractData`).
        Raises :class:`tws.RequestFailed` (``tws_code`` 200 for an unknown
        instrument), :class:`tws.Timeout`, :class:`tws.NotConnected`."""
        c = self._client
        rows = await self.request(
            lambda rid: c.req_contract_details(contract, req_id=rid),
            end=ContractDataEnd,
            timeout=timeout,
        )
        return [r for r in rows if isinstance(r, (ContractData, BondContractData))]

    async def managed_accounts(self, timeout: float = 10.0) -> List[str]:
        """The accounts this session may use (reqManagedAccts)."""
        future = self._expect(ManagedAccounts)
        try:
            self._client.req_managed_accounts()
        except BaseException:
            future.cancel()
            raise
        ev: ManagedAccounts = await self._await(future, timeout)
        return list(ev.accounts)

    async def current_time(self, timeout: float = 10.0) -> int:
        """The server's clock, in unix seconds (reqCurrentTime)."""
        future = self._expect(CurrentTime)
        try:
            self._client.req_current_time()
        except BaseException:
            future.cancel()
            raise
        ev: CurrentTime = await self._await(future, timeout)
        return int(ev.time)

    # ---- subscriptions -----------------------------------------------------------------

    def subscribe(
        self,
        send: Callable[[int], object],
        cancel: Optional[Callable[[int], object]],
        end: Optional[EndMatcher] = None,
        maxlen: Optional[int] = None,
    ) -> Subscription[Any]:
        """Any live request as a :class:`Subscription`: ``send(req_id)`` sends
        it at once with a fresh request id, ``cancel(req_id)`` ends it::

            bars = client.subscribe(
                lambda rid: client.req_real_time_bars(contract, req_id=rid),
                client.sync.cancel_real_time_bars)

        ``end``: an event (class, tuple of classes or predicate) after which
        TWS sends no more (it is handed out, then the iteration ends).
        ``maxlen``: keep at most that many unread events, dropping the oldest
        (default: all).
        """
        self._check_live()
        rid = self._client.next_request_id()
        sub: Subscription[Any] = Subscription(self, rid, cancel, end, maxlen)
        self._routes[rid] = sub
        try:
            send(rid)
        except BaseException:
            self._routes.pop(rid, None)
            sub._finish(None, sent=True)
            raise
        return sub

    def market_data(
        self,
        contract: ContractArg,
        generic_ticks: Union[str, Iterable[str]] = "",
        snapshot: bool = False,
        regulatory_snapshot: bool = False,
        options: OptionsArg = None,
        maxlen: Optional[int] = None,
    ) -> Subscription[Any]:
        """reqMktData as a :class:`Subscription` of its tick events
        (``TickPrice``, ``TickSize``, ``TickString``, ``TickGeneric``,
        ``TickReqParams``, ...); a snapshot ends after ``TickSnapshotEnd``.
        :meth:`Subscription.quote` gives the conflated quote."""
        from ._generated import TickSnapshotEnd

        c = self._client
        return self.subscribe(
            lambda rid: c.req_mkt_data(contract, generic_ticks, snapshot, regulatory_snapshot, options, req_id=rid),
            c.cancel_mkt_data,
            end=TickSnapshotEnd if snapshot or regulatory_snapshot else None,
            maxlen=maxlen,
        )

    def tick_by_tick(
        self,
        contract: ContractArg,
        tick_type: str = "Last",
        number_of_ticks: int = 0,
        ignore_size: bool = False,
        maxlen: Optional[int] = None,
    ) -> Subscription[Any]:
        """reqTickByTickData as a :class:`Subscription` of ``TickByTick`` events."""
        c = self._client
        return self.subscribe(
            lambda rid: c.req_tick_by_tick_data(contract, tick_type, number_of_ticks, ignore_size, req_id=rid),
            c.cancel_tick_by_tick_data,
            maxlen=maxlen,
        )

    def real_time_bars(
        self,
        contract: ContractArg,
        what_to_show: str = "TRADES",
        use_rth: bool = False,
        options: OptionsArg = None,
        maxlen: Optional[int] = None,
    ) -> Subscription[Any]:
        """reqRealTimeBars as a :class:`Subscription` of 5-second ``RealTimeBar`` events."""
        c = self._client
        return self.subscribe(
            lambda rid: c.req_real_time_bars(contract, what_to_show, use_rth, 5, options, req_id=rid),
            c.cancel_real_time_bars,
            maxlen=maxlen,
        )

    def pnl(self, account: str, model_code: str = "") -> Subscription[Any]:
        """reqPnL as a :class:`Subscription` of ``PnL`` events."""
        c = self._client
        return self.subscribe(lambda rid: c.req_pnl(account, model_code, req_id=rid), c.cancel_pnl)

    def account_summary_updates(
        self, group: str = "All", tags: Union[str, Iterable[str], None] = None
    ) -> Subscription[Any]:
        """reqAccountSummary as a :class:`Subscription`: the ``AccountSummary``
        rows, an ``AccountSummaryEnd``, then changes as they happen."""
        c = self._client
        c_tags = _tags(tags).decode()
        return self.subscribe(
            lambda rid: c.req_account_summary(group, c_tags, req_id=rid), c.cancel_account_summary
        )

    # ---- everything else of the blocking client ------------------------------------------

    async def run(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``fn(*args, **kwargs)`` on the loop's default executor: for a
        blocking call with no event-driven version (``await
        client.run(client.sync.snapshot_quote, contract)``)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        """The blocking client's other methods: those that take a ``timeout``
        (blocking calls) as coroutines run on the executor, the rest (sending
        calls, properties) as they are."""
        if name.startswith("_"):
            raise AttributeError(name)
        why = _NOT_HERE.get(name)
        if why is not None:
            raise AttributeError(f"AsyncClient has no {name}(): {why}")
        attr = getattr(self._client, name)
        if not callable(attr) or not _blocks(attr):
            return attr

        @functools.wraps(attr)
        async def blocking(*args: Any, **kwargs: Any) -> Any:
            return await self.run(attr, *args, **kwargs)

        return blocking

    def __dir__(self) -> List[str]:
        names: Set[str] = set(super().__dir__())
        names.update(n for n in dir(self._client) if not n.startswith("_") and n not in _NOT_HERE)
        return sorted(names)


def _blocks(fn: Callable[..., Any]) -> bool:
    """A method of the blocking client that waits for TWS: it takes a ``timeout``."""
    try:
        return "timeout" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
