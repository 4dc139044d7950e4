"""Issue 11, the Python side: close() against calls in progress, interpreter
exit with a live callback, callback lifetimes through user_data, callback
errors, argument checking, embedded NULs and the install of a stale library."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time
from pathlib import Path

import pytest

import tws
from tws import _ffi
from conftest import wait_until

HOST = "127.0.0.1"
PACKAGE = Path(__file__).resolve().parents[1]


def connected(port: int, client_id: int = 0, **options) -> tws.Client:
    client = tws.Client(**options)
    client.connect(HOST, port, client_id, timeout=5)
    return client


def run_script(source: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs ``source`` in a fresh interpreter with this package importable."""
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def recorded(path: Path) -> list:
    """The messages the simulator received from the client (``--record``)."""
    if not path.exists():
        return []
    messages = []
    for line in path.read_text().splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:  # the line being written right now
            break
    return [m for m in messages if m.get("dir") == "out"]


class Outcome:
    """What a call on another thread did: its result or its exception."""

    def __init__(self, fn) -> None:
        self.result = self.error = None
        self.started = threading.Event()

        def run() -> None:
            self.started.set()
            try:
                self.result = fn()
            except BaseException as e:  # recorded for the test
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        self.started.wait(5)

    def join(self) -> None:
        self.thread.join(10)
        assert not self.thread.is_alive(), "the call on the other thread never returned"


# ---- 1. close() while another thread is inside a call -----------------------------------


def close_under(client: tws.Client, call) -> Outcome:
    out = Outcome(call)
    time.sleep(0.3)  # let the call get into libtws
    closer = threading.Thread(target=client.close)
    closer.start()
    closer.join(10)
    assert not closer.is_alive(), "close() did not return"
    out.join()
    if out.error is not None:
        assert isinstance(out.error, tws.ClientClosed), repr(out.error)
    return out


def test_close_while_polling(sim):
    client = connected(sim.port)
    list(client.events(timeout=0.2))
    out = close_under(client, lambda: [client.poll(timeout=5) for _ in range(3)])
    # Either the poll saw the DISCONNECTED event then the closed client, or only the latter.
    assert out.error is not None or out.result is not None
    with pytest.raises(tws.ClientClosed):
        client.poll(0)


def test_close_while_iterating_events(sim):
    client = connected(sim.port)
    out = close_under(client, lambda: list(client.events()))  # never ends by itself
    assert isinstance(out.error, tws.ClientClosed)


def test_close_while_a_blocking_call_waits(start_sim):
    sim = start_sim("--slow", "150")  # each row takes 150 ms: the call lasts seconds
    client = connected(sim.port, reconnect=False)
    out = close_under(client, lambda: client.account_summary(timeout=30))
    assert isinstance(out.error, tws.ClientClosed), (out.result, out.error)
    assert isinstance(out.error.__cause__, tws.TwsError)


def test_close_while_connecting_to_a_silent_server():
    import socket

    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen()
        client = tws.Client()
        out = close_under(client, lambda: client.connect(HOST, listener.getsockname()[1], 0, timeout=20))
    assert isinstance(out.error, tws.ClientClosed)


def test_every_call_after_close_raises_client_closed(sim):
    client = connected(sim.port)
    client.close()
    client.close()  # idempotent
    for call in (
        lambda: client.poll(0),
        lambda: client.req_current_time(),
        lambda: client.state,
        lambda: client.account_summary(timeout=1),
        lambda: client.connect(HOST, sim.port, 0),
        lambda: client.set_callback(print),
        lambda: client.fileno(),
    ):
        with pytest.raises(tws.ClientClosed) as info:
            call()
        assert isinstance(info.value, tws.NotConnected) and isinstance(info.value, ValueError)
        assert info.value.code == -15


def test_concurrent_closes_and_calls_never_crash(sim):
    for _ in range(5):
        client = connected(sim.port)
        client.req_account_summary(tags="NetLiquidation")
        outs = [Outcome(lambda: list(client.events())) for _ in range(2)]
        outs.append(Outcome(lambda: [client.req_current_time() or time.sleep(0.001) for _ in range(10_000)]))
        closers = [threading.Thread(target=client.close) for _ in range(3)]
        for t in closers:
            t.start()
        for t in closers:
            t.join(10)
            assert not t.is_alive()
        for out in outs:
            out.join()
            assert out.error is None or isinstance(out.error, tws.ClientClosed), repr(out.error)


# ---- 2. interpreter exit with a live callback ---------------------------------------------


EXIT_WITH_CALLBACK = """
    import sys, tws
    client = tws.Client()
    client.connect("127.0.0.1", int(sys.argv[1]), 0, timeout=5)
    got = []
    client.set_callback(got.append)
    client.req_account_summary(tags=tws.ALL_TAGS)
    client.req_positions()
    print("ending without close", flush=True)
"""


def test_script_ending_with_a_live_callback_exits_0(start_sim):
    sim = start_sim("--slow", "5")  # rows still arrive while the interpreter exits
    for _ in range(3):
        out = run_script(EXIT_WITH_CALLBACK, str(sim.port))
        assert out.returncode == 0, out.stderr
        assert "FATAL" not in out.stderr and "ending without close" in out.stdout


def test_script_ending_with_a_daemon_thread_in_poll_exits_0(sim):
    out = run_script(
        """
        import sys, threading, tws
        client = tws.Client()
        client.connect("127.0.0.1", int(sys.argv[1]), 0, timeout=5)
        client.req_account_summary()
        threading.Thread(target=lambda: list(client.events()), daemon=True).start()
        """,
        str(sim.port),
    )
    assert out.returncode == 0, out.stderr
    assert "FATAL" not in out.stderr


# ---- 3. callback and log handler lifetimes -------------------------------------------------


def test_client_collected_on_its_dispatch_thread(start_sim):
    # The callback drops the last reference to the client and collects: the
    # client (formerly in a cycle with its trampoline) is freed while its
    # callback is registered and running.
    sim = start_sim("--slow", "2")
    out = run_script(
        """
        import ctypes, gc, sys, time, tws
        seen = []
        holder = {}

        def on_event(event):
            seen.append(event)
            if holder.pop("client", None) is not None:
                gc.collect()  # collects the client on its own dispatch thread
                # New thunks reuse freed ctypes closures, if any were freed.
                keep.extend(ctypes.CFUNCTYPE(None)(lambda: None) for _ in range(64))

        keep = []
        client = tws.Client()
        client.connect("127.0.0.1", int(sys.argv[1]), 0, timeout=5)
        client.req_account_summary(tags=tws.ALL_TAGS)
        holder["client"] = client
        client.set_callback(on_event)
        del client
        from tws import _ffi
        deadline = time.monotonic() + 5
        while _ffi.registered() and time.monotonic() < deadline:
            time.sleep(0.01)  # the client is closed once its callback returned
        print("events", len(seen), "registered", _ffi.registered(), flush=True)
        """,
        str(sim.port),
    )
    assert out.returncode == 0, out.stderr
    assert "FATAL" not in out.stderr and "Traceback" not in out.stderr, out.stderr
    words = out.stdout.split()
    assert words[0] == "events" and int(words[1]) >= 1
    assert words[2:] == ["registered", "0"], out.stdout  # released by libtws's user_data_free


def test_gc_inside_callbacks_keeps_delivering(sim):
    got, done = [], threading.Event()

    def on_event(event):
        gc.collect()
        got.append(event)
        if isinstance(event, tws.AccountSummaryEnd):
            done.set()

    with connected(sim.port) as client:
        client.set_callback(on_event)
        client.req_account_summary()
        assert done.wait(10)
    assert len([e for e in got if isinstance(e, tws.AccountSummary)]) >= 60


def test_registry_holds_a_callback_exactly_while_libtws_may_call_it(sim):
    base = _ffi.registered()
    client = connected(sim.port)
    client.set_callback(lambda e: None)
    assert _ffi.registered() == base + 1
    client.set_callback(lambda e: None)  # the first is released once replaced
    assert _ffi.registered() == base + 1
    client.set_callback(None)
    assert _ffi.registered() == base
    client.set_callback(lambda e: None)
    client.close()  # tws_client_free calls user_data_free
    assert _ffi.registered() == base


def test_refused_set_callback_releases_its_entry(sim):
    base = _ffi.registered()
    errors, done = [], threading.Event()
    with connected(sim.port) as client:

        def on_event(event):
            try:
                client.set_callback(lambda e: None)
            except tws.Reentrant as e:
                errors.append(e)
            done.set()

        client.set_callback(on_event)
        client.req_current_time()
        assert done.wait(5)
        client.set_callback(None)
    assert errors and _ffi.registered() == base


def test_log_handlers_replaced_while_the_engine_logs(sim):
    base = _ffi.registered()
    stop = threading.Event()
    errors = []

    def churn() -> None:  # connects and disconnects: the engine logs on its threads
        try:
            with tws.Client() as client:
                while not stop.is_set():
                    try:
                        client.connect(HOST, sim.port, 7, timeout=5)
                        client.req_current_time()
                    except (tws.ClientIdInUse, tws.Timeout, tws.ConnectionClosed):
                        pass  # a loaded machine: the point is only that the engine logs
                    client.disconnect()
        except BaseException as e:
            errors.append(e)

    seen = []
    t = threading.Thread(target=churn)
    t.start()
    try:
        for i in range(300):
            tws.set_log_handler(lambda r, i=i: seen.append(i), tws.LogLevel.TRACE)
            if i % 50 == 0:
                gc.collect()
    finally:
        stop.set()
        t.join(20)
        tws.set_log_handler(None)
        tws.set_log_level(tws.LogLevel.INFO)
    assert not errors and seen
    gc.collect()
    assert _ffi.registered() == base


# ---- 4. exceptions in callbacks, callback type ----------------------------------------------


def test_callback_exception_prints_its_traceback_and_delivery_goes_on(sim):
    out = run_script(
        """
        import sys, threading, tws
        done = threading.Event()

        def on_event(event):
            if isinstance(event, tws.CurrentTime):
                raise RuntimeError("boom in the callback")
            if isinstance(event, tws.AccountSummaryEnd):
                done.set()

        with tws.Client() as client:
            client.connect("127.0.0.1", int(sys.argv[1]), 0, timeout=5)
            client.set_callback(on_event)
            client.req_current_time()
            client.req_account_summary(tags="NetLiquidation")
            print("delivered" if done.wait(5) else "stuck", flush=True)
        """,
        str(sim.port),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "delivered"
    assert "Traceback (most recent call last)" in out.stderr
    assert "RuntimeError: boom in the callback" in out.stderr
    assert "unraisablehook" not in out.stderr


def test_callback_error_hook_gets_the_exception(sim):
    hooked, done = [], threading.Event()

    def on_event(event):
        if isinstance(event, tws.CurrentTime):
            raise KeyError("from the callback")
        if isinstance(event, tws.AccountSummaryEnd):
            done.set()

    tws.set_callback_error_hook(lambda exc, source: hooked.append((exc, source)))
    try:
        with connected(sim.port) as client:
            client.set_callback(on_event)
            client.req_current_time()
            client.req_account_summary(tags="NetLiquidation")
            assert done.wait(5)
    finally:
        tws.set_callback_error_hook(None)
    assert len(hooked) == 1
    assert isinstance(hooked[0][0], KeyError) and hooked[0][1] is on_event


def test_log_handler_exception_is_printed(sim, capfd):
    def handler(record):
        raise ValueError("boom in the log handler")

    tws.set_log_handler(handler)
    try:
        with connected(sim.port):
            pass
    finally:
        tws.set_log_handler(None)
    err = capfd.readouterr().err
    assert "ValueError: boom in the log handler" in err and "Traceback" in err


def test_set_callback_refuses_a_non_callable_at_once(sim):
    with connected(sim.port) as client:
        with pytest.raises(TypeError, match="callback"):
            client.set_callback(42)  # type: ignore[arg-type]
        client.poll(0)  # still in poll mode
    with pytest.raises(TypeError, match="handler"):
        tws.set_log_handler("not a function")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hook"):
        tws.set_callback_error_hook(1)  # type: ignore[arg-type]


# ---- 5. wrong argument types and values -----------------------------------------------------

WRONG_ARGUMENTS = [
    (lambda c, p: c.connect(HOST, str(p), 0), TypeError, "port"),
    (lambda c, p: c.connect(HOST, float(p), 0), TypeError, "port"),
    (lambda c, p: c.connect(HOST, 70000, 0), ValueError, "port"),
    (lambda c, p: c.connect(HOST, 0, 0), ValueError, "port"),
    (lambda c, p: c.connect(HOST, p, 0, timeout=None), TypeError, "timeout"),
    (lambda c, p: c.connect(HOST, p, 0, timeout="5"), TypeError, "timeout"),
    (lambda c, p: c.connect(HOST, p, 0, timeout=-1), ValueError, "timeout"),
    (lambda c, p: c.connect(HOST, p, 0, timeout=float("nan")), ValueError, "timeout"),
    (lambda c, p: c.connect(HOST, p, "x"), TypeError, "client_id"),
    (lambda c, p: c.connect(HOST, p, 2**31), ValueError, "client_id"),
    (lambda c, p: c.connect(HOST, p, True), TypeError, "client_id"),
    (lambda c, p: c.connect(b"127.0.0.1", p, 0), TypeError, "host"),
    (lambda c, p: c.connect(None, p, 0), TypeError, "host"),
    (lambda c, p: c.poll(None), TypeError, "timeout"),
    (lambda c, p: c.poll("1"), TypeError, "timeout"),
    (lambda c, p: list(c.events(timeout="1")), TypeError, "timeout"),
    (lambda c, p: c.req_ids("1"), TypeError, "num_ids"),
    (lambda c, p: c.req_account_summary(req_id="1"), TypeError, "req_id"),
    (lambda c, p: c.req_account_summary(req_id=1.0), TypeError, "req_id"),
    (lambda c, p: c.req_account_summary(group=1), TypeError, "group"),
    (lambda c, p: c.req_account_summary(tags=5), TypeError, "tags"),
    (lambda c, p: c.req_account_summary(tags=b"NetLiquidation"), TypeError, "tags"),
    (lambda c, p: c.req_account_summary(tags=["NetLiquidation", 5]), TypeError, r"tags\[1\]"),
    (lambda c, p: c.cancel_account_summary("0"), TypeError, "req_id"),
    (lambda c, p: c.cancel_account_summary(None), TypeError, "req_id"),
    (lambda c, p: c.account_summary(timeout=None), TypeError, "timeout"),
    (lambda c, p: c.req_account_updates(123456), TypeError, "account"),
    (lambda c, p: c.cancel_account_updates(None), TypeError, "account"),
    (lambda c, p: c.account_updates(b"DU123456"), TypeError, "account"),
    (lambda c, p: c.account_updates("DU123456", timeout=None), TypeError, "timeout"),
    (lambda c, p: c.positions(timeout="1"), TypeError, "timeout"),
    (lambda c, p: c.req_positions_multi(account=1), TypeError, "account"),
    (lambda c, p: c.req_positions_multi(model_code=1), TypeError, "model_code"),
    (lambda c, p: c.req_account_updates_multi(ledger_and_nlv="yes"), TypeError, "ledger_and_nlv"),
    (lambda c, p: c.req_pnl(123456), TypeError, "account"),
    (lambda c, p: c.req_pnl("DU123456", req_id=2**40), ValueError, "req_id"),
    (lambda c, p: c.req_pnl_single("DU123456", "265598"), TypeError, "con_id"),
    (lambda c, p: c.cancel_pnl_single(1.5), TypeError, "req_id"),
    (lambda c, p: tws.Client(queue_capacity="10"), TypeError, "queue_capacity"),
    (lambda c, p: tws.Client(queue_capacity=-1), ValueError, "queue_capacity"),
    (lambda c, p: tws.Client(max_version="226"), TypeError, "max_version"),
    (lambda c, p: tws.Client(reconnect_initial_delay=None), TypeError, "reconnect_initial_delay"),
    (lambda c, p: tws.Client(reconnect="no"), TypeError, "reconnect"),
    (lambda c, p: tws.Client(max_messages_per_second=2.5), TypeError, "max_messages_per_second"),
    (lambda c, p: tws.Client(trace_file=3), TypeError, "trace_file"),
    (lambda c, p: tws.Client(connect_options=1), TypeError, "connect_options"),
    (lambda c, p: tws.set_log_level("debug"), TypeError, "level"),
]


@pytest.mark.parametrize("call,error,name", WRONG_ARGUMENTS)
def test_wrong_arguments_raise_a_clear_error_naming_them(sim, call, error, name):
    with connected(sim.port) as client:
        with pytest.raises(error, match=name) as info:
            call(client, sim.port)
        assert "ctypes" not in str(info.value) and "argument " not in str(info.value)
        if error is ValueError:
            assert isinstance(info.value, tws.InvalidArgument) and info.value.code == -2
        client.req_current_time()  # still usable


# ---- 6. embedded NULs; the one control-character rule --------------------------------------

NUL_ARGUMENTS = [
    ("account", lambda c: c.account_updates("DU123456\x00evil", timeout=2)),
    ("account", lambda c: c.req_account_updates("DU123456\x00evil")),
    ("account", lambda c: c.cancel_account_updates("DU123456\x00")),
    ("tags", lambda c: c.req_account_summary(tags="Net\x00Liq")),
    ("tags[1]", lambda c: c.req_account_summary(tags=["TotalCashValue", "Net\x00Liq"])),
    ("tags", lambda c: c.account_summary(tags="NetLiquidation\x00,BuyingPower", timeout=2)),
    ("group", lambda c: c.req_account_summary(group="All\x00")),
    ("account", lambda c: c.req_positions_multi(account="DU123456\x00x")),
    ("model_code", lambda c: c.req_account_updates_multi(model_code="\x00")),
    ("account", lambda c: c.req_pnl("DU123456\x00")),
    ("model_code", lambda c: c.req_pnl_single("DU123456", 265598, model_code="M\x00")),
    ("host", lambda c: c.connect("127.0.0.1\x00junk", 1, 1)),
]


@pytest.mark.parametrize("name,call", NUL_ARGUMENTS)
def test_an_embedded_nul_is_refused_and_nothing_is_sent(start_sim, tmp_path, name, call):
    record = tmp_path / "record.jsonl"
    sim = start_sim("--record", str(record))
    with connected(sim.port, reconnect=False) as client:
        list(client.events(timeout=0.1))
        before = recorded(record)
        with pytest.raises(tws.InvalidArgument) as info:
            call(client)
        assert isinstance(info.value, tws.InvalidCharacter) and isinstance(info.value, ValueError)
        assert info.value.code == -4 and info.value.name == "TWS_ERR_INVALID_CHARACTER"
        assert str(info.value).split(": ", 1)[1].startswith(name + " ") and "NUL" in str(info.value)
        client.req_current_time()  # a marker: once it arrived, anything sent before has too
        assert wait_until(lambda: len(recorded(record)) > len(before))
        sent = recorded(record)[len(before):]
    assert [m["name"] for m in sent] == ["ReqCurrentTime"], sent


def test_an_embedded_nul_in_host_does_not_connect(start_sim, tmp_path):
    record = tmp_path / "record.jsonl"
    sim = start_sim("--record", str(record))
    with tws.Client() as client:
        with pytest.raises(tws.InvalidCharacter, match="host"):
            client.connect("127.0.0.1\x00junk", sim.port, 0, timeout=5)
        assert client.state == tws.ConnectionState.DISCONNECTED
    assert recorded(record) == []


def test_an_embedded_nul_in_options_is_refused(tmp_path):
    for kwargs, name in [
        ({"trace_file": str(tmp_path / "a\x00b.log")}, "trace_file"),
        ({"trace_file": tmp_path / "a\x00b.log"}, "trace_file"),
        ({"connect_options": "+PACEAPI\x00"}, "connect_options"),
        ({"optional_capabilities": "x\x00"}, "optional_capabilities"),
    ]:
        with pytest.raises(tws.InvalidCharacter, match=name) as info:
            tws.Client(**kwargs)
        assert info.value.code == -4
    assert list(tmp_path.iterdir()) == []  # no trace file "a" was created


def test_tab_and_newline_pass_other_control_characters_are_refused(start_sim, tmp_path):
    record = tmp_path / "record.jsonl"
    sim = start_sim("--record", str(record))
    with connected(sim.port) as client:
        client.req_account_updates("DU123456\t")
        client.req_account_summary(group="All", tags="Net\nLiq")
        for bad in ("DU1\x01", "DU1\x1f", "DU1\x7f", "DU1\x85"):
            with pytest.raises(tws.InvalidCharacter) as info:
                client.req_account_updates(bad)  # refused by the engine
            assert info.value.code == -4 and "account" in str(info.value)
        client.req_current_time()
        assert wait_until(lambda: any(m["name"] == "ReqCurrentTime" for m in recorded(record)))
    sent = [m for m in recorded(record) if m["name"] in ("ReqAccountUpdates", "ReqAccountSummary")]
    assert [m["fields"].get("account") for m in sent if m["name"] == "ReqAccountUpdates"] == ["DU123456\t"]
    assert [m["fields"]["tags"] for m in sent if m["name"] == "ReqAccountSummary"] == ["Net\nLiq"]


def test_lone_surrogates_are_invalid_utf8(sim):
    with connected(sim.port) as client:
        with pytest.raises(tws.InvalidUtf8, match="account") as info:
            client.req_account_updates("DU\udc80")
        assert info.value.code == -3


# ---- 7. TWS_USE_SYSTEM_LIBRARY=1 ships no stale library -------------------------------------


def test_system_library_build_ships_no_stale_libtws(tmp_path):
    # The build step a wheel is made from (pip runs build_py into build/lib.*):
    # with TWS_USE_SYSTEM_LIBRARY=1 it must leave no libtws in what is shipped.
    pytest.importorskip("setuptools")
    src = tmp_path / "pkg"
    shutil.copytree(PACKAGE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests"))
    # Stale copies: an earlier build's build/ directories and one in the package sources.
    plat_lib = f"lib.{sysconfig.get_platform()}-{sys.implementation.cache_tag}"
    stale_dirs = [src / "build" / plat_lib / "tws", src / "build" / "lib" / "tws"]
    for d in stale_dirs:
        d.mkdir(parents=True)
        (d / "libtws.so").write_bytes(b"stale")
        (d / "libtws.so.0").write_bytes(b"stale")
    (src / "src" / "tws" / "libtws.so").write_bytes(b"stale")
    env = dict(os.environ, TWS_USE_SYSTEM_LIBRARY="1")
    out = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py"], cwd=src, capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    built = [d for d in (src / "build").glob("lib*/tws") if (d / "client.py").is_file()]
    assert built, list((src / "build").iterdir())
    shipped = [p for d in built for p in d.iterdir() if p.name.startswith("libtws")]
    assert shipped == [], shipped
