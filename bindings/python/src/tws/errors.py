"""Exceptions raised by libtws calls, one class per ``tws_result`` code.

Every exception derives from :class:`TwsError`, which carries the numeric
``code``, its C name (``TWS_ERR_TIMEOUT``, ...) and libtws's ``detail``.
Argument errors also derive from :class:`ValueError`.
"""

from __future__ import annotations

import sys
import traceback
from typing import Callable, Dict, Optional, Type

from . import _ffi


class TwsError(Exception):
    """A libtws call failed.

    Attributes:
        code: the ``tws_result`` value (negative).
        name: its C name, for example ``"TWS_ERR_TIMEOUT"``.
        detail: libtws's explanation (``tws_last_error_message``).
    """

    code: int = 0

    def __init__(self, code: int, detail: str) -> None:
        self.code = code
        self.name = _ffi.text(_ffi.lib.tws_result_str(code))
        self.detail = detail
        super().__init__(f"{self.name}: {detail}" if detail else self.name)


class InvalidArgument(TwsError, ValueError):
    """An argument is out of range, NULL, or cannot travel to TWS."""


class NullArgument(InvalidArgument):
    """A required argument was missing (``TWS_ERR_NULL_ARGUMENT``)."""


class InvalidUtf8(InvalidArgument):
    """A string is not valid UTF-8 (``TWS_ERR_INVALID_UTF8``)."""


class InvalidCharacter(InvalidArgument):
    """A string holds a character TWS cannot receive (``TWS_ERR_INVALID_CHARACTER``)."""


class ConnectionRefused(TwsError):
    """Nothing listens at that host and port (``TWS_ERR_CONNECTION_REFUSED``)."""


class Timeout(TwsError):
    """The operation did not complete in time (``TWS_ERR_TIMEOUT``)."""


class NoCommonVersion(TwsError):
    """The server speaks none of the advertised versions (``TWS_ERR_NO_COMMON_VERSION``)."""


class ClientIdInUse(TwsError):
    """TWS refused the client id: another session uses it (error 326)."""


class ConnectionClosed(TwsError):
    """The server closed the connection (``TWS_ERR_CONNECTION_CLOSED``)."""


class NotConnected(TwsError):
    """The client has no live session (``TWS_ERR_NOT_CONNECTED``)."""


class ClientClosed(NotConnected, ValueError):
    """The :class:`tws.Client` was closed (or is being closed by another thread).

    Raised by every call on a closed client, and by a call that
    :meth:`tws.Client.close` cut short on another thread. A
    :class:`NotConnected` (code ``TWS_ERR_NOT_CONNECTED``) and, like using a
    closed file, a ``ValueError``.
    """


class AlreadyConnected(TwsError):
    """``connect`` on a connected client (``TWS_ERR_ALREADY_CONNECTED``)."""


class IoError(TwsError):
    """Another socket or system error (``TWS_ERR_IO``)."""


class ProtocolError(TwsError):
    """The server broke the protocol (``TWS_ERR_PROTOCOL``)."""


class NotSupported(TwsError):
    """The request does not exist at the negotiated server version."""


class RequestFailed(TwsError):
    """TWS answered a blocking request with an error (``TWS_ERR_REQUEST_FAILED``).

    Attributes:
        tws_code: TWS's error code (``tws_last_tws_error_code``: 200 for an
            unknown instrument, 354 without a market data subscription, ...).
    """

    tws_code: int = 0


class WrongMode(TwsError):
    """Polling while a callback is set (``TWS_ERR_WRONG_MODE``)."""


class Reentrant(TwsError):
    """A call from inside the client's own callback that would deadlock."""


class Busy(TwsError):
    """A blocking call of the same kind already runs on this client (``TWS_ERR_BUSY``)."""


class DuplicateRequestId(InvalidArgument):
    """A live subscription or blocking call already uses that request id
    (``TWS_ERR_DUPLICATE_REQUEST_ID``)."""


class InternalError(TwsError):
    """libtws panicked; the client is poisoned (``TWS_ERR_PANIC``). Please report it."""


_BY_CODE: Dict[int, Type[TwsError]] = {
    -1: NullArgument,
    -2: InvalidArgument,
    -3: InvalidUtf8,
    -4: InvalidCharacter,
    -10: ConnectionRefused,
    -11: Timeout,
    -12: NoCommonVersion,
    -13: ClientIdInUse,
    -14: ConnectionClosed,
    -15: NotConnected,
    -16: AlreadyConnected,
    -17: IoError,
    -18: ProtocolError,
    -19: NotSupported,
    -20: RequestFailed,
    -21: WrongMode,
    -22: Reentrant,
    -23: Busy,
    -24: DuplicateRequestId,
    -99: InternalError,
}


def error_for(code: int) -> TwsError:
    """The exception for a failed call's code, with this thread's detail."""
    detail = _ffi.text(_ffi.lib.tws_last_error_message())
    e = _BY_CODE.get(code, TwsError)(code, detail)
    if isinstance(e, RequestFailed):
        e.tws_code = _ffi.lib.tws_last_tws_error_code()
    return e


def check(code: int) -> int:
    """Raises the matching :class:`TwsError` for a negative code; returns the code otherwise."""
    if code < 0:
        raise error_for(code)
    return code


# ---- exceptions raised by user callbacks ------------------------------------------------

#: ``hook(exc, source)`` for exceptions raised by callbacks and log handlers, or None.
_callback_error_hook: Optional[Callable[[BaseException, object], None]] = None


def set_callback_error_hook(hook: Optional[Callable[[BaseException, object], None]]) -> None:
    """Routes exceptions raised by event callbacks (:meth:`tws.Client.set_callback`)
    and log handlers (:func:`tws.set_log_handler`) to ``hook(exc, source)``,
    where ``source`` is the callable that raised. ``None`` restores the
    default: the traceback is printed on ``sys.stderr``. Either way delivery
    goes on with the next event. The hook runs on the thread that called the
    callback; an exception raised by the hook itself is printed on stderr.
    """
    global _callback_error_hook
    if hook is not None and not callable(hook):
        raise TypeError(f"hook must be a callable or None, not {type(hook).__name__}")
    _callback_error_hook = hook


def report_callback_error(exc: BaseException, source: object) -> None:
    """Reports an exception raised by a user callback (never raises)."""
    try:
        hook = _callback_error_hook
        if hook is not None:
            try:
                hook(exc, source)
                return
            except BaseException as hook_exc:  # reported below, with the original
                _print(hook_exc, "Exception in the tws callback error hook")
        _print(exc, f"Exception in tws callback {source!r}")
    except BaseException:
        pass  # nothing may unwind into libtws


def _print(exc: BaseException, title: str) -> None:
    stream = sys.stderr
    if stream is None:
        return
    stream.write(title + ":\n")
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=stream)
    try:
        stream.flush()
    except Exception:
        pass
