"""The Python binding against tws-sim over loopback: sessions, the account
summary, events by iterator and by callback, errors, logging, the trace."""

from __future__ import annotations

import ctypes
import selectors
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import tws
from tws import _ffi
from conftest import wait_until

HOST = "127.0.0.1"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "account_summary.py"
NET_LIQ = tws.AccountSummaryRow("DU123456", "NetLiquidation", "983631.71", "USD")


def connected(port: int, client_id: int = 0, **options) -> tws.Client:
    client = tws.Client(**options)
    client.connect(HOST, port, client_id, timeout=5)
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def test_struct_mirrors_match_the_header():
    # tws_event (ABI 1.0): int32 type, a union padded to 32 uint64, the
    # message handle and three reserved pointers.
    assert ctypes.sizeof(_ffi.tws_event) == 8 + 32 * 8 + 4 * ctypes.sizeof(ctypes.c_void_p)
    assert ctypes.sizeof(_ffi.tws_stats) == 17 * 8
    assert ctypes.sizeof(_ffi.tws_state_event) == 8 + 8 + 4 * 3 + 4  # padded to 8
    assert tws.library_version().count(".") == 2


@pytest.mark.parametrize("version", ["176", "201", "222"])
def test_account_summary_returns_every_row(start_sim, version):
    sim = start_sim("--server-version", version, "--accounts", "DU123456,DU654321")
    with connected(sim.port) as client:
        assert client.is_connected
        assert client.server_version == int(version)
        rows = client.account_summary(group="All")
    assert NET_LIQ in rows
    assert {r.account for r in rows} == {"DU123456", "DU654321"}
    tags = {r.tag for r in rows}
    assert set(tws.ALL_TAGS.split(",")) <= tags
    assert all(isinstance(r, tws.AccountSummaryRow) for r in rows)


def test_account_summary_takes_a_tag_list(sim):
    with connected(sim.port) as client:
        rows = client.account_summary(tags=["NetLiquidation", "TotalCashValue"])
    assert sorted({r.tag for r in rows}) == ["NetLiquidation", "TotalCashValue"]
    assert len(rows) == 4


def test_events_iterate_to_the_end_marker(sim):
    with connected(sim.port) as client:
        req_id = client.req_account_summary(tags="NetLiquidation")
        seen = []
        for event in client.events(timeout=5):
            seen.append(event)
            if isinstance(event, tws.AccountSummaryEnd):
                break
        client.cancel_account_summary(req_id)
    rows = [e for e in seen if isinstance(e, tws.AccountSummary)]
    assert tws.AccountSummary(req_id, "DU123456", "NetLiquidation", "983631.71", "USD") in rows
    assert seen[-1] == tws.AccountSummaryEnd(req_id)
    notices = [e for e in seen if isinstance(e, tws.ErrorMessage) and e.code == 2104]
    assert notices and notices[0].error_class == tws.ErrorClass.NOTICE
    assert any(isinstance(e, tws.StateChanged) and e.state == tws.ConnectionState.CONNECTED for e in seen)


def test_events_keep_their_strings_after_later_polls(sim):
    with connected(sim.port) as client:
        client.req_account_summary(tags="NetLiquidation,AccountType")
        events = list(client.events(timeout=1))
    rows = [e for e in events if isinstance(e, tws.AccountSummary)]
    assert {r.tag for r in rows} == {"NetLiquidation", "AccountType"}
    assert all(r.account.startswith("DU") for r in rows)


def test_events_stop_after_a_quiet_timeout(sim):
    with connected(sim.port) as client:
        list(client.events(timeout=0.3))  # drain the startup sequence
        start = time.monotonic()
        assert list(client.events(timeout=0.3)) == []
        assert 0.25 <= time.monotonic() - start < 5


def test_current_time_and_managed_accounts(sim):
    with connected(sim.port) as client:
        client.req_current_time()
        client.req_managed_accounts()
        got = {}
        for event in client.events(timeout=5):
            got[type(event)] = event
            if tws.CurrentTime in got and tws.ManagedAccounts in got:
                break
    assert abs(got[tws.CurrentTime].time - time.time()) < 60
    assert got[tws.ManagedAccounts].accounts == ["DU123456", "DU654321"]


def test_refused_port_raises_connection_refused():
    with tws.Client() as client:
        with pytest.raises(tws.ConnectionRefused) as info:
            client.connect(HOST, free_port(), 0, timeout=5)
    e = info.value
    assert isinstance(e, tws.TwsError)
    assert e.code == -10 and e.name == "TWS_ERR_CONNECTION_REFUSED" and e.detail


def test_silent_server_raises_timeout_in_time():
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(1)
        with tws.Client() as client:
            start = time.monotonic()
            with pytest.raises(tws.Timeout):
                client.connect(HOST, listener.getsockname()[1], 0, timeout=0.5)
            assert time.monotonic() - start < 5


def test_client_id_in_use(sim):
    with connected(sim.port, client_id=7):
        with tws.Client() as second:
            with pytest.raises(tws.ClientIdInUse):
                second.connect(HOST, sim.port, 7, timeout=5)
            second.connect(HOST, sim.port, 8, timeout=5)


def test_requests_need_a_session():
    with tws.Client() as client:
        with pytest.raises(tws.NotConnected):
            client.req_current_time()
        assert client.state == tws.ConnectionState.DISCONNECTED


def test_bad_characters_are_value_errors(sim):
    with connected(sim.port) as client:
        with pytest.raises(tws.InvalidCharacter):
            client.req_account_summary(group="All\x01")
        with pytest.raises(ValueError):
            client.req_account_summary(group="All\x01")
        with pytest.raises(tws.InvalidArgument):
            tws.Client(queue_capacity=0)


def test_connection_lost_then_reconnecting(start_sim):
    sim = start_sim()
    with connected(sim.port, reconnect_initial_delay=0.05) as client:
        list(client.events(timeout=0.2))
        sim.stop()
        states = []
        for e in client.events(timeout=3):
            if isinstance(e, tws.StateChanged):
                states.append(e)
                if e.state == tws.ConnectionState.RECONNECTING:
                    break
        kinds = [s.state for s in states]
        assert kinds[:2] == [tws.ConnectionState.CONNECTION_LOST, tws.ConnectionState.RECONNECTING], kinds
        assert states[1].attempt == 1
        with pytest.raises(tws.NotConnected):
            client.req_current_time()


def test_connection_lost_without_reconnect(start_sim):
    sim = start_sim()
    with connected(sim.port, reconnect=False) as client:
        list(client.events(timeout=0.2))
        sim.stop()
        states = [e for e in client.events(timeout=1) if isinstance(e, tws.StateChanged)]
        assert states and states[-1].state == tws.ConnectionState.CONNECTION_LOST
        assert client.state == tws.ConnectionState.CONNECTION_LOST


def test_callbacks_deliver_on_another_thread(sim):
    got, done = [], threading.Event()
    threads = set()

    def on_event(event):
        threads.add(threading.get_ident())
        got.append(event)
        if isinstance(event, tws.CurrentTime):
            raise RuntimeError("a failing callback must not stop delivery")
        if isinstance(event, tws.AccountSummaryEnd):
            done.set()

    hooked = []
    tws.set_callback_error_hook(lambda exc, source: hooked.append(exc))
    try:
        with connected(sim.port) as client:
            client.set_callback(on_event)
            with pytest.raises(tws.WrongMode):
                client.poll(0)
            client.req_current_time()
            client.req_account_summary(tags="NetLiquidation")
            assert done.wait(5)
            client.set_callback(None)
            client.poll(0)  # poll mode again: no WrongMode
    finally:
        tws.set_callback_error_hook(None)
    assert threading.get_ident() not in threads and len(threads) == 1
    assert any(isinstance(e, tws.CurrentTime) for e in got)
    assert any(isinstance(h, RuntimeError) for h in hooked)


def test_close_from_the_callback_is_refused(sim):
    errors, done = [], threading.Event()
    client = connected(sim.port)

    def on_event(event):
        try:
            client.close()
        except tws.Reentrant as e:
            errors.append(e)
        done.set()

    client.set_callback(on_event)
    client.req_current_time()
    assert done.wait(5)
    client.close()
    assert errors and errors[0].code == -22
    with pytest.raises(tws.ClientClosed):
        client.req_current_time()


def test_fileno_is_readable_when_events_wait(sim):
    with connected(sim.port) as client:
        list(client.events(timeout=0.2))
        with selectors.DefaultSelector() as sel:
            sel.register(client.fileno(), selectors.EVENT_READ)
            assert sel.select(timeout=0.05) == []
            client.req_current_time()
            assert sel.select(timeout=5)
        assert isinstance(client.poll(1), tws.CurrentTime)


def test_stats_count_traffic(sim):
    with connected(sim.port) as client:
        client.account_summary(tags="NetLiquidation")
        stats = client.stats()
    assert stats.connects == 1
    assert stats.messages_out >= 3 and stats.messages_in >= 5 and stats.bytes_in > 0


def test_log_handler_sees_the_session(sim):
    records = []
    tws.set_log_handler(records.append, tws.LogLevel.DEBUG)
    try:
        with connected(sim.port):
            pass
    finally:
        tws.set_log_handler(None)
        tws.set_log_level(tws.LogLevel.INFO)
    messages = [(r.level, r.target, r.message) for r in records]
    assert any(l == tws.LogLevel.INFO and "session ready" in m for l, _, m in messages), messages
    assert any(l == tws.LogLevel.DEBUG and "connect attempt" in m for l, _, m in messages), messages
    assert all(t.startswith("tws::") for _, t, _ in messages)
    n = len(records)
    with connected(sim.port, client_id=1):
        pass
    assert len(records) == n  # removed: nothing more arrives


def test_log_to_logging(sim, caplog):
    tws.log_to_logging()
    try:
        with caplog.at_level("INFO", logger="tws"):
            with connected(sim.port):
                pass
    finally:
        tws.set_log_handler(None)
    assert any(r.name.startswith("tws.client") and "session ready" in r.getMessage() for r in caplog.records)


def test_trace_file_has_a_line_per_message(sim, tmp_path):
    trace = tmp_path / "wire.log"
    with connected(sim.port, trace_file=trace) as client:
        client.account_summary(tags="NetLiquidation")
    lines = trace.read_text().splitlines()
    assert any(" -> ReqAccountSummary " in l and 'tags: "NetLiquidation"' in l for l in lines)
    assert any(" <- AccountSummary " in l and 'value: "983631.71"' in l for l in lines)
    assert any(" <- AccountSummaryEnd " in l for l in lines)


def test_unwritable_trace_file_is_an_io_error(tmp_path):
    with pytest.raises(tws.IoError):
        tws.Client(trace_file=tmp_path / "missing" / "dir" / "wire.log")


def test_example_prints_the_hello_world(sim):
    out = subprocess.run(
        [sys.executable, str(EXAMPLE), HOST, str(sim.port), "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD" in lines
    assert lines[-1] == "AccountSummaryEnd. ReqId: 0"
    assert len([l for l in lines if l.startswith("AccountSummary. ")]) >= 60
    assert "2104" in out.stderr and "2104" not in out.stdout


def test_an_oversize_frame_arrives_as_a_protocol_violation(start_sim):
    sim = start_sim("--garbage", "oversize")
    with tws.Client(reconnect=False) as client:
        client.connect("127.0.0.1", sim.port, 31, timeout=5)
        client.req_account_summary("All", "NetLiquidation")
        seen = [e for e in client.events(timeout=2)]
    violations = [e for e in seen if isinstance(e, tws.ProtocolViolation)]
    assert len(violations) == 1, seen
    assert "exceeds" in violations[0].reason
    assert len(violations[0].data) == 4  # the announced length prefix
    assert not any(isinstance(e, tws.OtherEvent) for e in seen)
