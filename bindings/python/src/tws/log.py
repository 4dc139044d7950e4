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
import sys
import threading
from dataclasses import dataclass
from enum import IntEnum
from typing import Callable, Optional

from . import _ffi
from .errors import check

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
_installed = None  # the ctypes trampoline libtws may call


def set_log_level(level: LogLevel) -> None:
    """Sets the most verbose level libtws passes on (default ``LogLevel.INFO``)."""
    check(lib.tws_set_log_level(int(level)))


def set_log_handler(handler: Optional[Callable[[LogRecord], None]], level: Optional[LogLevel] = None) -> None:
    """Sends every libtws log record to ``handler(record)`` (``None`` stops logging).

    The handler runs on whichever thread logs (yours or a libtws thread),
    possibly on several at once. Its exceptions are reported through
    ``sys.unraisablehook``.
    """
    global _installed
    if level is not None:
        set_log_level(level)
    with _lock:
        if handler is None:
            check(lib.tws_set_log_callback(_ffi.LOG_CALLBACK(), None, _ffi.USER_DATA_FREE()))
            _installed = None
            return

        def trampoline(lvl: int, target: Optional[bytes], message: Optional[bytes], _ud) -> None:
            try:
                try:
                    level_ = LogLevel(lvl)
                except ValueError:
                    level_ = LogLevel.TRACE
                handler(LogRecord(level_, _ffi.text(target), _ffi.text(message)))
            except BaseException as e:  # nothing may unwind into libtws
                from .client import _Unraisable

                sys.unraisablehook(_Unraisable(e, handler))

        c_callback = _ffi.LOG_CALLBACK(trampoline)
        check(lib.tws_set_log_callback(c_callback, None, _ffi.USER_DATA_FREE()))
        # The previous trampoline stays referenced by calls still running in
        # other threads (ctypes holds it for the call's duration).
        _installed = c_callback


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
        lib.tws_set_log_callback(_ffi.LOG_CALLBACK(), None, _ffi.USER_DATA_FREE())
    except Exception:
        pass


atexit.register(_detach)
