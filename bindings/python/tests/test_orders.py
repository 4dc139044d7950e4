"""Orders from Python against tws-sim: placing (ids, and the fields that
reach the simulator, read back from its record), orders built from dicts,
records and dataclasses with conditions, algo params and combo legs,
refusals while disconnected, the requests, and the blocking calls."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import tws


@pytest.fixture
def recorded(start_sim, tmp_path):
    path = tmp_path / "record.jsonl"
    sim = start_sim("--quiet", "--record", str(path))
    return sim, path


def placed(path):
    """The fields of every placeOrder the simulator received, in order."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [r["fields"] for r in rows if r.get("dir") == "out" and r.get("name") == "PlaceOrder"]


AAPL = {"symbol": "AAPL", "sec_type": "STK", "exchange": "SMART", "currency": "USD"}


def test_placing_orders_of_every_shape(recorded):
    sim, path = recorded
    with tws.Client() as c:
        c.connect("127.0.0.1", sim.port, client_id=51, timeout=10)
        first = c.place_order(tws.stock("AAPL"), tws.limit_order("BUY", 100, 189.50, tif="DAY"))
        parent = c.place_order(
            AAPL,
            {
                "action": "BUY",
                "total_quantity": Decimal("50"),
                "order_type": "LMT",
                "lmt_price": 189.25,
                "transmit": False,
                "algo_strategy": "Adaptive",
                "algo_params": {"adaptivePriority": "Urgent"},
                "conditions": [
                    {"condition_type": 1, "is_more": True, "con_id": 265598, "exchange": "SMART", "price": 190.5},
                    tws.OrderCondition(
                        3, False, True, 0, "", "", "", 0, None, 0.0, 0, "20261202 15:00:00 US/Eastern", 0
                    ),
                ],
            },
        )
        child = c.place_order(
            tws.stock("AAPL"), tws.limit_order("SELL", "50", 195.0, parent_id=parent, transmit=True)
        )
        bag = {
            "symbol": "AAPL,MSFT",
            "sec_type": "BAG",
            "exchange": "SMART",
            "currency": "USD",
            "combo_legs": [
                {"con_id": 265598, "ratio": 1, "action": "BUY", "exchange": "SMART"},
                {"con_id": 272093, "ratio": 1, "action": "SELL", "exchange": "SMART"},
            ],
        }
        combo = c.place_order(
            bag,
            tws.limit_order(
                "BUY",
                1,
                220.75,
                order_combo_legs=[{"price": 189.5}, {"price": 410.25}],
                smart_combo_routing_params=[("NonGuaranteed", "1")],
            ),
        )
        c.place_order_with_id(first, tws.stock("AAPL"), tws.limit_order("BUY", 100, 189.40))
        c.cancel_order(child, {"manual_order_cancel_time": "20261202 10:00:00 UTC"})
        c.cancel_order(combo)
        c.req_global_cancel()
        assert [parent, child, combo] == [first + 1, first + 2, first + 3]
        # Answered after everything before it was read; typed rows of our orders.
        still_open = c.open_orders(timeout=5)
        assert all(isinstance(o, tws.OpenOrder) and o.order_id in (first, parent, child, combo) for o in still_open)
    orders = placed(path)
    assert [o["order_id"] for o in orders] == [first, parent, child, combo, first]
    o = orders[0]
    assert (o["order.action"], o["order.total_quantity"], o["order.lmt_price"], o["order.tif"]) == (
        "BUY",
        "100",
        189.5,
        "DAY",
    )
    assert o["order.transmit"] is True
    p = orders[1]
    assert p["order.algo_params"] == 1 and p["tag_value.value"] == "Urgent"
    assert p["order.conditions"] == 2 and p["order.transmit"] is False
    assert p["order.total_quantity"] == "50"
    assert orders[2]["order.parent_id"] == parent
    assert orders[3]["contract.combo_legs"] == 2 and orders[3]["order.smart_combo_routing_params"] == 1
    assert orders[4]["order.lmt_price"] == 189.4


def test_refused_while_disconnected_without_using_an_id(sim):
    with tws.Client() as c:
        with pytest.raises(tws.NotConnected):
            c.place_order(AAPL, tws.limit_order("BUY", 1, 1.0))
        c.connect("127.0.0.1", sim.port, client_id=52, timeout=10)
        before = c.next_order_id()
        c.disconnect()
        with pytest.raises(tws.NotConnected):
            c.place_order(AAPL, tws.limit_order("BUY", 1, 1.0))
        with pytest.raises(tws.NotConnected):
            c.cancel_order(before)
        assert c.next_order_id() == before + 1


def test_argument_checks(sim):
    with tws.Client() as c:
        c.connect("127.0.0.1", sim.port, client_id=53, timeout=10)
        with pytest.raises(tws.InvalidArgument):
            c.place_order(tws.limit_order("BUY", 1, 1.0), tws.limit_order("BUY", 1, 1.0))
        with pytest.raises(tws.InvalidArgument):
            tws.limit_order("BUY", "abc", 1.0)
        with pytest.raises(TypeError):
            c.place_order(AAPL, 42)
        with pytest.raises(TypeError):
            tws.limit_order("BUY", True, 1.0)
        with pytest.raises(tws.InvalidArgument):
            c.place_order_with_id(-1, AAPL, tws.market_order("BUY", 1))
        with pytest.raises(tws.InvalidArgument):
            c.place_order(AAPL, {"no_such_field": 1})


def test_requests_and_blocking_calls(sim):
    with tws.Client() as c:
        c.connect("127.0.0.1", sim.port, client_id=54, timeout=10)
        c.req_open_orders()
        c.req_all_open_orders()
        c.req_auto_open_orders(False)
        c.req_completed_orders(api_only=True)
        rid = c.req_executions({"symbol": "AAPL", "specific_dates": [20261201]})
        assert isinstance(rid, int)
        assert c.open_orders(timeout=5) == []
        assert c.completed_orders(timeout=5) == []
        assert c.executions({"symbol": "AAPL"}, timeout=5) == []
        assert c.executions(timeout=5) == []
        state = c.what_if({"symbol": "SPY", "sec_type": "STK", "exchange": "SMART", "currency": "USD"},
                          tws.limit_order("BUY", 100, 500.0), timeout=5)
        assert isinstance(state, tws.OrderState)
        assert abs(float(state.init_margin_change) - 12_500.0) < 0.01  # 25% of 100 x 500
        with pytest.raises(tws.RequestFailed) as refused:
            c.what_if(AAPL, tws.limit_order("BUY", 100, 189.503), timeout=5)
        assert refused.value.tws_code == 110


def test_a_fill_and_its_commission(sim):
    with tws.Client() as c:
        c.connect("127.0.0.1", sim.port, client_id=55, timeout=10)
        oid = c.place_order(AAPL, tws.market_order("BUY", 10))
        reports = []
        for _ in range(50):
            reports = [r for r in c.executions(timeout=5) if r.execution.order_id == oid]
            if reports and all(r.commission is not None for r in reports):
                break
        assert reports and sum(Decimal(r.execution.shares) for r in reports) == 10
        assert all(r.commission.exec_id == r.execution.exec_id for r in reports)
        assert all(r.commission.commission_and_fees > 0 for r in reports)
        done = c.completed_orders(timeout=5)
        assert any(o.order_state.status == "Filled" for o in done)
