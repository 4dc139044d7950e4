#!/usr/bin/env python3
"""Instruments and quotes with asyncio (tws.aio): await the contract details,
then read the market data as an async iterator that is cancelled on leaving
the block; several symbols at once, one task each. Prints the lines of
../market_data.py for each symbol.

    market_data.py [HOST [PORT [CLIENT_ID [TICKS [SYMBOL...]]]]]
        defaults: 127.0.0.1 7497 0 20 AAPL
"""

import asyncio
import sys
from pathlib import Path
from typing import List

import tws
import tws.aio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from market_data import tick_line  # noqa: E402  (the blocking example's line format)


async def watch(client: tws.aio.AsyncClient, symbol: str, max_ticks: int) -> int:
    details = await client.contract_details(tws.stock(symbol))
    d = details[0]
    print(f"Contract. Symbol: {symbol} ConId: {d.contract.con_id} Name: {d.details.long_name}")
    ticks = 0
    async with client.market_data(tws.stock(symbol, con_id=d.contract.con_id)) as stream:
        async for event in stream:
            line = tick_line(event)
            if line is not None:
                print(f"{symbol} {line}")
                ticks += 1
                if ticks == max_ticks:
                    break
        q = stream.quote()
        if q is not None:
            print(f"{symbol} Quote. Bid: {q.bid or 0:g} Ask: {q.ask or 0:g} Last: {q.last or 0:g}")
    return ticks


async def main(host: str, port: int, client_id: int, max_ticks: int, symbols: List[str]) -> int:
    async with tws.aio.AsyncClient() as client:
        try:
            await client.connect(host, port, client_id)
            counts = await asyncio.wait_for(
                asyncio.gather(*(watch(client, s, max_ticks) for s in symbols)), timeout=60
            )
        except tws.RequestFailed as e:
            print(f"market_data: {e} (TWS error {e.tws_code})", file=sys.stderr)
            return 1
        except (tws.TwsError, asyncio.TimeoutError) as e:
            print(f"market_data: {e or 'timed out'}", file=sys.stderr)
            return 1
    return 0 if all(counts) else 1


def run(argv: List[str]) -> int:
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    max_ticks = int(argv[4]) if len(argv) > 4 else 20
    symbols = argv[5:] or ["AAPL"]
    return asyncio.run(main(host, port, client_id, max_ticks, symbols))


if __name__ == "__main__":
    sys.exit(run(sys.argv))
