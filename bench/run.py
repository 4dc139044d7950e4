"""Runs every case of `make bench` in one go and reports them side by side.

    python bench/run.py        (from the repository root; `make bench` does it)

Environment: BENCH_ROWS (flood size, default 1,000,000), BENCH_PY_ROWS (for
the Python clients, default 100,000), BENCH_ITERATIONS (round trips, default
10,000), BENCH_REPEATS (interleaved rounds of every case, the median is kept, default 3).
Writes target/bench/results.json, results.md (the table) and results.png.
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

ROWS = int(os.environ.get("BENCH_ROWS", 1_000_000))
PY_ROWS = int(os.environ.get("BENCH_PY_ROWS", 100_000))
ITERATIONS = int(os.environ.get("BENCH_ITERATIONS", 10_000))
REPEATS = int(os.environ.get("BENCH_REPEATS", 3))
CAPACITIES = (1_024, 65_536)
CASE_TIMEOUT_S = 900


class FloodServer:
    """The flood server as a child process; it exits when we close its stdin."""

    def __init__(self, version, rows):
        self.proc = subprocess.Popen(
            [str(RUST_BIN / "flood_server"), "--server-version", str(version), "--rows", str(rows)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
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


def flood_cases(version):
    """Every throughput case at one server version."""
    rows_arg = ["--rows", str(ROWS)]
    rust = lambda case, port, *more: ([str(RUST_BIN / "bench_rust"), case, "--port", port, *more],
                                      None)
    c = lambda mode, port: ([str(C_BIN), mode, port], None)
    py = lambda script, port, env=None: ([PY, str(PY_DIR / script), port], env)
    memory = lambda case: ([str(RUST_BIN / "bench_rust"), case, "--version", str(version),
                            *rows_arg], None)
    with FloodServer(version, ROWS) as big, FloodServer(version, PY_ROWS) as small:
        p = big.port
        cases = {
            "raw_split_memory": memory("split-memory"),
            "raw_decode_memory": memory("decode-memory"),
            "raw_split": rust("split", p),
            "raw_decode": rust("decode", p),
            "libtws_c_callback": c("flood-callback", p),
            "libtws_c_poll": c("flood-poll", p),
            "libtws_rust_callback": rust("client-callback", p, *rows_arg),
            "libtws_rust_poll": rust("client-poll", p, *rows_arg),
        }
        if not BINDING.exists():
            cases["libtws_python"] = {"error": "not available yet (no bindings/python)"}
        elif not (PY_DIR / "binding_flood.py").exists():
            cases["libtws_python"] = {"error": "bench/python/binding_flood.py not written yet"}
        else:
            cases["libtws_python"] = py("binding_flood.py", p)
        cases["official_python"] = py("official_flood.py", small.port)
        if version >= 213:
            cases["rust_ibapi"] = rust("ibapi", p)
        else:
            cases["rust_ibapi"] = {"error": "speaks server versions 213 and up only"}
        if version <= 178:
            cases["ib_async"] = py("ib_async_flood.py", small.port)
        else:
            cases["ib_async"] = {"error": "speaks server versions up to 178 only"}
        return interleaved(cases, "rate")


def latency_cases(version):
    """Round trips in REPEATS interleaved rounds of ITERATIONS each; per case
    the round with the median p50."""
    with FloodServer(version, 1) as server:
        p, it = server.port, str(ITERATIONS)
        return interleaved({
            "raw_pingpong": ([str(RUST_BIN / "bench_rust"), "pingpong", "--version",
                              str(version), "--iterations", it], None),
            "libtws_c_callback": ([str(C_BIN), "latency-callback", p, it], None),
            "libtws_c_poll": ([str(C_BIN), "latency-poll", p, it], None),
            "rust_ibapi": ([str(RUST_BIN / "bench_rust"), "ibapi-latency", "--port", p,
                            "--iterations", it], None),
        }, "p50_us")


def memory_cases(version):
    out = []
    for rows, capacity in [(ROWS, c) for c in CAPACITIES] + [(ROWS // 10, CAPACITIES[0])]:
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


def evaluate(flood, latency, memory, allocs):
    """Ratios and the issue's targets, each met or missed."""
    ratios, targets = {}, []

    def target(name, value, goal, met):
        targets.append({"target": name, "value": value, "goal": goal,
                        "met": None if value is None else bool(met)})

    for v, res in flood.items():
        cb, poll = rate(res, "libtws_c_callback"), rate(res, "libtws_c_poll")
        r = {
            "callback / raw decode": ratio(cb, rate(res, "raw_decode")),
            "callback / raw split": ratio(cb, rate(res, "raw_split")),
            "callback / rust-ibapi": ratio(cb, rate(res, "rust_ibapi")),
            "callback / official Python": ratio(cb, rate(res, "official_python")),
            "callback / ib_async": ratio(cb, rate(res, "ib_async")),
            "poll / callback": ratio(poll, cb),
        }
        ratios[v] = r
        x = r["callback / raw decode"]
        target(f"v{v}: C callback >= 25 % of raw decode", x, ">= 0.25", x and x >= 0.25)
        if r["callback / rust-ibapi"] is not None:
            x = r["callback / rust-ibapi"]
            target(f"v{v}: C callback >= 10x rust-ibapi", x, ">= 10", x >= 10)
        x = r["callback / official Python"]
        target(f"v{v}: C callback >= 100x official Python", x, ">= 100", x and x >= 100)
        x = r["poll / callback"]
        target(f"v{v}: poll within 2x of callback", x, "0.5 .. 2", x and 0.5 <= x <= 2)
    raw = latency.get("raw_pingpong", {})
    ratios["latency"] = {}
    for key in ("libtws_c_callback", "libtws_c_poll", "rust_ibapi"):
        lat = latency.get(key, {})
        for p, goal in (("p50_us", 1.10), ("p99_us", 1.15)):
            x = ratio(lat.get(p), raw.get(p))
            ratios["latency"][f"{key} {p[:3]} / raw"] = x
            if key != "rust_ibapi":
                target(f"{key} round trip {p[:3]} <= {goal}x raw ping-pong", x, f"<= {goal}",
                       x is not None and x <= goal)
    for key, a in allocs.items():
        # "Zero per event": no allocation that scales with events. A single
        # one-off in the measured window (a buffer growing once) shows as ~1e-6.
        target(f"{key}: zero allocations per event (steady state)", a,
               "0 (< 1 per 100,000 events)", a is not None and a < 1e-5)
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
    ("libtws_rust_callback", "   libtws Rust Client, callback"),
    ("libtws_rust_poll", "   libtws Rust Client, poll"),
    ("libtws_python", "4  libtws Python binding"),
    ("official_python", "5  official Python ibapi"),
    ("rust_ibapi", "6  rust-ibapi (crate ibapi)"),
    ("ib_async", "7  ib_async"),
]


def table(results):
    flood, latency, memory, ratios, targets = (results[k] for k in
                                                ("flood", "latency", "memory", "ratios", "targets"))
    versions = list(flood)
    lines = [f"Flood: {ROWS:,} account-summary rows ({PY_ROWS:,} for the Python clients), "
             f"median of {REPEATS} interleaved rounds", ""]
    head = "| case | " + " | ".join(f"v{v} rate | v{v} libtws callback / this" for v in versions) + " |"
    lines += [head, "|---" * (1 + 2 * len(versions)) + "|"]
    for key, label in LABELS:
        cells = []
        for v in versions:
            r = flood[v].get(key, {})
            cb = rate(flood[v], "libtws_c_callback")
            cells += [fmt_rate(r), fmt_x(ratio(cb, rate(flood[v], key)))]
        lines.append(f"| {label.strip()} | " + " | ".join(cells) + " |")
    lines += ["", f"Allocations per delivered event (steady state, counting allocator): " + ", ".join(
        f"v{v} {k.split('_')[-1]} {flood[v][k].get('allocs_per_event', float('nan')):.2f}"
        for v in versions for k in ("libtws_rust_callback", "libtws_rust_poll")), ""]
    lines += [f"Latency: {ITERATIONS:,} reqCurrentTime round trips at v{results['latency_version']} "
              f"(the median of {REPEATS} interleaved rounds)", "",
              "| client | p50 | p99 | p50 / raw | p99 / raw |", "|---|---|---|---|---|"]
    raw = latency.get("raw_pingpong", {})
    for key, label in (("raw_pingpong", "raw socket ping-pong (Rust <-> Rust)"),
                       ("libtws_c_callback", "libtws C, callback"),
                       ("libtws_c_poll", "libtws C, poll"), ("rust_ibapi", "rust-ibapi")):
        r = latency.get(key, {})
        if "error" in r:
            lines.append(f"| {label} | {r['error']} | | | |")
            continue
        lines.append(f"| {label} | {r['p50_us']:.1f} us | {r['p99_us']:.1f} us | "
                     f"{fmt_x(ratio(r['p50_us'], raw.get('p50_us')))} | "
                     f"{fmt_x(ratio(r['p99_us'], raw.get('p99_us')))} |")
    lines += ["", "Peak memory with a consumer sleeping 1 ms every 1,000 events (poll, v"
              f"{results['latency_version']})", "",
              "| rows | queue capacity | RSS before | peak RSS | queue high water | full-queue waits |",
              "|---|---|---|---|---|---|"]
    for m in memory:
        if "error" in m:
            lines.append(f"| {m['rows']:,} | {m['capacity']:,} | {m['error']} | | | |")
            continue
        lines.append(f"| {m['rows']:,} | {m['capacity']:,} | {m['rss_before_kib'] / 1024:.1f} MiB | "
                     f"{m['peak_rss_kib'] / 1024:.1f} MiB | {m['queue_high_water']:,.0f} | "
                     f"{m['queue_full_waits']:,.0f} |")
    lines += ["", "Targets of issue 8", "", "| target | measured | goal | |", "|---|---|---|---|"]
    for t in targets:
        v = t["value"]
        shown = "-" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v))
        state = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {shown} | {t['goal']} | {state} |")
    return "\n".join(lines)


def png_bars(results, path):
    """The chart without matplotlib: one bar per case and version (rates on a
    log scale, the order of the table, v176 blue, v222 orange), no text."""
    import struct
    import zlib
    rows = [(rate(res, key) or 0, i) for key, _ in LABELS for i, res in
            enumerate(results["flood"].values())]
    top = max(r for r, _ in rows) or 1
    width, bar, gap = 600, 12, 4
    colours = [(31, 119, 180), (255, 127, 14)]
    lines = []
    for r, i in rows:
        length = int(width * max(0.0, math.log10(max(r, 1)) / math.log10(max(top, 10))))
        line = bytes(colours[i % 2]) * length + b"\xff\xff\xff" * (width - length)
        lines += [line] * bar + [b"\xff\xff\xff" * width] * (gap * (1 + i))
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
    fig, axes = plt.subplots(1, 2, figsize=(15, 6), gridspec_kw={"width_ratios": [3, 1]})
    ax = axes[0]
    labels = [label.strip() for _, label in LABELS]
    height = 0.8 / len(flood)
    for i, (v, res) in enumerate(flood.items()):
        ys = [j + i * height for j in range(len(LABELS))]
        xs = [rate(res, key) or 0 for key, _ in LABELS]
        ax.barh(ys, xs, height=height, label=f"server v{v}")
    ax.set_yticks([j + height * (len(flood) - 1) / 2 for j in range(len(LABELS))])
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("account-summary rows per second (log)")
    ax.legend()
    ax.set_title("Flood throughput")
    lat = results["latency"]
    keys = [k for k in ("raw_pingpong", "libtws_c_callback", "libtws_c_poll", "rust_ibapi")
            if "error" not in lat.get(k, {"error": 1})]
    ax = axes[1]
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
               "config": {"rows": ROWS, "python_rows": PY_ROWS, "iterations": ITERATIONS,
                          "repeats": REPEATS, "capacities": list(CAPACITIES)},
               "latency_version": 222}
    flood = {}
    for version in (176, 222):
        print(f"flood at server version {version} ...", file=sys.stderr, flush=True)
        flood[str(version)] = flood_cases(version)
    print("latency ...", file=sys.stderr, flush=True)
    latency = latency_cases(222)
    print("memory ...", file=sys.stderr, flush=True)
    memory = memory_cases(222)
    allocs = {f"v{v} libtws callback": flood[v]["libtws_rust_callback"].get("allocs_per_event")
              for v in flood}
    ratios, targets = evaluate(flood, latency, memory, allocs)
    results.update(flood=flood, latency=latency, memory=memory, ratios=ratios, targets=targets,
                   seconds=round(time.time() - started, 1))
    results["machine"]["loadavg_after"] = open("/proc/loadavg").read().split()[:3]
    text = table(results)
    m = results["machine"]
    header = (f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB, Linux {m['kernel']}; "
              f"load average before {' '.join(m['loadavg_before'])}, after "
              f"{' '.join(m['loadavg_after'])}")
    print(header + "\n\n" + text)
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    (OUT / "results.md").write_text(header + "\n\n" + text + "\n")
    how = chart(results, OUT / "results.png")
    print(f"\nwrote {OUT / 'results.json'}, results.md, results.png ({how})", file=sys.stderr)


if __name__ == "__main__":
    main()
