"""The official IB Python client (ibapi-latest) against the flood server.

    python official_flood.py PORT

Connects with its own EClient/EWrapper, requests the account summary and
counts accountSummary callbacks until accountSummaryEnd. Prints one JSON line.
"""
import json
import sys
import threading
import time

from ibapi.client import EClient
from ibapi.wrapper import EWrapper

TIMEOUT_S = 600


class Counter(EWrapper, EClient):
    def __init__(self):
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.ready = threading.Event()
        self.done = threading.Event()
        self.rows = 0
        self.ended = 0.0

    def nextValidId(self, orderId):
        self.ready.set()

    def accountSummary(self, reqId, account, tag, value, currency):
        self.rows += 1

    def accountSummaryEnd(self, reqId):
        self.ended = time.perf_counter()
        self.done.set()

    def error(self, *args):
        pass


def main():
    port = int(sys.argv[1])
    app = Counter()
    app.connect("127.0.0.1", port, clientId=1)
    reader = threading.Thread(target=app.run, daemon=True)
    reader.start()
    if not app.ready.wait(10):
        sys.exit("official client: no nextValidId")
    started = time.perf_counter()
    app.reqAccountSummary(7, "All", "NetLiquidation")
    if not app.done.wait(TIMEOUT_S):
        sys.exit("official client: timed out")
    seconds = app.ended - started
    app.disconnect()
    print(json.dumps({"events": app.rows, "seconds": seconds, "rate": app.rows / seconds}))


if __name__ == "__main__":
    main()
