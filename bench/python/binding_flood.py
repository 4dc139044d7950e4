"""libtws through its Python binding (bindings/python) against the flood server.

    python binding_flood.py PORT

Connects, requests the account summary and iterates events until
accountSummaryEnd, counting rows. Prints one JSON line.
"""
import json
import sys
import time

import tws


def main():
    port = int(sys.argv[1])
    with tws.Client() as client:
        client.connect("127.0.0.1", port, 3, timeout=10)
        started = time.perf_counter()
        client.req_account_summary("All", "NetLiquidation")
        rows = 0
        for event in client.events(timeout=60):
            if isinstance(event, tws.AccountSummary):
                rows += 1
            elif isinstance(event, tws.AccountSummaryEnd):
                break
        seconds = time.perf_counter() - started
    print(json.dumps({"events": rows, "seconds": seconds, "rate": rows / seconds}))


if __name__ == "__main__":
    main()
