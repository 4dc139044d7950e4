"""The generated per-message layer (tws._generated): every incoming message of
the catalogue has its class, and the generic field accessor builds the same
event as the typed C view, for real events from tws-sim over loopback."""

from __future__ import annotations

import ctypes
import dataclasses
import sys
import time

import pytest

import tws
from tws import _ffi, _generated, events
from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None


def incoming_messages():
    """(name, c_event) of every incoming message, read from catalogue/*.toml itself."""
    out = []
    for path in sorted((ROOT / "catalogue").glob("*.toml")):
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        out += [(m["name"], m["c_event"]) for m in doc.get("message", []) if m["direction"] == "in"]
    return out


@pytest.mark.skipif(tomllib is None, reason="reading the catalogue needs tomllib (Python 3.11+)")
def test_every_incoming_message_of_the_catalogue_maps_to_a_class():
    messages = incoming_messages()
    assert len(messages) >= 19
    assert sorted(v for _, v in messages) == sorted(
        list(_generated.CLASSES) + list(_generated.GENERIC))
    assert not set(_generated.CLASSES) & set(_generated.GENERIC)
    for name, value in messages:
        if value in _generated.GENERIC:
            # A message with a list, option or tag-value field: a GenericMessage.
            assert _generated.GENERIC[value] == name
            assert name not in _generated.BY_MESSAGE
            assert _ffi.text(_ffi.lib.tws_event_type_str(value)) != "UNKNOWN", name
            continue
        cls = _generated.CLASSES[value]
        assert cls.MESSAGE == name
        assert _generated.BY_MESSAGE[name] is cls
        # Public under its name, and its event type named by the library.
        assert getattr(tws, cls.__name__) is cls, cls.__name__
        assert _ffi.text(_ffi.lib.tws_event_type_str(value)) != "UNKNOWN", name
        # A C event of that type converts to the class (zeroed: every value absent).
        ev = _ffi.tws_event()
        ev.type = value
        got = events.from_c(ev)
        assert isinstance(got, cls), (name, got)
        assert dataclasses.is_dataclass(got)


def test_absent_values_are_none_in_typed_views():
    ev = _ffi.tws_event()
    ev.type = _generated.TWS_EVENT_PNL
    ev.data.pnl.req_id = 7
    ev.data.pnl.daily_pnl = 1.5
    ev.data.pnl.has_daily_pnl = True
    ev.data.pnl.unrealized_pnl = 99.0  # a value without its flag is absent
    got = events.from_c(ev)
    assert got == tws.PnL(7, 1.5, None, None)


def _raw_session(port: int):
    """A C client connected to the simulator, polled raw (tws_event, not dataclasses)."""
    lib = _ffi.lib
    client = ctypes.c_void_p()
    assert lib.tws_client_new(None, ctypes.byref(client)) == 0
    assert lib.tws_client_connect(client, b"127.0.0.1", port, 40, 5000) == 0
    return client


def test_the_generic_accessor_builds_what_the_typed_view_builds(sim):
    lib = _ffi.lib
    client = _raw_session(sim.port)
    try:
        assert lib.tws_client_req_current_time(client) == 0
        assert lib.tws_client_req_positions(client) == 0
        assert lib.tws_client_req_account_updates(client, b"DU123456") == 0
        assert lib.tws_client_req_account_summary(client, 9001, b"All", b"NetLiquidation,TotalCashValue") == 0
        assert lib.tws_client_req_positions_multi(client, 9002, b"DU123456", b"") == 0
        assert lib.tws_client_req_account_updates_multi(client, 9003, b"DU123456", b"", 1) == 0
        assert lib.tws_client_req_pnl(client, 9004, b"DU123456", b"") == 0
        assert lib.tws_client_req_pnl_single(client, 9005, b"DU123456", b"", 265598) == 0
        assert lib.tws_client_req_account_updates(client, b"DU999999") == 0  # error 321
        seen = set()
        ev = _ffi.tws_event()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rc = lib.tws_client_poll(client, 500, ctypes.byref(ev))
            assert rc >= 0
            if rc == 1 or ev.type not in _generated.CLASSES:
                continue
            typed = events.from_c(ev)
            generic = events.from_fields(ev)
            assert generic is not None, typed
            name = type(typed).__name__
            for derived in _generated.DERIVED.get(name, ()):
                generic = dataclasses.replace(generic, **{derived: getattr(typed, derived)})
            assert generic == typed
            # The message name the library gives is the class's.
            assert _ffi.text(lib.tws_event_message_name(ctypes.byref(ev))) == type(typed).MESSAGE
            seen.add(name)
            if {"PnL", "PnLSingle", "AccountDownloadEnd", "PositionEnd", "AccountSummaryEnd", "ErrorMessage"} <= seen:
                break
    finally:
        lib.tws_client_free(client)
    expected = {
        "ErrorMessage", "NextValidId", "ManagedAccounts", "CurrentTime", "Position", "PositionEnd",
        "AccountValue", "PortfolioValue", "AccountUpdateTime", "AccountDownloadEnd", "AccountSummary",
        "AccountSummaryEnd", "PositionMulti", "PositionMultiEnd", "AccountUpdateMulti",
        "AccountUpdateMultiEnd", "PnL", "PnLSingle",
    }
    assert expected <= seen, expected - seen


def test_an_event_without_a_class_becomes_a_generic_message_or_other_event():
    ev = _ffi.tws_event()
    ev.type = 31999  # no such event type: no message either
    got = events.from_c(ev)
    assert isinstance(got, tws.OtherEvent) and got.type == 31999


def test_records_are_set_by_name_and_checked():
    with tws.Record("Contract", con_id=265598, symbol="AAPL", sec_type="STK", strike=0.0) as c:
        assert c.set("multiplier", "100") is c
        assert c.handle
    assert set(_generated.RECORD_FIELDS["Contract"]) >= {"con_id", "symbol", "strike", "multiplier"}
    with pytest.raises(tws.InvalidArgument) as e:
        tws.Record("Contract", no_such_field="x")
    assert "no_such_field" in e.value.detail
    with pytest.raises(tws.InvalidArgument) as e:
        tws.Record("NoSuchRecord")
    assert "NoSuchRecord" in e.value.detail
    with pytest.raises(TypeError, match="con_id"):
        tws.Record("Contract", con_id="265598")
    with pytest.raises(TypeError, match="strike"):
        tws.Record("Contract", strike="1.5")
    with pytest.raises(tws.InvalidCharacter):
        tws.Record("Contract", symbol="AA\x00PL")
    closed = tws.Record("Contract")
    closed.close()
    closed.close()
    with pytest.raises(tws.InvalidArgument):
        closed.set("symbol", "AAPL")


def _first_raw_event(client, event_type: int, seconds: float = 10):
    lib = _ffi.lib
    ev = _ffi.tws_event()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if lib.tws_client_poll(client, 500, ctypes.byref(ev)) == 0 and ev.type == event_type:
            return ev
    raise AssertionError(f"no event of type {event_type}")


def test_a_message_without_typed_view_or_class_is_still_read(sim, monkeypatch):
    lib = _ffi.lib
    client = _raw_session(sim.port)
    try:
        assert lib.tws_client_req_account_summary(client, 9101, b"All", b"NetLiquidation") == 0
        ev = _first_raw_event(client, _generated.TWS_EVENT_ACCOUNT_SUMMARY)
        typed = events.from_c(ev)
        assert isinstance(typed, tws.AccountSummary) and typed.req_id == 9101
        # Without its typed view, the class is built through the generic accessor.
        monkeypatch.delitem(_generated.FROM_C, _generated.TWS_EVENT_ACCOUNT_SUMMARY)
        assert events.from_c(ev) == typed
        # Without its class either (a libtws newer than the binding): a GenericMessage.
        monkeypatch.delitem(_generated.FROM_FIELDS, _generated.TWS_EVENT_ACCOUNT_SUMMARY)
        generic = events.from_c(ev)
        assert isinstance(generic, tws.GenericMessage)
        assert (generic.type, generic.name) == (_generated.TWS_EVENT_ACCOUNT_SUMMARY, "AccountSummary")
        assert generic.fields == {
            "req_id": 9101,
            "account": typed.account,
            "tag": "NetLiquidation",
            "value": typed.value,
            "currency": typed.currency,
        }
    finally:
        lib.tws_client_free(client)


def test_decimals_are_made_once_per_text_and_the_cache_stays_bounded():
    from decimal import Decimal

    from tws import _generated as g

    first, again = g._decimal(b"100"), g._decimal(b"100")
    assert first == Decimal("100") and first is again
    for i in range(g._DECIMALS_MAX + 10):
        assert g._decimal(b"%d.5" % i) == Decimal(i) + Decimal("0.5")
    assert len(g._DECIMALS) <= g._DECIMALS_MAX
    assert g._decimal(b"not a number") is None
    assert g._decimal(b"") is None and g._decimal(None) is None
