"""Instruments and quotes from Python against tws-sim: every request method,
the blocking calls (built like events), the quote view, tick type and error
code names, and the argument checks."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

import tws


@pytest.fixture
def market(start_sim):
    return start_sim("--market-data-rate", "20", "--permission", "MSFT=none")


@pytest.fixture
def client(market):
    with tws.Client() as c:
        c.connect("127.0.0.1", market.port, client_id=41, timeout=10)
        yield c


def wait_for(client, cls_name, req_id=None, timeout=8.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ev = client.poll(0.2)
        if ev is None:
            continue
        name = getattr(ev, "MESSAGE", None) or getattr(ev, "name", None)
        if name != cls_name:
            continue
        rid = getattr(ev, "req_id", None)
        if rid is None and isinstance(ev, tws.GenericMessage):
            rid = ev.fields.get("req_id")
        if req_id is None or rid == req_id:
            return ev
    raise AssertionError(f"no {cls_name} for {req_id}")


def test_names():
    assert tws.TickType.BID == 1 and tws.TickType.BID_SIZE == 0
    assert tws.TickType(45).name == "LAST_TIMESTAMP"
    assert tws.TickType.DELAYED_BID == 66
    assert tws.tick_type_name(2) == "ASK"
    assert tws.tick_type_name(-3) == "UNKNOWN"
    assert tws.error_code_name(200) == "NO_SECURITY_DEFINITION"
    assert tws.error_code_meaning(354)
    assert tws.error_code_name(424242) is None
    assert tws.error_code_class(200) == tws.ErrorClass.ERROR
    assert tws.error_code_class(10167) == tws.ErrorClass.NOTICE


def test_argument_checks():
    with tws.Client() as c:
        with pytest.raises(TypeError):
            c.req_mkt_data("AAPL")
        with pytest.raises(tws.InvalidArgument):
            c.req_mkt_data(tws.Record("ReqAccountSummary"))
        with pytest.raises(tws.InvalidArgument):
            c.req_mkt_data({"symbol": "AAPL", "nope": 1})
        with pytest.raises(tws.InvalidCharacter):
            c.req_mkt_data(tws.stock("AAPL"), generic_ticks="2\x0033")
        with pytest.raises(tws.InvalidCharacter):
            tws.stock("AA\x00PL")
        with pytest.raises(TypeError):
            c.req_mkt_data(tws.stock("AAPL"), options=[("a",)])
        with pytest.raises(tws.InvalidCharacter):
            c.req_mkt_data(tws.stock("AAPL"), options={"a": "b\x00"})
        with pytest.raises(TypeError):
            c.calculate_option_price(tws.stock("AAPL"), "0.2", 190.0)
        with pytest.raises(tws.InvalidArgument):
            c.req_mkt_data(tws.stock("AAPL"), req_id=2**31)
        with pytest.raises(tws.InvalidArgument):
            c.req_mkt_data(tws.stock("AAPL"), req_id=-1)
        with pytest.raises(tws.NotConnected):
            c.req_mkt_data(tws.stock("AAPL"), options={"k": "v"}, req_id=1)
        with pytest.raises(tws.NotConnected):
            c.contract_details(tws.stock("AAPL"), timeout=0.1)
        with pytest.raises(tws.InvalidArgument):
            c.contract_details(tws.stock("AAPL"), timeout=-1)
        assert c.quote(1) is None


def test_blocking_reference_calls(client):
    rows = client.contract_details(tws.stock("AAPL"))
    assert len(rows) == 1
    row = rows[0]
    assert isinstance(row, tws.ContractData)
    assert row.contract.con_id == 265598 and row.contract.symbol == "AAPL"
    assert row.details.long_name == "APPLE INC"
    # A dict works as the contract too; an option chain has many rows.
    options = client.contract_details({"symbol": "AAPL", "sec_type": "OPT", "exchange": "SMART"})
    assert len(options) > 10 and all(r.contract.sec_type == "OPT" for r in options)

    with pytest.raises(tws.RequestFailed) as e:
        client.contract_details(tws.stock("NOPE"))
    assert e.value.tws_code == 200

    samples = client.matching_symbols("AAP")
    assert isinstance(samples, tws.SymbolSamples)
    assert samples.descriptions[0].contract.symbol == "AAPL"

    chains = client.sec_def_opt_params("AAPL", "STK", 265598)
    assert len(chains) >= 1
    rule = client.market_rule(26)
    assert isinstance(rule, tws.MarketRule) and rule.market_rule_id == 26
    assert rule.price_increments and rule.price_increments[0].increment > 0
    with pytest.raises(tws.Timeout):
        client.market_rule(999999, timeout=0.3)
    assert isinstance(client.mkt_depth_exchanges(), tws.MktDepthExchanges)
    assert isinstance(client.family_codes(), tws.FamilyCodes)


def test_snapshot_quote(client):
    q = client.snapshot_quote(tws.stock("AAPL"))
    assert isinstance(q, tws.Quote)
    assert q.bid is not None and q.ask is not None and q.ask >= q.bid
    assert isinstance(q.bid_size, Decimal)
    assert q.updated_at > 0
    with pytest.raises(tws.RequestFailed) as e:
        client.snapshot_quote(tws.stock("MSFT"))
    assert e.value.tws_code == 354


def test_quote_view_follows_without_draining(client):
    rid = client.req_mkt_data(tws.stock("AAPL"), generic_ticks=["233"], options={"k": "v"})
    with pytest.raises(tws.DuplicateRequestId):
        client.req_mkt_data(tws.stock("AAPL"), req_id=rid)
    tick = wait_for(client, "TickPrice", rid)
    assert tws.TickType(tick.tick_type if hasattr(tick, "tick_type") else tick.fields["tick_type"])
    first = client.quote(rid)
    assert first is not None and first.updated_at > 0
    time.sleep(0.6)  # nobody drains the queue meanwhile
    later = client.quote(rid)
    assert later.updated_at > first.updated_at
    assert later.bid is not None and later.volume is not None
    assert later.high is not None or later.low is not None or later.close is not None
    client.cancel_mkt_data(rid)
    assert client.quote(rid) is None


def test_every_request(client):
    aapl = tws.stock("AAPL")
    snap = client.req_mkt_data(aapl, snapshot=True)
    assert client.quote(snap) is None
    wait_for(client, "TickSnapshotEnd", snap)
    depth = client.req_mkt_depth(aapl, num_rows=5, options=[("a", "b")])
    end = time.monotonic() + 8
    seen = None
    while time.monotonic() < end and seen is None:
        ev = client.poll(0.2)
        name = getattr(ev, "MESSAGE", None) or getattr(ev, "name", None)
        if name in ("UpdateMktDepth", "UpdateMktDepthL2"):
            seen = ev
    assert seen is not None
    client.cancel_mkt_depth(depth)
    tbt = client.req_tick_by_tick_data(aapl, "BidAsk")
    client.cancel_tick_by_tick_data(tbt)
    bars = client.req_real_time_bars(aapl, "TRADES")
    wait_for(client, "RealTimeBar", bars, timeout=12)
    client.cancel_real_time_bars(bars)
    client.req_market_data_type(3)
    with pytest.raises(tws.InvalidArgument):
        client.req_market_data_type(7)
    client.req_market_data_type(1)
    cd = client.req_contract_details(aapl)
    wait_for(client, "ContractDataEnd", cd)
    client.cancel_contract_data(cd)
    ms = client.req_matching_symbols("MS")
    wait_for(client, "SymbolSamples", ms)
    sd = client.req_sec_def_opt_params("AAPL", "STK", 265598)
    wait_for(client, "SecDefOptParameterEnd", sd)
    client.req_market_rule(26)
    wait_for(client, "MarketRule")
    client.req_smart_components("a60001")
    client.req_mkt_depth_exchanges()
    wait_for(client, "MktDepthExchanges")
    client.req_family_codes()
    wait_for(client, "FamilyCodes")
    option = client.contract_details({"symbol": "AAPL", "sec_type": "OPT", "exchange": "SMART"})[0]
    opt = {"con_id": option.contract.con_id, "exchange": "SMART"}
    iv = client.calculate_implied_volatility(opt, 5.0, 190.0)
    wait_for(client, "TickOptionComputation", iv)
    client.cancel_calculate_implied_volatility(iv)
    price = client.calculate_option_price(opt, 0.25, 190.0)
    wait_for(client, "TickOptionComputation", price)
    client.cancel_calculate_option_price(price)


def test_quote_layout_matches_the_header():
    import ctypes

    from tws import _ffi

    # sizeof / offsetof as include/tws.h gives them on LP64 (the C test checks the same numbers).
    q = _ffi.tws_quote
    assert ctypes.sizeof(q) == 344
    assert (q.bid_size.offset, q.volume.offset, q.updated_at.offset) == (105, 252, 336)
