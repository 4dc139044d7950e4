"""libtws through its Python binding (bindings/python) against the flood server.

    python binding_flood.py PORT [KIND EVENTS]

KIND is rows (account summary, the default: counts rows until
accountSummaryEnd), ticks (tickPrice + tickSize until tickSnapshotEnd) or tbt
(tick-by-tick trades, EVENTS of them). Ticks are not conflated (every tick is
delivered, as with every other client measured). Iterates `client.events()`;
with BENCH_PY_BATCH=1 it drains the queue with `client.poll_many()` (many
events per call into libtws) when the binding has it. Prints one JSON line.
"""
import json
import os
import sys
import time

import tws


def main():
    port = int(sys.argv[1])
    kind = sys.argv[2] if len(sys.argv) > 3 else "rows"
    expected = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    batch = os.environ.get("BENCH_PY_BATCH") == "1"
    if batch and not hasattr(tws.Client, "poll_many"):
        sys.exit("this binding has no Client.poll_many")
    options = {}
    if "conflate_ticks" in tws.Client.__init__.__code__.co_varnames:
        options["conflate_ticks"] = False
    elif kind == "ticks":
        sys.exit("this binding cannot turn tick conflation off")
    with tws.Client(**options) as client:
        client.connect("127.0.0.1", port, 3, timeout=10)
        started = time.perf_counter()
        if kind == "rows":
            client.req_account_summary("All", "NetLiquidation")
            counted, end = (tws.AccountSummary,), tws.AccountSummaryEnd
        elif kind == "ticks":
            client.req_mkt_data(tws.stock("AAPL"), req_id=7)
            counted, end = (tws.TickPrice, tws.TickSize), tws.TickSnapshotEnd
        else:
            client.req_tick_by_tick_data(tws.stock("AAPL"), "Last", req_id=7)
            counted, end = (tws.TickByTick,), None
        events = 0
        done = False
        if batch:
            while not done:
                for event in client.poll_many(4096, timeout=60):
                    if isinstance(event, counted):
                        events += 1
                        if end is None and events == expected:
                            done = True
                            break
                    elif end is not None and isinstance(event, end):
                        done = True
                        break
        else:
            for event in client.events(timeout=60):
                if isinstance(event, counted):
                    events += 1
                    if end is None and events == expected:
                        break
                elif end is not None and isinstance(event, end):
                    break
        seconds = time.perf_counter() - started
    print(json.dumps({"events": events, "seconds": seconds, "rate": events / seconds}))


if __name__ == "__main__":
    main()
