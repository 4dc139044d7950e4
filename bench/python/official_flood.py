"""The official IB Python client (ibapi-latest) against the flood server.

    python official_flood.py PORT [KIND EVENTS]

Connects with its own EClient/EWrapper and counts callbacks: KIND rows
(accountSummary until accountSummaryEnd, the default), ticks (tickPrice and
the volume tickSize frames until tickSnapshotEnd; the last-size tickSize the
client raises itself from each tickPrice is not a frame and not counted) or
tbt (tickByTickAllLast, EVENTS of them). Prints one JSON line.
"""
import json
import sys
import threading
import time

from ibapi.client import EClient
from ibapi.contract import Contract
from ibapi.wrapper import EWrapper

TIMEOUT_S = 600
TICK_VOLUME = 8


class Counter(EWrapper, EClient):
    def __init__(self, expected):
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.ready = threading.Event()
        self.done = threading.Event()
        self.rows = 0
        self.expected = expected
        self.ended = 0.0

    def nextValidId(self, orderId):
        self.ready.set()

    def accountSummary(self, reqId, account, tag, value, currency):
        self.rows += 1

    def accountSummaryEnd(self, reqId):
        self.finish()

    def tickPrice(self, reqId, tickType, price, attrib):
        self.rows += 1

    def tickSize(self, reqId, tickType, size):
        if tickType == TICK_VOLUME:
            self.rows += 1

    def tickSnapshotEnd(self, reqId):
        self.finish()

    def tickByTickAllLast(self, reqId, tickType, time_, price, size, attrib, exchange, special):
        self.rows += 1
        if self.rows == self.expected:
            self.finish()

    def finish(self):
        self.ended = time.perf_counter()
        self.done.set()

    def error(self, *args):
        pass


def main():
    port = int(sys.argv[1])
    kind = sys.argv[2] if len(sys.argv) > 3 else "rows"
    app = Counter(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    app.connect("127.0.0.1", port, clientId=1)
    reader = threading.Thread(target=app.run, daemon=True)
    reader.start()
    if not app.ready.wait(10):
        sys.exit("official client: no nextValidId")
    contract = Contract()
    contract.symbol, contract.secType, contract.exchange, contract.currency = "AAPL", "STK", "SMART", "USD"
    started = time.perf_counter()
    if kind == "rows":
        app.reqAccountSummary(7, "All", "NetLiquidation")
    elif kind == "ticks":
        app.reqMktData(7, contract, "", False, False, [])
    else:
        app.reqTickByTickData(7, contract, "Last", 0, False)
    if not app.done.wait(TIMEOUT_S):
        sys.exit("official client: timed out")
    seconds = app.ended - started
    app.disconnect()
    print(json.dumps({"events": app.rows, "seconds": seconds, "rate": app.rows / seconds}))


if __name__ == "__main__":
    main()
