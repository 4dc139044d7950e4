"""Every example of bindings/python/examples/ run against tws-sim: the folder
mirrors examples-c/ one for one, each prints what its C twin prints, and the
asyncio examples (examples/aio/) print the same lines as the blocking ones."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from conftest import ROOT

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
C_BIN = ROOT / "build" / "bin"
HOST = "127.0.0.1"


def run(name: str, *args: object, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_examples_mirror_the_c_examples_one_for_one():
    c = {p.stem for p in (ROOT / "examples-c").glob("*.c")}
    py = {p.stem for p in EXAMPLES.glob("*.py")}
    assert py == c, f"missing in Python: {sorted(c - py)}; without a C twin: {sorted(py - c)}"


def hello_world_lines(out: str) -> List[str]:
    lines = out.splitlines()
    assert "AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD" in lines
    assert lines[-1] == "AccountSummaryEnd. ReqId: 0"
    assert len([line for line in lines if line.startswith("AccountSummary. ")]) >= 60
    return lines


def test_account_summary_callback(sim):
    out = run("account_summary_callback.py", HOST, sim.port, 0)
    assert out.returncode == 0, out.stderr
    hello_world_lines(out.stdout)
    assert "Notice 2104" in out.stderr
    c_example = C_BIN / "account_summary_callback"
    if c_example.is_file():  # built by make examples / c-test
        c = subprocess.run([str(c_example), HOST, str(sim.port), "1"], capture_output=True, text=True, timeout=60)
        assert c.returncode == 0 and c.stdout == out.stdout


def test_any_event_prints_every_field(start_sim):
    sim = start_sim("--server-version", "128")
    out = run("any_event.py", HOST, sim.port, 0)
    assert out.returncode == 0, out.stderr
    assert re.search(r"^PnL req_id=1 daily_pnl=[0-9.-]+ unrealized_pnl=\(absent\) realized_pnl=\(absent\)$", out.stdout, re.M)
    assert re.search(
        r'^Position account="DU123456" contract.con_id=265598 contract.symbol="AAPL" contract.sec_type="STK" ',
        out.stdout,
        re.M,
    )
    assert re.search(r'^ManagedAccounts accounts=1 accounts\[0\]="DU123456"$', out.stdout, re.M)


def test_market_data_prints_ticks_and_the_quote(start_sim):
    sim = start_sim("--seed", "7", "--market-data-rate", "20")
    out = run("market_data.py", HOST, sim.port, 0, "AAPL", 12, 20)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "Contract. Symbol: AAPL ConId: 265598 Name: APPLE INC Primary: NASDAQ" in lines
    assert any(re.fullmatch(r"Tick. ReqId: 0 Type: BID Price: [0-9.]+ Size: [0-9]+", line) for line in lines)
    assert any(re.fullmatch(r"Tick. ReqId: 0 Type: ASK Price: [0-9.]+ Size: [0-9]+", line) for line in lines)
    assert len([line for line in lines if line.startswith("Tick. ")]) == 12
    assert re.fullmatch(r"Quote. ReqId: 0 Bid: [0-9.]+ Ask: [0-9.]+ .*", lines[-1])


def test_market_data_names_error_200(sim):
    out = run("market_data.py", HOST, sim.port, 0, "NOPE", 5, 5)
    assert out.returncode == 1
    assert "TWS error 200 (NO_SECURITY_DEFINITION)" in out.stderr


def test_watch_account_runs_and_exits_0(sim):
    out = run("watch_account.py", HOST, sim.port, 3, 1)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "State. Connected"
    assert "AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD" in lines
    assert "AccountSummaryEnd. ReqId: 0" in lines
    assert lines[-1].startswith("State. Disconnected")


def test_watch_account_refuses_a_client_id_in_use(sim):
    first = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "watch_account.py"), HOST, str(sim.port), "7", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert first.stdout is not None and first.stdout.readline() == "State. Connected\n"
        second = run("watch_account.py", HOST, sim.port, 7, 1)
    finally:
        first.communicate(timeout=30)
    assert first.returncode == 0
    assert second.returncode == 1 and "326" in second.stderr


def test_watch_account_survives_a_restart(start_sim):
    # As the C test does: once the first snapshot is in, TWS goes away and
    # comes back on the same port; the watcher reconnects and resubscribes.
    sim = start_sim()
    watcher = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "watch_account.py"), HOST, str(sim.port), "4", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert watcher.stdout is not None
    lines: List[str] = []
    try:
        for line in watcher.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("AccountSummaryEnd"):
                break
        sim.stop()
        time.sleep(0.5)
        start_sim("--port", str(sim.port))
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    lines += out.splitlines()
    assert watcher.returncode == 0, err
    assert any(line.startswith("State. ConnectionLost") for line in lines)
    assert "State. Reconnected, resubscribed 1" in lines
    # The re-issued subscription answers again, under the same request id.
    assert lines.count("AccountSummaryEnd. ReqId: 0") >= 2


def test_aio_account_summary_prints_what_the_blocking_one_prints(sim):
    runs = [run(name, HOST, sim.port, i) for i, name in enumerate(["account_summary.py", "aio/account_summary.py"])]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    hello_world_lines(runs[1].stdout)
    assert runs[0].stdout == runs[1].stdout


def test_aio_market_data_two_symbols_at_once(start_sim):
    sim = start_sim("--market-data-rate", "20")
    out = run("aio/market_data.py", HOST, sim.port, 0, 5, "AAPL", "MSFT")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for symbol in ("AAPL", "MSFT"):
        assert len([line for line in lines if line.startswith(f"{symbol} Tick. ")]) == 5
        assert any(line.startswith(f"{symbol} Quote. Bid: ") for line in lines)
    assert "Contract. Symbol: MSFT ConId: 272093 Name: MICROSOFT CORP" in lines


@pytest.mark.parametrize("name", ["account_summary_callback.py", "aio/account_summary.py"])
def test_examples_fail_cleanly_without_tws(name):
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    out = run(name, HOST, port, 0)
    assert out.returncode == 1 and "CONNECTION_REFUSED" in out.stderr


def test_place_order_prints_the_fill_and_its_commission(sim):
    out = run("place_order.py", HOST, sim.port, 0, "AAPL", "BUY", "100", "1000")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert re.match(r"^Placed\. Id: (\d+) Symbol: AAPL Action: BUY Quantity: 100 Type: LMT Limit: 1000\.00$", lines[0])
    order_id = lines[0].split()[2]
    assert any(
        re.match(rf"^OrderStatus\. Id: {order_id} Status: Filled Filled: 100 Remaining: 0 AvgPrice: \d+\.\d\d$", line)
        for line in lines
    ), lines
    execs = [line for line in lines if line.startswith(f"Execution. Id: {order_id} ExecId: ")]
    assert execs and all(" Side: BOT " in line for line in execs)
    commissions = [line for line in lines if line.startswith("Commission. ExecId: ")]
    assert len(commissions) == len(execs)


@pytest.mark.parametrize("version", ["222", "176"])
def test_historical_bars_prints_a_day_of_hourly_bars(start_sim, version):
    sim = start_sim("--server-version", version)
    out = run("historical_bars.py", HOST, sim.port, 0)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    bar = r"Bar\. ReqId: 1 Date: 20261130 [0-9:]+ US/Eastern Open: [0-9]+\.[0-9]{2} High: [0-9]+\.[0-9]{2} "
    bar += r"Low: [0-9]+\.[0-9]{2} Close: [0-9]+\.[0-9]{2} Volume: [0-9]+ WAP: [0-9.]+ BarCount: [0-9]+"
    assert len([line for line in lines if re.fullmatch(bar, line)]) == 7
    assert lines[-1] == "HistoricalDataEnd. ReqId: 1"
    c_example = C_BIN / "historical_bars"
    if c_example.is_file():  # built by make examples / c-test
        c = subprocess.run([str(c_example), HOST, str(sim.port), "1"], capture_output=True, text=True, timeout=60)
        assert c.returncode == 0 and c.stdout == out.stdout
