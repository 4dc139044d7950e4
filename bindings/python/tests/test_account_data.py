"""Positions, account updates, *Multi and PnL through the Python binding,
against tws-sim (accounts DU123456 and DU654321) over loopback."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Callable, List, Type

import pytest

import tws
from tws import _ffi, _generated
from conftest import ROOT

HOST = "127.0.0.1"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "positions.py"
AAPL, MSFT, AAPL_CALL = 265598, 272093, 713291520


def connected(port: int, client_id: int = 0) -> tws.Client:
    client = tws.Client()
    client.connect(HOST, port, client_id, timeout=5)
    return client


def until(client: tws.Client, done: Callable[[tws.Event], bool], seconds: float = 5) -> List[tws.Event]:
    """Every event up to and including the first for which ``done`` is true."""
    seen: List[tws.Event] = []
    for event in client.events(timeout=seconds):
        seen.append(event)
        if done(event):
            return seen
    raise AssertionError(f"the awaited event did not come; got {seen[-5:]}")


def of(kind: Type, events: List[tws.Event]) -> list:
    return [e for e in events if isinstance(e, kind)]


# ---- the C layout -------------------------------------------------------------------

# The hand-written mirrors (_ffi) and every generated one (_generated.MIRRORS:
# the message views and the records they embed).
MIRRORS = [
    "tws_contract",
    "tws_position_row",
    "tws_account_value_row",
    "tws_portfolio_row",
    "tws_position_event",
    "tws_account_value_event",
    "tws_portfolio_value_event",
    "tws_account_update_time_event",
    "tws_account_download_end_event",
    "tws_position_multi_event",
    "tws_account_update_multi_event",
    "tws_multi_end_event",
    "tws_pnl_event",
    "tws_pnl_single_event",
    "tws_state_event",
    "tws_raw_message_event",
    "tws_field",
    "tws_event_data",
    "tws_event",
]
MIRRORS += [m.__name__ for m in _generated.MIRRORS if m.__name__ not in MIRRORS]


def mirror_of(name: str):
    return getattr(_ffi, name, None) or getattr(_generated, name)


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to read the header's layout")
def test_struct_mirrors_have_the_header_layout(tmp_path):
    # The C compiler reads include/tws.h and prints every size and offset;
    # each must equal the ctypes mirror's.
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "tws.h"', "int main(void) {"]
    expected = []
    for name in MIRRORS:
        mirror = mirror_of(name)
        lines.append(f'printf("%zu\\n", sizeof({name}));')
        expected.append(ctypes.sizeof(mirror))
        for field, _ in mirror._fields_:
            lines.append(f'printf("%zu\\n", offsetof({name}, {field}));')
            expected.append(getattr(mirror, field).offset)
    lines.append("return 0; }")
    src, exe = tmp_path / "layout.c", tmp_path / "layout"
    src.write_text("\n".join(lines))
    subprocess.run(["cc", "-I", str(ROOT / "include"), str(src), "-o", str(exe)], check=True, timeout=60)
    got = [int(x) for x in subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()]
    assert got == expected


# ---- blocking calls -------------------------------------------------------------------


@pytest.mark.parametrize("version", ["150", "176", "201", "222"])
def test_positions_are_complete_and_exact(start_sim, version):
    sim = start_sim("--server-version", version, "--accounts", "DU123456,DU654321")
    with connected(sim.port) as client:
        rows = client.positions(timeout=5)
    assert all(isinstance(r, tws.Position) for r in rows)
    mine = {r.contract.con_id: r for r in rows if r.account == "DU123456"}
    assert set(mine) == {AAPL, MSFT, AAPL_CALL, 14204}
    aapl = mine[AAPL]
    assert aapl.position == Decimal("100") and aapl.avg_cost == 172.35
    assert (aapl.contract.symbol, aapl.contract.sec_type, aapl.contract.currency) == ("AAPL", "STK", "USD")
    assert aapl.contract.exchange == "NASDAQ" and aapl.contract.trading_class == "NMS"
    # Fractional shares stay exact: no binary float ever held them.
    msft = mine[MSFT].position
    assert isinstance(msft, Decimal) and str(msft) == "0.5"
    assert msft * 3 == Decimal("1.5") and msft + Decimal("0.1") + Decimal("0.2") == Decimal("0.8")
    call = mine[AAPL_CALL].contract
    assert (call.sec_type, call.strike, call.right, call.multiplier) == ("OPT", 200.0, "C", "100")
    assert call.last_trade_date_or_contract_month == "20261218"
    assert call.local_symbol == "AAPL  261218C00200000"
    assert mine[14204].contract.currency == "EUR"
    other = [r for r in rows if r.account == "DU654321"]
    assert {r.contract.symbol for r in other} == {"SPY", "NVDA", "BMW"}
    nvda = next(r for r in other if r.contract.symbol == "NVDA").position
    assert nvda is not None and nvda != nvda.to_integral_value()  # a fraction, exactly as sent


def test_account_updates_snapshot(sim):
    with connected(sim.port) as client:
        snap = client.account_updates("DU123456", timeout=5)
    assert isinstance(snap, tws.AccountSnapshot)
    assert snap.account == "DU123456" and len(snap.time) == 5 and snap.time[2] == ":"
    assert snap.value("NetLiquidation", "USD") == "983631.71"
    assert snap.value("AccountType") == "INDIVIDUAL"
    assert snap.value("NoSuchKey") is None
    assert tws.AccountValue("NetLiquidation", "983631.71", "USD", "DU123456") in snap.values
    assert {v.currency for v in snap.values} >= {"USD", "EUR"}
    assert [p.contract.symbol for p in snap.portfolio] == ["AAPL", "MSFT", "AAPL", "SAP"]
    aapl, msft, call, sap = snap.portfolio
    assert aapl.contract.primary_exchange == "NASDAQ" and aapl.average_cost == 172.35
    assert aapl.position == Decimal("100") and aapl.market_value == pytest.approx(18984.0)
    assert aapl.unrealized_pnl == pytest.approx(aapl.market_value - 100 * 172.35, abs=0.01)
    assert msft.position == Decimal("0.5")
    assert call.contract.sec_type == "OPT" and call.realized_pnl == 312.5
    assert sap.contract.currency == "EUR"
    assert all(p.account == "DU123456" for p in snap.portfolio)


def test_unknown_account_raises_request_failed_with_321(sim):
    with connected(sim.port) as client:
        with pytest.raises(tws.RequestFailed) as info:
            client.account_updates("DU999999", timeout=5)
        assert info.value.code == -20 and "321" in info.value.detail
        # The client is still usable.
        assert client.account_updates("DU654321", timeout=5).account == "DU654321"


def test_blocking_calls_need_a_session():
    with tws.Client() as client:
        with pytest.raises(tws.NotConnected):
            client.positions(timeout=1)
        with pytest.raises(tws.NotConnected):
            client.account_updates("DU123456", timeout=1)
        with pytest.raises(tws.NotConnected):
            client.req_pnl("DU123456")


def test_bad_arguments_raise(sim):
    with connected(sim.port) as client:
        with pytest.raises(tws.InvalidCharacter):
            client.req_account_updates("DU1\x01")
        with pytest.raises(TypeError):
            client.req_pnl(123456)  # type: ignore[arg-type]


# ---- events ------------------------------------------------------------------------------


def test_position_events_then_end(sim):
    with connected(sim.port) as client:
        client.req_positions()
        seen = until(client, lambda e: isinstance(e, tws.PositionEnd))
        client.cancel_positions()
    positions = of(tws.Position, seen)
    assert len(positions) == 7
    assert {p.account for p in positions} == {"DU123456", "DU654321"}
    assert any(p.contract.con_id == MSFT and p.position == Decimal("0.5") for p in positions)
    assert not of(tws.OtherEvent, seen)


def test_account_update_events(sim):
    with connected(sim.port) as client:
        client.req_account_updates("DU654321")
        seen = until(client, lambda e: isinstance(e, tws.AccountDownloadEnd))
        client.cancel_account_updates("DU654321")
    assert seen[-1] == tws.AccountDownloadEnd("DU654321")
    values = of(tws.AccountValue, seen)
    assert values and all(v.account == "DU654321" for v in values)
    assert any(v.key == "NetLiquidation" and v.currency == "USD" for v in values)
    portfolio = of(tws.PortfolioValue, seen)
    assert [p.contract.symbol for p in portfolio] == ["SPY", "NVDA", "BMW"]
    assert all(isinstance(p.position, Decimal) and p.account == "DU654321" for p in portfolio)
    (stamp,) = of(tws.AccountUpdateTime, seen)
    assert len(stamp.time_stamp) == 5


def test_unknown_account_is_error_321_event(sim):
    with connected(sim.port) as client:
        client.req_account_updates("DU999999")
        errors = of(tws.ErrorMessage, until(client, lambda e: isinstance(e, tws.ErrorMessage) and e.code == 321))
        assert errors[-1].req_id == -1 and errors[-1].error_class == tws.ErrorClass.ERROR
        rid = client.req_pnl("DU999999")
        last = until(client, lambda e: isinstance(e, tws.ErrorMessage) and e.req_id == rid)[-1]
        assert last.code == 321 and "DU999999" in last.message


def test_multi_events_carry_their_request_id(sim):
    with connected(sim.port) as client:
        pos_id = client.req_positions_multi("DU123456")
        seen = until(client, lambda e: isinstance(e, tws.PositionMultiEnd))
        assert seen[-1] == tws.PositionMultiEnd(pos_id)
        rows = of(tws.PositionMulti, seen)
        assert [r.contract.symbol for r in rows] == ["AAPL", "MSFT", "AAPL", "SAP"]
        assert all(r.req_id == pos_id and r.account == "DU123456" and r.model_code == "" for r in rows)
        assert rows[1].position == Decimal("0.5")
        client.cancel_positions_multi(pos_id)

        upd_id = client.req_account_updates_multi("DU654321", ledger_and_nlv=True)
        seen = until(client, lambda e: isinstance(e, tws.AccountUpdateMultiEnd))
        assert seen[-1] == tws.AccountUpdateMultiEnd(upd_id)
        values = of(tws.AccountUpdateMulti, seen)
        assert values and all(v.req_id == upd_id and v.account == "DU654321" for v in values)
        assert {v.key for v in values} <= {"NetLiquidation", "CashBalance", "NetLiquidationByCurrency"}
        client.cancel_account_updates_multi(upd_id)


def test_pnl_and_pnl_single(sim):
    with connected(sim.port) as client:
        rid = client.req_pnl("DU123456")
        pnl = until(client, lambda e: isinstance(e, tws.PnL))[-1]
        client.cancel_pnl(rid)
        single_id = client.req_pnl_single("DU123456", AAPL)
        single = until(client, lambda e: isinstance(e, tws.PnLSingle))[-1]
        client.cancel_pnl_single(single_id)
    assert pnl.req_id == rid and pnl.realized_pnl == 312.5
    assert pnl.unrealized_pnl is not None and pnl.unrealized_pnl > 0 and pnl.daily_pnl is not None
    assert single.req_id == single_id and single.position == Decimal("100")
    assert single.value == pytest.approx(18984.0) and single.realized_pnl == 0.0


def test_pnl_values_a_server_does_not_send_are_none(start_sim):
    # v127 has reqPnL, but sends neither unrealized (v129) nor realized (v135) PnL.
    sim = start_sim("--server-version", "128", "--accounts", "DU123456")
    with connected(sim.port) as client:
        client.req_pnl("DU123456")
        pnl = until(client, lambda e: isinstance(e, tws.PnL))[-1]
    assert pnl.daily_pnl is not None
    assert pnl.unrealized_pnl is None and pnl.realized_pnl is None


def test_callback_gets_account_data_events(sim):
    got: List[tws.Event] = []
    done = threading.Event()

    def on_event(event: tws.Event) -> None:
        got.append(event)
        if isinstance(event, tws.PositionEnd):
            done.set()

    with connected(sim.port) as client:
        client.set_callback(on_event)
        client.req_positions()
        assert done.wait(5)
        client.set_callback(None)
    assert len(of(tws.Position, got)) == 7


def test_example_prints_the_c_lines(sim):
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), HOST, str(sim.port), "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "Position. Account: DU123456 Symbol: AAPL SecType: STK Currency: USD Position: 100 Avg cost: 172.35" in lines
    assert "Position. Account: DU123456 Symbol: MSFT SecType: STK Currency: USD Position: 0.5 Avg cost: 402.1" in lines
    assert any(l.startswith("Position. Account: DU123456 Symbol: AAPL SecType: OPT Currency: USD Position: 2 ") for l in lines)
    assert any(l.startswith("Position. Account: DU123456 Symbol: SAP SecType: STK Currency: EUR ") for l in lines)
    assert any(l.startswith("Position. Account: DU654321 ") for l in lines)
    assert len(lines) == 7 and all(l.startswith("Position. ") for l in lines)


def test_example_prints_what_the_c_example_prints(sim):
    c_example = ROOT / "build" / "bin" / "positions"
    if not c_example.is_file():
        pytest.skip("build/bin/positions is not built (make examples)")
    runs = [
        subprocess.run(cmd + [HOST, str(sim.port), str(i)], capture_output=True, text=True, timeout=60)
        for i, cmd in enumerate([[sys.executable, str(EXAMPLE)], [str(c_example)]])
    ]
    assert all(r.returncode == 0 for r in runs)
    assert runs[0].stdout == runs[1].stdout
