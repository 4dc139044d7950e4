"""Routing libtws's own log into Python.

libtws logs connect attempts, the negotiated version, session start, lost
connections and decode failures. By default nothing is logged; call
:func:`log_to_logging` to send records to the standard :mod:`logging`
module (logger ``"tws"`` plus libtws's target, e.g. ``tws.client.reader``),
or :func:`set_log_handler` for a function of your own. The setting is
process-wide.
"""

from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass
from enum import IntEnum
from typing import Callable, Optional

from . import _args, _ffi
from .errors import check, report_callback_error

lib = _ffi.lib


class LogLevel(IntEnum):
    """libtws's log levels (``TWS_LOG_*``); lower is more severe."""

    ERROR = 1
    WARN = 2
    INFO = 3
    DEBUG = 4
    TRACE = 5


_TO_LOGGING = {
    LogLevel.ERROR: logging.ERROR,
    LogLevel.WARN: logging.WARNING,
    LogLevel.INFO: logging.INFO,
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.TRACE: 5,
}


@dataclass(frozen=True)
class LogRecord:
    """One record from libtws: its level, target (module) and message."""

    level: LogLevel
    target: str
    message: str


_lock = threading.Lock()


def _on_log(lvl: int, target: Optional[bytes], message: Optional[bytes], user_data: Optional[int]) -> None:
    """The one C log callback; ``user_data`` is the handler's registry token."""
    try:
        handler = _ffi.lookup(user_data)
        if handler is None:
            return
        try:
            try:
                level_ = LogLevel(lvl)
            except ValueError:
                level_ = LogLevel.TRACE
            handler(LogRecord(level_, _ffi.text(target), _ffi.text(message)))
        except BaseException as e:  # nothing may unwind into libtws
            report_callback_error(e, handler)
    except BaseException:
        pass


_LOG_THUNK = _ffi.LOG_CALLBACK(_on_log)


def set_log_level(level: LogLevel) -> None:
    """Sets the most verbose level libtws passes on (default ``LogLevel.INFO``)."""
    check(lib.tws_set_log_level(_args.integer(level, "level")))


def set_log_handler(handler: Optional[Callable[[LogRecord], None]], level: Optional[LogLevel] = None) -> None:
    """Sends every libtws log record to ``handler(record)`` (``None`` stops logging).

    The handler runs on whichever thread logs (yours or a libtws thread),
    possibly on several at once; a replaced handler may still finish calls
    in progress (libtws keeps it alive until they returned). Its exceptions
    have their traceback printed on ``sys.stderr`` (or go to
    :func:`tws.set_callback_error_hook`). Raises ``TypeError`` at once if
    ``handler`` is not callable.
    """
    if handler is not None and not callable(handler):
        raise TypeError(f"handler must be a callable or None, not {type(handler).__name__}")
    if level is not None:
        set_log_level(level)
    with _lock:
        if handler is None:
            check(lib.tws_set_log_callback(_ffi.NO_LOG_CALLBACK, None, _ffi.NO_FREE))
            return
        token = _ffi.register(handler)
        try:
            check(lib.tws_set_log_callback(_LOG_THUNK, token, _ffi.FREE_THUNK))
        except BaseException:
            _ffi.release(token)
            raise


def log_to_logging(logger: str = "tws", level: LogLevel = LogLevel.INFO) -> None:
    """Routes libtws's log into :mod:`logging`: target ``tws::client::reader``
    becomes logger ``<logger>.client.reader``; levels map to ERROR, WARNING,
    INFO, DEBUG and 5 (trace)."""

    def handler(record: LogRecord) -> None:
        parts = [p for p in record.target.split("::")[1:] if p]
        name = ".".join([logger] + parts)
        logging.getLogger(name).log(_TO_LOGGING[record.level], "%s", record.message)

    set_log_handler(handler, level)


def _detach() -> None:
    # libtws threads must not call into an interpreter that is shutting down.
    try:
        lib.tws_set_log_callback(_ffi.NO_LOG_CALLBACK, None, _ffi.NO_FREE)
    except Exception:
        pass


atexit.register(_detach)
