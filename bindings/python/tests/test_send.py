"""Client.send: any request of the catalogue sent by name, generically
(tws_record + tws_client_send), answered by the simulator."""

from __future__ import annotations


import pytest

import tws


def _until(client, cls, seconds=10, **match):
    for event in client.events(timeout=seconds):
        if isinstance(event, cls) and all(getattr(event, k) == v for k, v in match.items()):
            return event
    raise AssertionError(f"no {cls.__name__} {match}")


def test_current_time_and_account_summary_are_sent_generically(sim):
    with tws.Client() as client:
        client.connect("127.0.0.1", sim.port, client_id=71, timeout=10)
        client.send("ReqCurrentTime")
        assert _until(client, tws.CurrentTime).time > 0

        client.send("ReqAccountSummary", req_id=11, group="All", tags="NetLiquidation")
        rows = []
        for event in client.events(timeout=10):
            if isinstance(event, tws.AccountSummary) and event.req_id == 11:
                rows.append(event)
            elif isinstance(event, tws.AccountSummaryEnd) and event.req_id == 11:
                break
        assert {(r.account, r.tag) for r in rows} == {("DU123456", "NetLiquidation"), ("DU654321", "NetLiquidation")}
        assert any(r.value == "983631.71" for r in rows)
        client.send("CancelAccountSummary", req_id=11)

        # A request built as a tws.Record, with a bool field.
        with tws.Record("ReqAccountUpdatesMulti", req_id=12, account="DU123456", model_code="", ledger_and_nlv=True) as rec:
            client.send_record(rec)
        _until(client, tws.AccountUpdateMultiEnd, req_id=12)
        client.send("CancelAccountUpdatesMulti", req_id=12)

        # The session is still fine after refusals.
        with pytest.raises(tws.InvalidArgument):
            client.send("ReqAccountSummary", req_id=-1, group="All", tags="NetLiquidation")
        client.send("ReqCurrentTime")
        _until(client, tws.CurrentTime)


def test_unknown_names_fields_and_wrong_kinds_are_refused_naming_them(sim):
    with tws.Client() as client:
        client.connect("127.0.0.1", sim.port, client_id=72, timeout=10)
        with pytest.raises(tws.InvalidArgument) as e:
            client.send("ReqNothing")
        assert e.value.name == "TWS_ERR_INVALID_ARGUMENT"
        assert "ReqNothing" in e.value.detail
        with pytest.raises(tws.InvalidArgument) as e:
            client.send("ReqCurrentTime", bogus=1)
        assert "bogus" in e.value.detail
        with pytest.raises(tws.InvalidArgument) as e:
            client.send("CancelAccountSummary", req_id="1")
        assert "req_id" in e.value.detail
        with pytest.raises(tws.InvalidArgument) as e:
            client.send("ReqAccountSummary", group="All", tags="NetLiquidation")
        assert "req_id" in e.value.detail and "required" in e.value.detail
        with pytest.raises(tws.InvalidArgument) as e:
            client.send("ReqPnL", req_id=3, account=1.5, model_code="")
        assert "account" in e.value.detail
        with pytest.raises(tws.InvalidArgument) as e:
            client.send("ReqPnL", req_id=3, account={"symbol": "AAPL"}, model_code="")
        assert "account" in e.value.detail
        # A NUL is refused by the binding, a control character by libtws: nothing is sent.
        with pytest.raises(tws.InvalidCharacter) as e:
            client.send("ReqAccountSummary", req_id=4, group="All", tags="Net\x00Liquidation")
        assert "tags" in e.value.detail
        with pytest.raises(tws.InvalidCharacter):
            client.send("ReqAccountSummary", req_id=4, group="All", tags="Net\x01Liquidation")
        with pytest.raises(tws.InvalidArgument):
            client.send("StartApi", client_id=72)


def test_not_connected_is_refused():
    with tws.Client() as client:
        with pytest.raises(tws.NotConnected):
            client.send("ReqCurrentTime")
