#!/usr/bin/env python3
"""Instruments and quotes: resolve a symbol with contract details (a blocking
call), subscribe to its market data, print each tick on its own line, stop
after N ticks or S seconds, then print the conflated quote. Prints the same
lines as examples-c/market_data.c.

    market_data.py [HOST [PORT [CLIENT_ID [SYMBOL [TICKS [SECONDS]]]]]]
        defaults: 127.0.0.1 7497 0 AAPL 20 30

Output, one line per tick:
    Tick. ReqId: 1 Type: BID Price: 189.52 Size: 300
    Tick. ReqId: 1 Type: VOLUME Size: 1234500
    Tick. ReqId: 1 Type: LAST_TIMESTAMP Value: 1764630000
"""

import sys
import time
from typing import Any, List, Optional

import tws


def tick_line(event: Any) -> Optional[str]:
    """The line of a tick event, or None for any other event."""
    if not isinstance(event, (tws.TickPrice, tws.TickSize, tws.TickString, tws.TickGeneric)):
        return None
    head = f"Tick. ReqId: {event.req_id} Type: {tws.tick_type_name(event.tick_type or 0)}"
    if isinstance(event, tws.TickPrice):
        price = "-" if event.price is None else f"{event.price:g}"
        size = "" if event.size is None else f" Size: {event.size}"
        return f"{head} Price: {price}{size}"
    if isinstance(event, tws.TickSize):
        return f"{head} Size: {'-' if event.size is None else event.size}"
    if isinstance(event, tws.TickString):
        return f"{head} Value: {event.value}"
    return f"{head} Value: {event.value or 0.0:g}"


def fail(what: str, e: tws.TwsError) -> int:
    print(f"market_data: {what} failed: {e}", file=sys.stderr)
    if isinstance(e, tws.RequestFailed):
        print(f"market_data: TWS error {e.tws_code} ({tws.error_code_name(e.tws_code) or '?'})", file=sys.stderr)
    if isinstance(e, tws.ConnectionRefused):
        print("market_data: is TWS or IB Gateway running with the API enabled on that port?", file=sys.stderr)
    return 1


def main(argv: List[str]) -> int:
    if len(argv) > 7:
        print("usage: market_data.py [HOST [PORT [CLIENT_ID [SYMBOL [TICKS [SECONDS]]]]]]", file=sys.stderr)
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    symbol = argv[4] if len(argv) > 4 else "AAPL"
    max_ticks = int(argv[5]) if len(argv) > 5 else 20
    seconds = int(argv[6]) if len(argv) > 6 else 30
    with tws.Client() as client:
        try:
            client.connect(host, port, client_id, timeout=10)
        except tws.TwsError as e:
            return fail("connect", e)
        contract = tws.stock(symbol)
        try:
            details = client.contract_details(contract)  # resolve the symbol
        except tws.TwsError as e:
            return fail("contract details", e)
        if not details:
            print(f"market_data: no instrument matches {symbol}", file=sys.stderr)
            return 1
        d = details[0]
        print(
            f"Contract. Symbol: {symbol} ConId: {d.contract.con_id} Name: {d.details.long_name} "
            f"Primary: {d.contract.primary_exchange}"
        )
        contract.set("con_id", d.contract.con_id)
        try:
            req_id = client.req_mkt_data(contract)
        except tws.TwsError as e:
            return fail("reqMktData", e)
        ticks = 0
        deadline = time.monotonic() + seconds
        while ticks < max_ticks and time.monotonic() < deadline:
            event = client.poll(0.2)
            if isinstance(event, tws.ErrorMessage):
                print(f"market_data: TWS {event.code}: {event.message}", file=sys.stderr)
                if event.req_id == req_id and event.error_class == tws.ErrorClass.ERROR:
                    return 1
                continue
            line = tick_line(event)
            if line is not None:
                print(line)
                ticks += 1
        q = client.quote(req_id)
        if q is not None:
            print(
                f"Quote. ReqId: {req_id} Bid: {q.bid or 0:g} Ask: {q.ask or 0:g} Last: {q.last or 0:g} "
                f"BidSize: {q.bid_size or '-'} AskSize: {q.ask_size or '-'} Volume: {q.volume or '-'}"
            )
        client.cancel_mkt_data(req_id)
        return 0 if ticks > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
