"""Python bindings of libtws: the Interactive Brokers TWS API wire protocol.

A small example::

    import tws

    with tws.Client() as client:
        client.connect("127.0.0.1", 7497, client_id=0, timeout=10)
        for row in client.account_summary(group="All"):
            print(row.account, row.tag, row.value, row.currency)

Everything talks to the C library ``libtws`` through ctypes; no compiler is
needed for the binding itself. :mod:`tws.aio` is the asyncio client
(``tws.aio.AsyncClient``), :mod:`tws.util` has ``df`` (pandas DataFrames of
events and rows, when pandas is installed).
"""

from __future__ import annotations

from . import _ffi
from .client import ALL_TAGS, Client
from .errors import (
    AlreadyConnected,
    Busy,
    ClientClosed,
    ClientIdInUse,
    ConnectionClosed,
    ConnectionRefused,
    DuplicateRequestId,
    InternalError,
    InvalidArgument,
    InvalidCharacter,
    InvalidUtf8,
    IoError,
    NoCommonVersion,
    NotConnected,
    NotSupported,
    NullArgument,
    ProtocolError,
    Reentrant,
    RequestFailed,
    Timeout,
    TwsError,
    WrongMode,
    set_callback_error_hook,
)
from .events import (
    AccountDownloadEnd,
    AccountSnapshot,
    AccountSummary,
    AccountSummaryEnd,
    AccountSummaryRow,
    AccountUpdateMulti,
    AccountUpdateMultiEnd,
    AccountUpdateTime,
    AccountValue,
    ConnectionState,
    Contract,
    CurrentTime,
    CurrentTimeMillis,
    DecodeError,
    ProtocolViolation,
    ErrorClass,
    ErrorMessage,
    Event,
    GenericMessage,
    ManagedAccounts,
    NextValidId,
    OtherEvent,
    PacingNotice,
    PacingRule,
    PacingStage,
    PnL,
    PnLSingle,
    PortfolioValue,
    Position,
    PositionEnd,
    PositionMulti,
    PositionMultiEnd,
    StateChanged,
    Stats,
    UnknownMessage,
)
from .record import Record
from .market import (
    Quote,
    TickType,
    error_code_class,
    error_code_meaning,
    error_code_name,
    new_contract,
    stock,
    tick_type_name,
)
from .history import HistoryPacing, bar_time, bars_df, parse_time
from .orders import ExecutionReport, limit_order, market_order
from .order_view import OrderView, Reconciliation
from .log import LogLevel, LogRecord, log_to_logging, set_log_handler, set_log_level


def library_version() -> str:
    """The version of the loaded libtws ("MAJOR.MINOR.PATCH")."""
    return _ffi.text(_ffi.lib.tws_version())


__version__ = library_version()

__all__ = [
    "ALL_TAGS",
    "HistoryPacing",
    "bar_time",
    "bars_df",
    "parse_time",
    "AccountDownloadEnd",
    "AccountSnapshot",
    "AccountSummary",
    "AccountSummaryEnd",
    "AccountSummaryRow",
    "AccountUpdateMulti",
    "AccountUpdateMultiEnd",
    "AccountUpdateTime",
    "AccountValue",
    "AlreadyConnected",
    "Busy",
    "Client",
    "ClientClosed",
    "ClientIdInUse",
    "ConnectionClosed",
    "ConnectionRefused",
    "ConnectionState",
    "Contract",
    "CurrentTime",
    "CurrentTimeMillis",
    "DecodeError",
    "DuplicateRequestId",
    "ProtocolViolation",
    "ErrorClass",
    "ErrorMessage",
    "Event",
    "GenericMessage",
    "InternalError",
    "InvalidArgument",
    "InvalidCharacter",
    "InvalidUtf8",
    "IoError",
    "LogLevel",
    "LogRecord",
    "ManagedAccounts",
    "NextValidId",
    "NoCommonVersion",
    "NotConnected",
    "NotSupported",
    "NullArgument",
    "OtherEvent",
    "PacingNotice",
    "PacingRule",
    "PacingStage",
    "PnL",
    "PnLSingle",
    "PortfolioValue",
    "Position",
    "PositionEnd",
    "PositionMulti",
    "PositionMultiEnd",
    "ProtocolError",
    "Record",
    "Reentrant",
    "RequestFailed",
    "StateChanged",
    "Stats",
    "Timeout",
    "TwsError",
    "UnknownMessage",
    "WrongMode",
    "library_version",
    "log_to_logging",
    "set_callback_error_hook",
    "set_log_handler",
    "set_log_level",
    "Quote",
    "TickType",
    "error_code_class",
    "error_code_meaning",
    "error_code_name",
    "new_contract",
    "stock",
    "tick_type_name",
    "OrderView",
    "Reconciliation",
]

# Every generated message class, record and event type (the list above names
# the hand-picked ones of ABI 0.x; new messages of the catalogue join here).
from . import _generated as _gen  # noqa: E402
from ._generated import *  # noqa: E402,F401,F403

__all__ += ["ExecutionReport", "limit_order", "market_order"]
__all__ += [n for n in _gen.__all__ if n not in __all__]

# Submodules reached as attributes: tws.aio (asyncio), tws.util (pandas helpers).
from . import aio, util  # noqa: E402,F401
