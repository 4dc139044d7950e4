#!/usr/bin/env python3
"""Historical data: request a day of hourly bars of a stock
(reqHistoricalData, one-shot, text dates), print each bar on its own line as
it arrives, then the end marker. Prints the same lines as
examples-c/historical_bars.c. Requests go through libtws's historical-data
pacing, so a burst of them never trips TWS's pacing violations (162, 420).

    historical_bars.py [HOST [PORT [CLIENT_ID [SYMBOL [END [DURATION [BAR_SIZE]]]]]]]
        defaults: 127.0.0.1 7497 0 AAPL "20261130 16:00:00 US/Eastern" "1 D" "1 hour"

Output:
    Bar. ReqId: 1 Date: 20261130 10:00:00 US/Eastern Open: 189.10 High: 190.00 Low: 188.70 Close: 189.50 Volume: 51230 WAP: 189.42 BarCount: 412
    ...
    HistoricalDataEnd. ReqId: 1
"""

import sys
import time
from typing import Any, List

import tws


def bar_line(req_id: int, bar: Any) -> str:
    """The line of one bar."""
    volume = "-" if bar.volume is None else str(bar.volume)
    wap = "-" if bar.wap is None else str(bar.wap)
    return (
        f"Bar. ReqId: {req_id} Date: {bar.date} Open: {bar.open:.2f} High: {bar.high:.2f} "
        f"Low: {bar.low:.2f} Close: {bar.close:.2f} Volume: {volume} WAP: {wap} BarCount: {bar.bar_count}"
    )


def main(argv: List[str]) -> int:
    if len(argv) > 8:
        print(
            "usage: historical_bars.py [HOST [PORT [CLIENT_ID [SYMBOL [END [DURATION [BAR_SIZE]]]]]]]",
            file=sys.stderr,
        )
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    symbol = argv[4] if len(argv) > 4 else "AAPL"
    end = argv[5] if len(argv) > 5 else "20261130 16:00:00 US/Eastern"
    duration = argv[6] if len(argv) > 6 else "1 D"
    bar_size = argv[7] if len(argv) > 7 else "1 hour"
    with tws.Client() as client:
        try:
            client.connect(host, port, client_id, timeout=10)
            req_id = client.req_historical_data(tws.stock(symbol), end, duration, bar_size, req_id=1)
        except tws.TwsError as e:
            print(f"historical_bars: failed: {e}", file=sys.stderr)
            return 1
        bars = 0
        ended = False
        deadline = time.monotonic() + 30
        while not ended and time.monotonic() < deadline:
            event = client.poll(0.2)
            if isinstance(event, tws.ErrorMessage):
                print(f"historical_bars: TWS {event.code}: {event.message}", file=sys.stderr)
                if event.req_id == req_id and event.error_class == tws.ErrorClass.ERROR:
                    return 1
            elif isinstance(event, tws.HistoricalData):
                for bar in event.bars:
                    print(bar_line(req_id, bar))
                    bars += 1
                ended = bool(event.end_date)  # below server 196 the end travels here
            elif isinstance(event, tws.HistoricalDataEnd):
                ended = True
        if not ended:
            print("historical_bars: no end marker within 30 s", file=sys.stderr)
            return 1
        print(f"HistoricalDataEnd. ReqId: {req_id}")
        return 0 if bars > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
