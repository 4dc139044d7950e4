"""Runs every case of `make bench` in one go and reports them side by side.

    python bench/run.py        (from the repository root; `make bench` does it)

Floods of three kinds (account-summary rows, tickPrice + tickSize pairs,
tick-by-tick trades) at server versions 176 (text) and 222 (protobuf), the
fairness check (rust-ibapi and libtws against the flood server, the flood
server with small writes, and the replay server), round-trip latency in both
states of the machine, peak memory.

Environment: BENCH_EVENTS (flood size, default 1,000,000; BENCH_ROWS is the
old name), BENCH_PY_EVENTS (for the Python clients, default 100,000),
BENCH_ITERATIONS (round trips, default 10,000), BENCH_REPEATS (interleaved
rounds of every case, the median is kept, default 3), BENCH_KINDS (default
"rows ticks tbt"). Writes target/bench/results.json, results.md (the table)
and results.png.
"""
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "bench"
RUST_BIN = ROOT / "target" / "bench-cargo" / "release"
C_BIN = OUT / "bin" / "bench_tws"
PY = sys.executable
PY_DIR = ROOT / "bench" / "python"
BINDING = ROOT / "bindings" / "python"

EVENTS = int(os.environ.get("BENCH_EVENTS", os.environ.get("BENCH_ROWS", 1_000_000)))
PY_EVENTS = int(os.environ.get("BENCH_PY_EVENTS", os.environ.get("BENCH_PY_ROWS", 100_000)))
ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", 10_000))
REPEATS = int(os.environ.get("BENCH_REPEATS", 3))
KINDS = os.environ.get("BENCH_KINDS", "rows ticks tbt").split()
VERSIONS = (176, 222)
CAPACITIES = (1_024, 65_536)
# How the flood server wrote before the fairness fix: one block of rows per write.
SMALL_CHUNK = 48 * 1024
# The request ids of the floods the replay server prebuilds: the harness's
# own clients ask with 7, rust-ibapi's first request id is 1,500,000,000.
REPLAY_REQ_IDS = (7, 1_500_000_000)
CASE_TIMEOUT_S = 900


class FloodServer:
    """The flood server (or, with `replay`, the replay server) as a child
    process; it exits when we close its stdin."""

    def __init__(self, version, events, *more, replay=None):
        if replay:
            argv = [str(RUST_BIN / "replay_server"), "--server-version", str(version),
                    "--events", str(events), "--kind", replay,
                    *sum((["--req-id", str(i)] for i in REPLAY_REQ_IDS), []), *more]
        else:
            argv = [str(RUST_BIN / "flood_server"), "--server-version", str(version),
                    "--events", str(events), *more]
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening "):
            raise RuntimeError(f"flood server did not start: {line!r}")
        self.port = line.rsplit(":", 1)[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_case(argv, env=None):
    """Runs one case; returns its JSON line as a dict, or {"error": ...}."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CASE_TIMEOUT_S,
                              env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {CASE_TIMEOUT_S} s"}
    lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1]}
    return json.loads(lines[-1])


def interleaved(cases, key, rounds=REPEATS):
    """Runs every case once per round, round after round, so that a change in
    the machine's load hits every case alike; keeps per case the run whose
    `key` is the median. `cases` maps a name to (argv, env) or to a result."""
    runs = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            if isinstance(case, tuple):
                runs[name].append(run_case(*case))
    results = {}
    for name, case in cases.items():
        if not isinstance(case, tuple):
            results[name] = case
            continue
        good = sorted((r for r in runs[name] if "error" not in r), key=lambda r: r[key])
        if not good:
            results[name] = runs[name][0]
            continue
        results[name] = dict(good[len(good) // 2])
        results[name]["runs"] = [round(r[key], 3) for r in good]
    return results


def rust(case, port, *more):
    return ([str(RUST_BIN / "bench_rust"), case, "--port", str(port), *more], None)


def c_case(mode, port, *more):
    return ([str(C_BIN), mode, str(port), *more], None)


def py(script, port, *more, env=None):
    return ([PY, str(PY_DIR / script), str(port), *more], env)


def flood_cases(kind, version):
    """Every throughput case of one kind of flood at one server version."""
    ev = ["--kind", kind, "--events", str(EVENTS)]
    c_ev = [kind, str(EVENTS)]
    py_ev = [kind, str(PY_EVENTS)]
    memory = lambda case: ([str(RUST_BIN / "bench_rust"), case, "--version", str(version), *ev],
                           None)
    with FloodServer(version, EVENTS) as big, FloodServer(version, PY_EVENTS) as small:
        p = big.port
        cases = {
            "raw_split_memory": memory("split-memory"),
            "raw_decode_memory": memory("decode-memory"),
            "raw_split": rust("split", p, *ev),
            "raw_decode": rust("decode", p, *ev),
            "libtws_c_callback": c_case("flood-callback", p, *c_ev),
            "libtws_c_poll": c_case("flood-poll", p, *c_ev),
            "libtws_c_reader_callback": c_case("flood-reader-callback", p, *c_ev),
            "libtws_rust_callback": rust("client-callback", p, *ev),
            "libtws_rust_poll": rust("client-poll", p, *ev),
            "libtws_python": py("binding_flood.py", small.port, *py_ev),
            "libtws_python_batch": py("binding_flood.py", small.port, *py_ev,
                                      env={"BENCH_PY_BATCH": "1"}),
            "official_python": py("official_flood.py", small.port, *py_ev),
        }
        if version >= 213:
            cases["rust_ibapi"] = rust("ibapi", p, *ev)
        else:
            cases["rust_ibapi"] = {"error": "speaks server versions 213 and up only"}
        if version <= 178:
            cases["ib_async"] = py("ib_async_flood.py", small.port, *py_ev)
        else:
            cases["ib_async"] = {"error": "speaks server versions up to 178 only"}
        return interleaved(cases, "rate")


def fairness_cases(version):
    """rust-ibapi and libtws (C callback) at `version` against three servers:
    the flood server (1 MiB writes), the flood server writing 48 KiB at a
    time (how it wrote before: one block of rows per write), and the replay
    server (one prebuilt buffer, plain 1 MiB writes)."""
    out = {}
    for kind in ("rows", "ticks"):
        ev = ["--kind", kind, "--events", str(EVENTS)]
        with FloodServer(version, EVENTS) as big, \
                FloodServer(version, EVENTS, "--chunk", str(SMALL_CHUNK)) as chunky, \
                FloodServer(version, EVENTS, replay=kind) as replay:
            cases = {}
            for server, srv in (("flood", big), ("flood_48k", chunky), ("replay", replay)):
                cases[f"libtws_c_callback@{server}"] = c_case("flood-callback", srv.port, kind,
                                                              str(EVENTS))
                cases[f"libtws_c_reader_callback@{server}"] = c_case(
                    "flood-reader-callback", srv.port, kind, str(EVENTS))
                cases[f"raw_decode@{server}"] = rust("decode", srv.port, *ev)
                cases[f"rust_ibapi@{server}"] = rust("ibapi", srv.port, *ev)
            out[kind] = interleaved(cases, "rate")
    return out


def latency_cases(version):
    """Round trips in REPEATS interleaved rounds of ITERATIONS each; per case
    the round with the median p50. Two states of the machine: "idle" (every
    side sleeps in read between messages: each message wakes a sleeping
    thread) and "awake" (the raw ping-pong spins on non-blocking sockets and
    the flood server does too; libtws in its low-latency mode)."""
    with FloodServer(version, 1) as server, FloodServer(version, 1, "--spin") as spinning:
        p, sp, it = server.port, spinning.port, str(ITERATIONS)
        pingpong = [str(RUST_BIN / "bench_rust"), "pingpong", "--version", str(version),
                    "--iterations", it]
        return interleaved({
            "raw_pingpong": (pingpong, None),
            "raw_pingpong_spin": (pingpong + ["--spin"], None),
            "libtws_c_callback": c_case("latency-callback", p, it),
            "libtws_c_poll": c_case("latency-poll", p, it),
            "libtws_c_busy_callback": c_case("latency-busy-callback", sp, it),
            "libtws_c_busy_poll": c_case("latency-busy-poll", sp, it),
            "libtws_c_reader_callback": c_case("latency-reader-callback", p, it),
            "libtws_c_busy_reader_callback": c_case("latency-busy-reader-callback", sp, it),
            "rust_ibapi": rust("ibapi-latency", p, "--iterations", it),
        }, "p50_us")


def memory_cases(version):
    out = []
    for rows, capacity in [(EVENTS, c) for c in CAPACITIES] + [(EVENTS // 10, CAPACITIES[0])]:
        with FloodServer(version, rows) as server:
            r = run_case([str(RUST_BIN / "bench_rust"), "rss", "--port", server.port,
                          "--capacity", str(capacity)])
        r.update(rows=rows, capacity=capacity)
        out.append(r)
    return out


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), platform.processor())
    mem_kib = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kib / 2**20, 1),
            "kernel": platform.release(), "loadavg_before": open("/proc/loadavg").read().split()[:3]}


def rate(results, key):
    r = results.get(key, {})
    return r.get("rate") if "error" not in r else None


def ratio(a, b):
    return a / b if a and b else None


def evaluate(flood, fairness, latency, memory):
    """Ratios and the issue's targets, each met or missed."""
    ratios, targets = {}, []

    def target(name, value, goal, met):
        targets.append({"target": name, "value": value, "goal": goal,
                        "met": None if value is None else bool(met)})

    for key, res in flood.items():
        cb, poll = rate(res, "libtws_c_callback"), rate(res, "libtws_c_poll")
        ratios[key] = {
            "callback / raw decode (memory)": ratio(cb, rate(res, "raw_decode_memory")),
            "callback / raw decode (socket)": ratio(cb, rate(res, "raw_decode")),
            "callback / rust-ibapi": ratio(cb, rate(res, "rust_ibapi")),
            "callback / official Python": ratio(cb, rate(res, "official_python")),
            "poll / callback": ratio(poll, cb),
            "Python binding / ib_async": ratio(rate(res, "libtws_python"), rate(res, "ib_async")),
            "Python binding (batched) / ib_async": ratio(rate(res, "libtws_python_batch"),
                                                         rate(res, "ib_async")),
        }
    ticks222 = flood.get("ticks v222", {})
    fair = fairness.get("ticks", {})
    for case, mode in (("libtws_c_callback", "C callback"),
                       ("libtws_c_reader_callback", "C callback on the reader thread")):
        if ticks222:
            cb = rate(ticks222, case)
            x = ratio(cb, rate(ticks222, "raw_decode_memory"))
            target(f"ticks v222: {mode} >= 25 % of the minimal split-and-decode (from memory)",
                   x, ">= 0.25", x and x >= 0.25)
            x = ratio(cb, rate(ticks222, "raw_decode"))
            target(f"ticks v222: {mode} >= 25 % of the minimal split-and-decode (over the socket)",
                   x, ">= 0.25", x and x >= 0.25)
            x = ratio(cb, rate(ticks222, "rust_ibapi"))
            target(f"ticks v222: {mode} >= 10x rust-ibapi (flood server)", x, ">= 10",
                   x and x >= 10)
        if fair:
            x = ratio(rate(fair, f"{case}@replay"), rate(fair, "rust_ibapi@replay"))
            target(f"ticks v222: {mode} >= 10x rust-ibapi (replay server)", x, ">= 10",
                   x and x >= 10)
    ticks176 = flood.get("ticks v176", {})
    if ticks176:
        best = max(filter(None, [rate(ticks176, "libtws_python"),
                                 rate(ticks176, "libtws_python_batch")]), default=None)
        x = ratio(best, rate(ticks176, "ib_async"))
        target("ticks v176: Python binding >= 2x ib_async", x, ">= 2", x and x >= 2)
    for key, res in flood.items():
        for case in ("libtws_rust_callback", "libtws_rust_poll"):
            a = res.get(case, {}).get("allocs_per_event")
            # "Zero per event": no allocation that scales with events. A single
            # one-off in the measured window (a buffer growing once) shows as ~1e-6.
            target(f"{key} {case.split('_')[-1]}: zero allocations per event (steady state)", a,
                   "0 (< 1 per 100,000 events)", a is not None and a < 1e-5)
    ratios["latency"] = {}
    idle, awake = latency.get("raw_pingpong", {}), latency.get("raw_pingpong_spin", {})
    for key, raw in (("libtws_c_callback", idle), ("libtws_c_poll", idle),
                     ("libtws_c_reader_callback", idle),
                     ("libtws_c_busy_callback", awake), ("libtws_c_busy_poll", awake),
                     ("libtws_c_busy_reader_callback", awake), ("rust_ibapi", idle)):
        lat = latency.get(key, {})
        for p in ("p50_us", "p99_us"):
            ratios["latency"][f"{key} {p[:3]} / raw"] = ratio(lat.get(p), raw.get(p))
    for key in ("libtws_c_busy_callback", "libtws_c_busy_poll", "libtws_c_busy_reader_callback"):
        lat = latency.get(key, {})
        x = ratio(lat.get("p50_us"), awake.get("p50_us"))
        target(f"{key}: p50 <= 1.5x the raw ping-pong's (awake)", x, "<= 1.5",
               x is not None and x <= 1.5)
        x = ratio(lat.get("p99_us"), awake.get("p99_us"))
        target(f"{key}: p99 <= 2x the raw ping-pong's (awake)", x, "<= 2",
               x is not None and x <= 2)
    small = [m for m in memory if m.get("capacity") == CAPACITIES[0] and "error" not in m]
    if len(small) == 2:
        grow = [m["peak_rss_kib"] - m["rss_before_kib"] for m in small]
        # Ten times the rows may cost at most a quarter more (or 4 MiB) of memory.
        bounded = grow[0] <= max(grow[1] * 1.25, grow[1] + 4096)
        target(f"peak RSS growth bounded by the queue, not N (capacity {CAPACITIES[0]}: "
               f"{grow[0] / 1024:.1f} MiB at N={small[0]['rows']:,}, "
               f"{grow[1] / 1024:.1f} MiB at N={small[1]['rows']:,})",
               round(grow[0] / max(grow[1], 1), 2), "~1 (N / 10 vs N)", bounded)
    return ratios, targets


def fmt_rate(r):
    if "error" in r:
        return r["error"]
    return f"{r['rate'] / 1e6:.3f} M/s"


def fmt_x(x):
    return "-" if x is None else f"{x:.3g}x"


LABELS = [
    ("raw_split_memory", "1a' raw: split frames, from memory (no socket)"),
    ("raw_decode_memory", "1b' raw: split + decode, from memory (no socket)"),
    ("raw_split", "1a raw: read + split frames"),
    ("raw_decode", "1b raw: split + decode + empty fn"),
    ("libtws_c_callback", "2  libtws C, callback"),
    ("libtws_c_poll", "3  libtws C, poll"),
    ("libtws_c_reader_callback", "2r libtws C, callback on the reader thread"),
    ("libtws_rust_callback", "   libtws Rust Client, callback"),
    ("libtws_rust_poll", "   libtws Rust Client, poll"),
    ("libtws_python", "4  libtws Python binding (events())"),
    ("libtws_python_batch", "4b libtws Python binding, batched (poll_many)"),
    ("official_python", "5  official Python ibapi"),
    ("rust_ibapi", "6  rust-ibapi (crate ibapi)"),
    ("ib_async", "7  ib_async"),
]

KIND_TITLES = {"rows": "account-summary rows", "ticks": "ticks (tickPrice + tickSize pairs)",
               "tbt": "tick-by-tick trades"}


def flood_table(flood, kind):
    versions = [v for v in VERSIONS if f"{kind} v{v}" in flood]
    lines = [f"**Flood: {EVENTS:,} {KIND_TITLES[kind]} ({PY_EVENTS:,} for the Python clients), "
             f"median of {REPEATS} interleaved rounds**", ""]
    head = "| case | " + " | ".join(f"v{v} rate | v{v} libtws callback / this" for v in versions) + " |"
    lines += [head, "|---" * (1 + 2 * len(versions)) + "|"]
    for key, label in LABELS:
        cells = []
        for v in versions:
            res = flood[f"{kind} v{v}"]
            cb = rate(res, "libtws_c_callback")
            cells += [fmt_rate(res.get(key, {})), fmt_x(ratio(cb, rate(res, key)))]
        lines.append(f"| {label.strip()} | " + " | ".join(cells) + " |")
    allocs = []
    for v in versions:
        for k in ("libtws_rust_callback", "libtws_rust_poll"):
            a = flood[f"{kind} v{v}"].get(k, {}).get("allocs_per_event")
            allocs.append(f"v{v} {k.split('_')[-1]} " + ("-" if a is None else f"{a:.2f}"))
    lines += ["", "Allocations per delivered event (steady state, counting allocator): "
              + ", ".join(allocs), ""]
    return lines


def fairness_table(fairness, version):
    lines = [f"**Fairness: the same floods ({EVENTS:,} events, v{version}) from three servers, "
             f"median of {REPEATS} interleaved rounds**", "",
             "| flood | client | flood server (1 MiB writes) | flood server, 48 KiB writes | "
             "replay server (prebuilt, 1 MiB writes) |", "|---|---|---|---|---|"]
    for kind, res in fairness.items():
        for client, label in (("raw_decode", "1b raw split + decode"),
                              ("libtws_c_callback", "libtws C, callback"),
                              ("libtws_c_reader_callback", "libtws C, callback on the reader thread"),
                              ("rust_ibapi", "rust-ibapi")):
            cells = [fmt_rate(res.get(f"{client}@{s}", {})) for s in ("flood", "flood_48k", "replay")]
            lines.append(f"| {kind} | {label} | " + " | ".join(cells) + " |")
        cb = [ratio(rate(res, f"libtws_c_callback@{s}"), rate(res, f"rust_ibapi@{s}"))
              for s in ("flood", "flood_48k", "replay")]
        lines.append(f"| {kind} | libtws / rust-ibapi | " + " | ".join(fmt_x(x) for x in cb) + " |")
        cb = [ratio(rate(res, f"libtws_c_reader_callback@{s}"), rate(res, f"rust_ibapi@{s}"))
              for s in ("flood", "flood_48k", "replay")]
        lines.append(f"| {kind} | libtws on the reader thread / rust-ibapi | "
                     + " | ".join(fmt_x(x) for x in cb) + " |")
    return lines + [""]


def table(results):
    flood, fairness, latency, memory, targets = (
        results[k] for k in ("flood", "fairness", "latency", "memory", "targets"))
    lines = []
    for kind in KINDS:
        lines += flood_table(flood, kind)
    if fairness:
        lines += fairness_table(fairness, 222)
    lines += [f"**Latency: {ITERATIONS:,} reqCurrentTime round trips at v{results['latency_version']} "
              f"(the median of {REPEATS} interleaved rounds)**", "",
              "| state | client | best | p50 | p99 | p50 / raw | p99 / raw |",
              "|---|---|---|---|---|---|---|"]
    rows = (("idle", "raw_pingpong", "raw socket ping-pong (both sides sleep in read)", "raw_pingpong"),
            ("idle", "libtws_c_callback", "libtws C, callback", "raw_pingpong"),
            ("idle", "libtws_c_poll", "libtws C, poll", "raw_pingpong"),
            ("idle", "libtws_c_reader_callback", "libtws C, callback on the reader thread",
             "raw_pingpong"),
            ("idle", "rust_ibapi", "rust-ibapi", "raw_pingpong"),
            ("awake", "raw_pingpong_spin", "raw socket ping-pong (both sides spin)", "raw_pingpong_spin"),
            ("awake", "libtws_c_busy_callback", "libtws C, callback, low-latency mode (busy_poll)",
             "raw_pingpong_spin"),
            ("awake", "libtws_c_busy_poll", "libtws C, poll, low-latency mode (busy_poll)",
             "raw_pingpong_spin"),
            ("awake", "libtws_c_busy_reader_callback",
             "libtws C, callback on the reader thread + busy_poll (reader spins)",
             "raw_pingpong_spin"))
    for state, key, label, base in rows:
        r, raw = latency.get(key, {}), latency.get(base, {})
        if "error" in r:
            lines.append(f"| {state} | {label} | {r['error']} | | | | |")
            continue
        lines.append(f"| {state} | {label} | {r.get('min_us', float('nan')):.1f} us | "
                     f"{r['p50_us']:.1f} us | {r['p99_us']:.1f} us | "
                     f"{fmt_x(ratio(r['p50_us'], raw.get('p50_us')))} | "
                     f"{fmt_x(ratio(r['p99_us'], raw.get('p99_us')))} |")
    lines += ["", "**Peak memory with a consumer sleeping 1 ms every 1,000 events (poll, v"
              f"{results['latency_version']})**", "",
              "| rows | queue capacity | RSS before | peak RSS | queue high water | full-queue waits |",
              "|---|---|---|---|---|---|"]
    for m in memory:
        if "error" in m:
            lines.append(f"| {m['rows']:,} | {m['capacity']:,} | {m['error']} | | | |")
            continue
        lines.append(f"| {m['rows']:,} | {m['capacity']:,} | {m['rss_before_kib'] / 1024:.1f} MiB | "
                     f"{m['peak_rss_kib'] / 1024:.1f} MiB | {m['queue_high_water']:,.0f} | "
                     f"{m['queue_full_waits']:,.0f} |")
    lines += ["", "**Targets of issue 17**", "", "| target | measured | goal | |", "|---|---|---|---|"]
    for t in targets:
        v = t["value"]
        shown = "-" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v))
        state = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {shown} | {t['goal']} | {state} |")
    return "\n".join(lines)


def png_bars(results, path):
    """The chart without matplotlib: one bar per case, kind and version
    (rates on a log scale, the order of the tables, v176 blue, v222 orange),
    no text."""
    import struct
    import zlib
    rows = [(rate(res, key) or 0, i % 2) for res_i, (name, res) in enumerate(results["flood"].items())
            for key, _ in LABELS for i in [VERSIONS.index(int(name.rsplit("v", 1)[1]))]]
    top = max((r for r, _ in rows), default=1) or 1
    width, bar, gap = 600, 6, 2
    colours = [(31, 119, 180), (255, 127, 14)]
    lines = []
    for r, i in rows:
        length = int(width * max(0.0, math.log10(max(r, 1)) / math.log10(max(top, 10))))
        line = bytes(colours[i]) * length + b"\xff\xff\xff" * (width - length)
        lines += [line] * bar + [b"\xff\xff\xff" * width] * gap
    raw = b"".join(b"\x00" + line for line in lines)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, len(lines), 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                     chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def chart(results, path):
    """The throughput and latency chart; returns how it was drawn."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        png_bars(results, path)
        return "without matplotlib: bars only"
    flood = results["flood"]
    fig, axes = plt.subplots(1, len(KINDS) + 1, figsize=(7 * len(KINDS) + 5, 7))
    labels = [label.strip() for _, label in LABELS]
    for ax, kind in zip(axes, KINDS):
        height = 0.8 / len(VERSIONS)
        for i, v in enumerate(VERSIONS):
            res = flood.get(f"{kind} v{v}", {})
            ys = [j + i * height for j in range(len(LABELS))]
            ax.barh(ys, [rate(res, key) or 0 for key, _ in LABELS], height=height,
                    label=f"server v{v}")
        ax.set_yticks([j + height * (len(VERSIONS) - 1) / 2 for j in range(len(LABELS))])
        ax.set_yticklabels(labels if kind == KINDS[0] else [])
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("events per second (log)")
        ax.legend()
        ax.set_title(KIND_TITLES[kind])
    lat = results["latency"]
    keys = [k for k in ("raw_pingpong", "libtws_c_callback", "libtws_c_poll",
                        "libtws_c_reader_callback", "rust_ibapi", "raw_pingpong_spin",
                        "libtws_c_busy_callback", "libtws_c_busy_poll",
                        "libtws_c_busy_reader_callback")
            if "error" not in lat.get(k, {"error": 1})]
    ax = axes[-1]
    xs = range(len(keys))
    ax.bar([x - 0.2 for x in xs], [lat[k]["p50_us"] for k in keys], 0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [lat[k]["p99_us"] for k in keys], 0.4, label="p99")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([k.replace("libtws_", "").replace("_", "\n") for k in keys])
    ax.set_ylabel("microseconds")
    ax.set_title(f"reqCurrentTime round trip (v{results['latency_version']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return "with matplotlib"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results = {"machine": machine(),
               "config": {"events": EVENTS, "python_events": PY_EVENTS, "iterations": ITERATIONS,
                          "repeats": REPEATS, "kinds": KINDS, "capacities": list(CAPACITIES),
                          "chunk": 1 << 20, "small_chunk": SMALL_CHUNK},
               "latency_version": 222}
    flood = {}
    for kind in KINDS:
        for version in VERSIONS:
            print(f"flood of {kind} at server version {version} ...", file=sys.stderr, flush=True)
            flood[f"{kind} v{version}"] = flood_cases(kind, version)
    print("fairness ...", file=sys.stderr, flush=True)
    fairness = fairness_cases(222)
    print("latency ...", file=sys.stderr, flush=True)
    latency = latency_cases(222)
    print("memory ...", file=sys.stderr, flush=True)
    memory = memory_cases(222)
    ratios, targets = evaluate(flood, fairness, latency, memory)
    results.update(flood=flood, fairness=fairness, latency=latency, memory=memory, ratios=ratios,
                   targets=targets, seconds=round(time.time() - started, 1))
    results["machine"]["loadavg_after"] = open("/proc/loadavg").read().split()[:3]
    text = table(results)
    m = results["machine"]
    header = (f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB, Linux {m['kernel']}; "
              f"load average before {' '.join(m['loadavg_before'])}, after "
              f"{' '.join(m['loadavg_after'])}; {results['seconds']:.0f} s")
    print(header + "\n\n" + text)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    (OUT / "results.md").write_text(header + "\n\n" + text + "\n")
    how = chart(results, OUT / "results.png")
    print(f"\nwrote {OUT / 'results.json'}, results.md, results.png ({how})", file=sys.stderr)


if __name__ == "__main__":
    main()
