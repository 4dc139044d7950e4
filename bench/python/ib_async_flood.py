"""ib_async against the flood server (it speaks server versions up to 178).

    python ib_async_flood.py PORT [KIND EVENTS]

Connects read-only without the startup downloads. KIND rows (the default):
requests the account summary (blocking until accountSummaryEnd) and counts
the rows it delivered through accountSummaryEvent. ticks: reqMktData, counts
the tickPrice and tickSize frames ib_async's wrapper handles (priceSizeTick,
tickSize: its full per-tick work, the ticker update included) until
tickSnapshotEnd. tbt: reqTickByTickData, counts EVENTS tickByTickAllLast.
Prints one JSON line.
"""
import json
import logging
import sys
import time

from ib_async import IB, Stock
from ib_async.ib import StartupFetchNONE

TIMEOUT_S = 600


def main():
    logging.disable(logging.CRITICAL)
    port = int(sys.argv[1])
    kind = sys.argv[2] if len(sys.argv) > 3 else "rows"
    expected = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    ib = IB()
    ib.connect("127.0.0.1", port, clientId=1, timeout=10, readonly=True,
               fetchFields=StartupFetchNONE)
    rows = 0
    done = False

    def count(_value):
        nonlocal rows
        rows += 1

    def counting(method, last=False):
        def wrapped(*args):
            nonlocal rows, done
            rows += 1
            method(*args)
            if last and rows == expected:
                done = True
        return wrapped

    def ending(method):
        def wrapped(*args):
            nonlocal done
            method(*args)
            done = True
        return wrapped

    started = time.perf_counter()
    if kind == "rows":
        ib.accountSummaryEvent += count
        ib.reqAccountSummary()
    else:
        w = ib.wrapper
        contract = Stock("AAPL", "SMART", "USD", conId=265598)
        if kind == "ticks":
            w.priceSizeTick = counting(w.priceSizeTick)
            w.tickSize = counting(w.tickSize)
            w.tickSnapshotEnd = ending(w.tickSnapshotEnd)
            ib.reqMktData(contract)
        else:
            w.tickByTickAllLast = counting(w.tickByTickAllLast, last=True)
            ib.reqTickByTickData(contract, "Last")
        while not done and time.perf_counter() - started < TIMEOUT_S:
            ib.waitOnUpdate(timeout=1)
    seconds = time.perf_counter() - started
    ib.disconnect()
    print(json.dumps({"events": rows, "seconds": seconds, "rate": rows / seconds}))


if __name__ == "__main__":
    main()
