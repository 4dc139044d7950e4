"""ib_async against the flood server (it speaks server versions up to 178).

    python ib_async_flood.py PORT

Connects read-only without the startup downloads, requests the account
summary (blocking until accountSummaryEnd) and counts the rows it delivered
through accountSummaryEvent. Prints one JSON line.
"""
import json
import logging
import sys
import time

from ib_async import IB
from ib_async.ib import StartupFetchNONE


def main():
    logging.disable(logging.CRITICAL)
    port = int(sys.argv[1])
    ib = IB()
    ib.connect("127.0.0.1", port, clientId=1, timeout=10, readonly=True,
               fetchFields=StartupFetchNONE)
    rows = 0

    def count(_value):
        nonlocal rows
        rows += 1

    ib.accountSummaryEvent += count
    started = time.perf_counter()
    ib.reqAccountSummary()
    seconds = time.perf_counter() - started
    ib.disconnect()
    print(json.dumps({"events": rows, "seconds": seconds, "rate": rows / seconds}))


if __name__ == "__main__":
    main()
