"""The C ABI of libtws as seen from ctypes: loading the library, the struct
mirrors of ``include/tws.h`` and the signature of every function used.

The mirrors of the message structs (the typed event views and the records
they embed) are generated from the catalogue into :mod:`tws._generated`; this
module holds the engine's own structs (state, raw frames, rows, counters, the
generic field) and assembles ``tws_event`` from both. Everything else in the
package works with the dataclasses of :mod:`tws.events`. The tests compare
every size and offset with ``include/tws.h``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
from typing import Any
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    Union,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from pathlib import Path

from . import _generated
from ._generated import tws_contract

#: Environment variable naming a libtws shared object to load instead of the
#: one shipped in the package (for example an installed ``/usr/local/lib/libtws.so.1``).
LIBRARY_ENV = "TWS_LIBRARY"


class tws_state_event(Structure):
    _fields_ = [
        ("state", c_int32),
        ("reason", c_char_p),
        ("attempt", c_uint32),
        ("next_delay_ms", c_uint32),
        ("resubscribed", c_uint32),
    ]


class tws_raw_message_event(Structure):
    _fields_ = [
        ("msg_id", c_int32),
        ("reason", c_char_p),
        ("payload", POINTER(c_uint8)),
        ("payload_len", c_size_t),
    ]


class tws_pacing_event(Structure):
    _fields_ = [
        ("req_id", c_int32),
        ("stage", c_int32),
        ("rule", c_int32),
        ("wait_ms", c_uint32),
        ("request", c_char_p),
    ]


class tws_field(Structure):
    """One field read through the generic accessor (``tws_event_field``)."""

    _fields_ = [
        ("name", c_char_p),
        ("kind", c_int32),
        ("present", c_bool),
        ("int_value", c_int64),
        ("double_value", c_double),
        ("string_value", c_char_p),
    ]


#: ``tws_field.kind`` values.
TWS_FIELD_INT = 1
TWS_FIELD_DOUBLE = 2
TWS_FIELD_BOOL = 3
TWS_FIELD_STRING = 4
TWS_FIELD_DECIMAL = 5


class tws_event_data(Union):
    # The engine's own members, then every message's typed view (generated),
    # padded to the 256 reserved bytes.
    _fields_ = (
        [
            ("state", tws_state_event),
            ("raw", tws_raw_message_event),
            ("pacing", tws_pacing_event),
        ]
        + _generated.UNION_MEMBERS
        + [("_reserved", c_uint64 * 32)]
    )


class tws_event(Structure):
    _fields_ = [
        ("type", c_int32),
        ("data", tws_event_data),
        ("message", c_void_p),
        ("_reserved", c_void_p * 3),
    ]


class tws_account_summary_row(Structure):
    _fields_ = [
        ("account", c_char_p),
        ("tag", c_char_p),
        ("value", c_char_p),
        ("currency", c_char_p),
    ]


class tws_position_row(Structure):
    _fields_ = [
        ("account", c_char_p),
        ("contract", tws_contract),
        ("position", c_char_p),
        ("avg_cost", c_double),
    ]


class tws_account_value_row(Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p), ("currency", c_char_p)]


class tws_portfolio_row(Structure):
    _fields_ = [
        ("contract", tws_contract),
        ("position", c_char_p),
        ("market_price", c_double),
        ("market_value", c_double),
        ("average_cost", c_double),
        ("unrealized_pnl", c_double),
        ("realized_pnl", c_double),
    ]


class tws_stats(Structure):
    _fields_ = [
        (name, c_uint64)
        for name in (
            "messages_in",
            "bytes_in",
            "messages_out",
            "bytes_out",
            "decode_errors",
            "unknown_messages",
            "queue_high_water",
            "queue_full_waits",
            "queue_len",
            "connects",
            "callback_panics",
            "reconnects",
            "reconnect_attempts",
            "resubscriptions",
            "paced_delays",
            "protocol_errors",
            "late_replies_dropped",
        )
    ]


EVENT_CALLBACK = CFUNCTYPE(None, POINTER(tws_event), c_void_p)
USER_DATA_FREE = CFUNCTYPE(None, c_void_p)
LOG_CALLBACK = CFUNCTYPE(None, c_int32, c_char_p, c_char_p, c_void_p)

_client_p = c_void_p
_options_p = c_void_p
#: An opaque handle of rows (tws_position_rows, tws_account_summary_rows, tws_account_snapshot).
_rows_p = c_void_p
_result = c_int32

class tws_quote(Structure):
    """The conflated quote of one market-data request (``tws_client_quote``)."""

    _fields_ = [
        ("bid", c_double),
        ("has_bid", c_bool),
        ("ask", c_double),
        ("has_ask", c_bool),
        ("last", c_double),
        ("has_last", c_bool),
        ("high", c_double),
        ("has_high", c_bool),
        ("low", c_double),
        ("has_low", c_bool),
        ("close", c_double),
        ("has_close", c_bool),
        ("open", c_double),
        ("has_open", c_bool),
        ("bid_size", ctypes.c_char * 48),
        ("has_bid_size", c_bool),
        ("ask_size", ctypes.c_char * 48),
        ("has_ask_size", c_bool),
        ("last_size", ctypes.c_char * 48),
        ("has_last_size", c_bool),
        ("volume", ctypes.c_char * 48),
        ("has_volume", c_bool),
        ("last_time", c_int64),
        ("has_last_time", c_bool),
        ("halted", c_int32),
        ("has_halted", c_bool),
        ("market_data_type", c_int32),
        ("has_market_data_type", c_bool),
        ("updated_at", c_uint64),
    ]


_strs = POINTER(c_char_p)
#: A tws_messages handle (rows of a blocking call).
_messages_p = c_void_p

# name: (restype, argtypes)
_SIGNATURES = {
    "tws_version": (c_char_p, []),
    "tws_result_str": (c_char_p, [c_int32]),
    "tws_last_error_message": (c_char_p, []),
    "tws_all_account_summary_tags": (c_char_p, []),
    "tws_event_type_str": (c_char_p, [c_int32]),
    "tws_event_message_name": (c_char_p, [c_void_p]),
    "tws_event_field_count": (c_size_t, [c_void_p]),
    "tws_event_field": (_result, [c_void_p, c_size_t, c_void_p]),
    "tws_event_field_by_name": (_result, [c_void_p, c_char_p, c_void_p]),
    "tws_state_str": (c_char_p, [c_int32]),
    "tws_options_new": (_result, [POINTER(_options_p)]),
    "tws_options_free": (None, [_options_p]),
    "tws_options_set_version_range": (_result, [_options_p, c_int32, c_int32]),
    "tws_options_set_connect_options": (_result, [_options_p, c_char_p]),
    "tws_options_set_optional_capabilities": (_result, [_options_p, c_char_p]),
    "tws_options_set_queue_capacity": (_result, [_options_p, c_uint32]),
    "tws_options_set_max_frame_length": (_result, [_options_p, c_uint32]),
    "tws_options_set_trace_file": (_result, [_options_p, c_char_p]),
    "tws_options_set_reconnect": (_result, [_options_p, c_int32, c_uint32, c_uint32, c_uint32, c_uint32]),
    "tws_options_set_pacing": (_result, [_options_p, c_uint32]),
    "tws_options_set_liveness": (_result, [_options_p, c_uint32, c_uint32]),
    "tws_options_set_queue_max_bytes": (_result, [_options_p, c_uint64]),
    "tws_options_set_conflate_ticks": (_result, [_options_p, c_bool]),
    "tws_options_set_busy_poll": (_result, [_options_p, c_bool]),
    "tws_options_set_callbacks_on_reader": (_result, [_options_p, c_bool]),
    "tws_client_new": (_result, [_options_p, POINTER(_client_p)]),
    "tws_client_free": (_result, [_client_p]),
    "tws_client_connect": (_result, [_client_p, c_char_p, c_uint16, c_int32, c_uint32]),
    "tws_client_disconnect": (_result, [_client_p]),
    "tws_client_state": (_result, [_client_p, POINTER(c_int32)]),
    "tws_client_server_version": (_result, [_client_p, POINTER(c_int32)]),
    "tws_client_next_request_id": (_result, [_client_p, POINTER(c_int32)]),
    "tws_client_next_order_id": (_result, [_client_p, POINTER(c_int64)]),
    "tws_client_stats": (_result, [_client_p, POINTER(tws_stats)]),
    "tws_client_req_ids": (_result, [_client_p, c_int32]),
    "tws_client_req_managed_accounts": (_result, [_client_p]),
    "tws_client_req_current_time": (_result, [_client_p]),
    "tws_client_req_current_time_millis": (_result, [_client_p]),
    "tws_client_req_account_summary": (_result, [_client_p, c_int32, c_char_p, c_char_p]),
    "tws_client_cancel_account_summary": (_result, [_client_p, c_int32]),
    "tws_client_account_summary": (_result, [_client_p, c_char_p, c_char_p, c_uint32, POINTER(_rows_p)]),
    "tws_account_summary_rows_count": (c_size_t, [_rows_p]),
    "tws_account_summary_rows_at": (POINTER(tws_account_summary_row), [_rows_p, c_size_t]),
    "tws_account_summary_rows_free": (None, [_rows_p]),
    "tws_client_req_positions": (_result, [_client_p]),
    "tws_client_cancel_positions": (_result, [_client_p]),
    "tws_client_req_account_updates": (_result, [_client_p, c_char_p]),
    "tws_client_cancel_account_updates": (_result, [_client_p, c_char_p]),
    "tws_client_req_positions_multi": (_result, [_client_p, c_int32, c_char_p, c_char_p]),
    "tws_client_cancel_positions_multi": (_result, [_client_p, c_int32]),
    "tws_client_req_account_updates_multi": (_result, [_client_p, c_int32, c_char_p, c_char_p, c_int32]),
    "tws_client_cancel_account_updates_multi": (_result, [_client_p, c_int32]),
    "tws_client_req_pnl": (_result, [_client_p, c_int32, c_char_p, c_char_p]),
    "tws_client_cancel_pnl": (_result, [_client_p, c_int32]),
    "tws_client_req_pnl_single": (_result, [_client_p, c_int32, c_char_p, c_char_p, c_int32]),
    "tws_client_cancel_pnl_single": (_result, [_client_p, c_int32]),
    "tws_client_positions": (_result, [_client_p, c_uint32, POINTER(_rows_p)]),
    "tws_position_rows_count": (c_size_t, [_rows_p]),
    "tws_position_rows_at": (POINTER(tws_position_row), [_rows_p, c_size_t]),
    "tws_position_rows_free": (None, [_rows_p]),
    "tws_client_account_updates": (_result, [_client_p, c_char_p, c_uint32, POINTER(_rows_p)]),
    "tws_account_snapshot_account": (c_char_p, [_rows_p]),
    "tws_account_snapshot_time": (c_char_p, [_rows_p]),
    "tws_account_snapshot_value_count": (c_size_t, [_rows_p]),
    "tws_account_snapshot_value_at": (POINTER(tws_account_value_row), [_rows_p, c_size_t]),
    "tws_account_snapshot_portfolio_count": (c_size_t, [_rows_p]),
    "tws_account_snapshot_portfolio_at": (POINTER(tws_portfolio_row), [_rows_p, c_size_t]),
    "tws_account_snapshot_free": (None, [_rows_p]),
    "tws_record_new": (_result, [c_char_p, POINTER(c_void_p)]),
    "tws_record_set_int": (_result, [c_void_p, c_char_p, c_int32]),
    "tws_record_set_long": (_result, [c_void_p, c_char_p, c_int64]),
    "tws_record_set_double": (_result, [c_void_p, c_char_p, c_double]),
    "tws_record_set_bool": (_result, [c_void_p, c_char_p, c_bool]),
    "tws_record_set_string": (_result, [c_void_p, c_char_p, c_char_p]),
    "tws_record_set_record": (_result, [c_void_p, c_char_p, c_void_p]),
    "tws_record_free": (None, [c_void_p]),
    "tws_client_send": (_result, [_client_p, c_void_p]),
    "tws_client_poll": (_result, [_client_p, c_uint32, POINTER(tws_event)]),
    "tws_client_poll_batch": (_result, [_client_p, c_uint32, POINTER(tws_event), c_size_t, POINTER(c_size_t)]),
    "tws_client_event_fd": (_result, [_client_p, POINTER(c_int)]),
    "tws_client_set_callback": (_result, [_client_p, EVENT_CALLBACK, c_void_p, USER_DATA_FREE]),
    "tws_set_log_callback": (_result, [LOG_CALLBACK, c_void_p, USER_DATA_FREE]),
    "tws_set_log_level": (_result, [c_int32]),
    "tws_log_level_str": (c_char_p, [c_int32]),
    # instruments and quotes
    "tws_last_tws_error_code": (c_int32, []),
    "tws_record_new_contract": (_result, [c_char_p, c_char_p, c_char_p, c_char_p, POINTER(c_void_p)]),
    "tws_client_req_contract_details": (_result, [_client_p, c_int32, c_void_p]),
    "tws_client_cancel_contract_data": (_result, [_client_p, c_int32]),
    "tws_client_req_matching_symbols": (_result, [_client_p, c_int32, c_char_p]),
    "tws_client_req_sec_def_opt_params": (_result, [_client_p, c_int32, c_char_p, c_char_p, c_char_p, c_int32]),
    "tws_client_req_market_rule": (_result, [_client_p, c_int32]),
    "tws_client_req_smart_components": (_result, [_client_p, c_int32, c_char_p]),
    "tws_client_req_mkt_depth_exchanges": (_result, [_client_p]),
    "tws_client_req_family_codes": (_result, [_client_p]),
    "tws_client_contract_details": (_result, [_client_p, c_void_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_matching_symbols": (_result, [_client_p, c_char_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_sec_def_opt_params": (
        _result,
        [_client_p, c_char_p, c_char_p, c_char_p, c_int32, c_uint32, POINTER(_messages_p)],
    ),
    "tws_client_market_rule": (_result, [_client_p, c_int32, c_uint32, POINTER(_messages_p)]),
    "tws_client_mkt_depth_exchanges": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_family_codes": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    # orders
    "tws_record_append": (_result, [c_void_p, c_char_p, c_void_p]),
    "tws_record_append_string": (_result, [c_void_p, c_char_p, c_char_p]),
    "tws_record_append_double": (_result, [c_void_p, c_char_p, c_double]),
    "tws_record_append_int": (_result, [c_void_p, c_char_p, c_int32]),
    "tws_record_new_order": (_result, [c_char_p, c_char_p, c_char_p, c_double, POINTER(c_void_p)]),
    "tws_client_place_order": (_result, [_client_p, c_void_p, c_void_p, POINTER(c_int64)]),
    "tws_client_place_order_with_id": (_result, [_client_p, c_int64, c_void_p, c_void_p]),
    "tws_client_cancel_order": (_result, [_client_p, c_int64, c_void_p]),
    "tws_client_req_global_cancel": (_result, [_client_p]),
    "tws_client_req_open_orders": (_result, [_client_p]),
    "tws_client_req_all_open_orders": (_result, [_client_p]),
    "tws_client_req_auto_open_orders": (_result, [_client_p, c_bool]),
    "tws_client_req_executions": (_result, [_client_p, c_int32, c_void_p]),
    "tws_client_req_completed_orders": (_result, [_client_p, c_bool]),
    "tws_client_open_orders": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_executions": (_result, [_client_p, c_void_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_completed_orders": (_result, [_client_p, c_bool, c_uint32, POINTER(_messages_p)]),
    "tws_client_what_if": (_result, [_client_p, c_void_p, c_void_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_scanner_parameters": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_news_providers": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_news_article": (_result, [_client_p, c_char_p, c_char_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_historical_news": (
        _result,
        [_client_p, c_int32, c_char_p, c_char_p, c_char_p, c_int32, c_uint32, POINTER(_messages_p)],
    ),
    "tws_client_user_info": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_wsh_meta_data": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_request_fa": (_result, [_client_p, c_int32, c_uint32, POINTER(_messages_p)]),
    "tws_client_query_display_groups": (_result, [_client_p, c_uint32, POINTER(_messages_p)]),
    "tws_messages_count": (c_size_t, [_messages_p]),
    "tws_messages_at": (POINTER(tws_event), [_messages_p, c_size_t]),
    "tws_messages_free": (None, [_messages_p]),
    "tws_client_req_market_data_type": (_result, [_client_p, c_int32]),
    "tws_client_req_mkt_data": (
        _result,
        [_client_p, c_int32, c_void_p, c_char_p, c_bool, c_bool, _strs, _strs, c_size_t],
    ),
    "tws_client_cancel_mkt_data": (_result, [_client_p, c_int32]),
    "tws_client_req_mkt_depth": (_result, [_client_p, c_int32, c_void_p, c_int32, c_bool, _strs, _strs, c_size_t]),
    "tws_client_cancel_mkt_depth": (_result, [_client_p, c_int32, c_bool]),
    "tws_client_req_tick_by_tick_data": (_result, [_client_p, c_int32, c_void_p, c_char_p, c_int32, c_bool]),
    "tws_client_cancel_tick_by_tick_data": (_result, [_client_p, c_int32]),
    "tws_client_req_real_time_bars": (
        _result,
        [_client_p, c_int32, c_void_p, c_int32, c_char_p, c_bool, _strs, _strs, c_size_t],
    ),
    "tws_client_cancel_real_time_bars": (_result, [_client_p, c_int32]),
    "tws_client_calculate_implied_volatility": (
        _result,
        [_client_p, c_int32, c_void_p, c_double, c_double, _strs, _strs, c_size_t],
    ),
    "tws_client_cancel_calculate_implied_volatility": (_result, [_client_p, c_int32]),
    "tws_client_calculate_option_price": (
        _result,
        [_client_p, c_int32, c_void_p, c_double, c_double, _strs, _strs, c_size_t],
    ),
    "tws_client_cancel_calculate_option_price": (_result, [_client_p, c_int32]),
    "tws_client_quote": (_result, [_client_p, c_int32, POINTER(tws_quote)]),
    "tws_client_snapshot_quote": (_result, [_client_p, c_void_p, c_uint32, POINTER(tws_quote)]),
    # historical data
    "tws_options_set_history_pacing": (_result, [_options_p, c_bool]),
    "tws_options_set_history_pacing_rules": (
        _result,
        [_options_p, c_uint32, c_uint32, c_uint32, c_uint32, c_uint32, c_uint32],
    ),
    "tws_client_stat": (_result, [_client_p, c_char_p, POINTER(c_uint64)]),
    "tws_client_req_historical_data": (
        _result,
        [_client_p, c_int32, c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, c_bool, c_int32, c_bool],
    ),
    "tws_client_cancel_historical_data": (_result, [_client_p, c_int32]),
    "tws_client_req_head_timestamp": (_result, [_client_p, c_int32, c_void_p, c_char_p, c_bool, c_int32]),
    "tws_client_cancel_head_timestamp": (_result, [_client_p, c_int32]),
    "tws_client_req_histogram_data": (_result, [_client_p, c_int32, c_void_p, c_bool, c_char_p]),
    "tws_client_cancel_histogram_data": (_result, [_client_p, c_int32]),
    "tws_client_req_historical_ticks": (
        _result,
        [_client_p, c_int32, c_void_p, c_char_p, c_char_p, c_int32, c_char_p, c_bool, c_bool],
    ),
    "tws_client_cancel_historical_ticks": (_result, [_client_p, c_int32]),
    "tws_client_historical_bars": (
        _result,
        [_client_p, c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, c_bool, c_uint32, POINTER(_messages_p)],
    ),
    "tws_client_head_timestamp": (_result, [_client_p, c_void_p, c_char_p, c_bool, c_uint32, POINTER(_messages_p)]),
    "tws_client_histogram": (_result, [_client_p, c_void_p, c_bool, c_char_p, c_uint32, POINTER(_messages_p)]),
    "tws_client_historical_ticks": (
        _result,
        [_client_p, c_void_p, c_char_p, c_char_p, c_int32, c_char_p, c_bool, c_bool, c_uint32, POINTER(_messages_p)],
    ),
    "tws_client_historical_schedule": (
        _result,
        [_client_p, c_void_p, c_char_p, c_char_p, c_bool, c_uint32, POINTER(_messages_p)],
    ),
    "tws_parse_hist_time": (_result, [c_char_p, c_char_p, POINTER(c_int64)]),
    "tws_tick_type_name": (c_char_p, [c_int32]),
    "tws_error_code_name": (c_char_p, [c_int32]),
    "tws_error_code_meaning": (c_char_p, [c_int32]),
    "tws_error_code_class": (c_int32, [c_int32]),
}


def _candidates() -> list[str]:
    """Where libtws may be, in the order they are tried."""
    found: list[str] = []
    env = os.environ.get(LIBRARY_ENV)
    if env:
        found.append(env)
    here = Path(__file__).resolve().parent
    found += [str(p) for p in sorted(here.glob("libtws.so*"))]
    system = ctypes.util.find_library("tws")
    if system:
        found.append(system)
    return found


def load() -> ctypes.CDLL:
    """Loads libtws and declares every function's signature.

    Order: ``$TWS_LIBRARY``, the copy shipped inside this package, then the
    system's (``ctypes.util.find_library("tws")``, e.g. after ``make install``).
    """
    errors = []
    for candidate in _candidates():
        try:
            lib = ctypes.CDLL(candidate)
        except OSError as e:
            errors.append(f"{candidate}: {e}")
            continue
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        return lib
    detail = "; ".join(errors) or "no candidate found"
    raise ImportError(
        f"libtws could not be loaded ({detail}). Install the package with pip (it builds "
        f"and ships libtws), install libtws system-wide, or set {LIBRARY_ENV}."
    )


lib = load()


def text(p: bytes | None) -> str:
    """A C string from libtws as str (invalid UTF-8 replaced, NULL as "")."""
    return p.decode("utf-8", "replace") if p else ""


# ---- what libtws may call back: kept alive by token ------------------------------------
#
# A callback or log handler is registered here under a fresh integer token,
# which travels to libtws as the callback's ``user_data``; the C thunks that
# libtws calls are module-level and live as long as the process. libtws calls
# ``user_data_free`` (``FREE_THUNK``) exactly once, after the last call of
# that callback has returned: only then is the entry dropped. Nothing libtws
# may still call is ever freed, and no thunk holds a client.

_registry: "dict[object, object]" = {}
_tokens = itertools.count(1)  # never reused, so a late or repeated release is harmless


def register(obj: object) -> int:
    """Keeps ``obj`` until :func:`release`; returns its token (the C ``user_data``)."""
    token = next(_tokens)
    _registry[token] = obj
    return token


def lookup(token: object) -> Any:
    """The object registered under ``token``, or None."""
    return _registry.get(token) if token else None


def release(token: object) -> None:
    """Drops ``token``'s object (idempotent)."""
    _registry.pop(token, None)


def registered() -> int:
    """How many callbacks and handlers libtws may still call (for tests)."""
    return len(_registry)


def _user_data_free(user_data: object) -> None:
    release(user_data)


#: The ``user_data_free`` given with every callback: releases its token.
FREE_THUNK = USER_DATA_FREE(_user_data_free)
#: NULL callbacks, to detach.
NO_EVENT_CALLBACK = EVENT_CALLBACK()
NO_LOG_CALLBACK = LOG_CALLBACK()
NO_FREE = USER_DATA_FREE()
