#!/usr/bin/env python3
"""The hello world with asyncio (tws.aio): connect, await the account summary
(group "All", every tag) as an async iterator, print each row up to the end
marker, cancel, disconnect. Prints the same lines
as ../account_summary.py and examples-c/account_summary.c.

    account_summary.py [HOST [PORT [CLIENT_ID]]]     defaults: 127.0.0.1 7497 0

In Jupyter, skip asyncio.run: ``await main(...)`` in a cell works as it is.
"""

import asyncio
import sys
from typing import List

import tws
import tws.aio


async def main(host: str, port: int, client_id: int) -> int:
    async with tws.aio.AsyncClient() as client:
        try:
            await client.connect(host, port, client_id)
            # The one-liner is `rows = await client.account_summary()`; the
            # subscription shows each row's request id, as the C example does.
            async with client.account_summary_updates("All", tws.ALL_TAGS) as rows:
                async for event in rows:
                    if isinstance(event, tws.AccountSummary):
                        print(
                            f"AccountSummary. ReqId: {event.req_id} Account: {event.account} "
                            f"Tag: {event.tag} Value: {event.value} Currency: {event.currency}"
                        )
                    elif isinstance(event, tws.AccountSummaryEnd):
                        print(f"AccountSummaryEnd. ReqId: {event.req_id}")
                        return 0
        except tws.TwsError as e:
            print(f"account_summary: {e}", file=sys.stderr)
        return 1


def run(argv: List[str]) -> int:
    """Parses the command line and runs :func:`main` on a new event loop."""
    if len(argv) > 4:
        print("usage: account_summary.py [HOST [PORT [CLIENT_ID]]]", file=sys.stderr)
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    return asyncio.run(main(host, port, client_id))


if __name__ == "__main__":
    sys.exit(run(sys.argv))
