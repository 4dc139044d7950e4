"""tws.aio against tws-sim: one-shot requests as futures (with timeouts and
errors), event streams, subscriptions as async iterators (cancel, task
cancellation, garbage collection), the executor fallback for blocking calls,
the end of a session, and no busy loop."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
import pytest_asyncio

import tws
import tws.aio


HOST = "127.0.0.1"


@pytest.fixture
def market(start_sim):
    return start_sim("--accounts", "DU123456,DU654321", "--market-data-rate", "20", "--permission", "MSFT=none")


@pytest_asyncio.fixture
async def client(market):
    async with tws.aio.AsyncClient(reconnect=False) as c:
        await c.connect(HOST, market.port, client_id=51)
        yield c


async def test_account_summary_is_a_future_and_its_rows_are_not_events(client):
    stream = client.events(timeout=0.5)
    rows = await client.account_summary(tags="NetLiquidation,BuyingPower")
    assert tws.AccountSummaryRow("DU123456", "NetLiquidation", "983631.71", "USD") in rows
    assert {r.tag for r in rows} == {"NetLiquidation", "BuyingPower"}
    assert {r.account for r in rows} == {"DU123456", "DU654321"}
    seen = [ev async for ev in stream]
    assert not any(isinstance(ev, (tws.AccountSummary, tws.AccountSummaryEnd)) for ev in seen), seen
    # The subscription was cancelled: a second and a third one fit in TWS's limit of two.
    assert len(await client.account_summary(tags="NetLiquidation")) == 2
    assert len(await client.account_summary(tags="NetLiquidation")) == 2


async def test_account_summary_matches_the_blocking_client(client, market):
    rows = await client.account_summary()
    with tws.Client() as blocking:
        blocking.connect(HOST, market.port, client_id=52, timeout=10)
        expected = blocking.account_summary()
    assert sorted(rows, key=repr) == sorted(expected, key=repr)


async def test_contract_details_and_an_unknown_symbol(client):
    rows = await client.contract_details(tws.stock("AAPL"))
    assert len(rows) == 1 and isinstance(rows[0], tws.ContractData)
    assert rows[0].contract.con_id == 265598
    with pytest.raises(tws.RequestFailed) as failed:
        await client.contract_details(tws.stock("NOPE"))
    assert failed.value.tws_code == 200
    assert "NO_SECURITY_DEFINITION" in str(failed.value)


async def test_concurrent_requests_each_get_their_own_answer(client):
    aapl, msft, nope = await asyncio.gather(
        client.contract_details({"symbol": "AAPL", "sec_type": "STK", "exchange": "SMART", "currency": "USD"}),
        client.contract_details(tws.stock("MSFT")),
        client.contract_details(tws.stock("NOPE")),
        return_exceptions=True,
    )
    assert aapl[0].contract.symbol == "AAPL"
    assert msft[0].contract.symbol == "MSFT"
    assert isinstance(nope, tws.RequestFailed) and nope.tws_code == 200


async def test_a_request_times_out_and_is_cancelled(client):
    start = time.monotonic()
    with pytest.raises(tws.Timeout):
        await client.request(
            lambda rid: client.req_account_summary("All", "NetLiquidation", req_id=rid),
            end=lambda ev: False,  # never ends
            timeout=0.5,
            cancel=client.cancel_account_summary,
        )
    assert 0.4 < time.monotonic() - start < 3
    # Cancelled on the timeout: two more subscriptions still fit (TWS allows two).
    assert await client.account_summary(tags="NetLiquidation")
    assert await client.account_summary(tags="NetLiquidation")
    with pytest.raises(tws.Timeout):
        await client.wait_for(tws.CurrentTime, timeout=0.2)


async def test_events_stream_every_unowned_event(client):
    client.req_positions()  # a sending call of tws.Client, reached through the AsyncClient
    positions = []
    async for ev in client.events(timeout=5):
        if isinstance(ev, tws.Position):
            positions.append(ev)
        elif isinstance(ev, tws.PositionEnd):
            break
    client.cancel_positions()
    assert len(positions) == 7
    assert {p.account for p in positions} == {"DU123456", "DU654321"}


async def test_two_streams_each_get_every_event(client):
    a, b = client.events(timeout=5), client.events(timeout=5)
    assert await client.current_time() > 1_600_000_000
    got = []
    for stream in (a, b):
        async for ev in stream:
            if isinstance(ev, tws.CurrentTime):
                got.append(ev)
                break
    assert len(got) == 2 and got[0] == got[1]


async def test_a_stream_made_right_after_connect_sees_the_session_start(market):
    async with tws.aio.AsyncClient() as c:
        await c.connect(HOST, market.port, client_id=53)
        first = [ev async for ev in c.events(timeout=0.5)]
    assert any(isinstance(ev, tws.StateChanged) and ev.state == tws.ConnectionState.CONNECTED for ev in first)
    assert any(isinstance(ev, tws.ManagedAccounts) for ev in first)
    assert any(isinstance(ev, tws.NextValidId) for ev in first)


async def test_managed_accounts_and_the_executor_for_blocking_calls(client):
    assert await client.managed_accounts() == ["DU123456", "DU654321"]
    positions = await client.positions()  # tws.Client.positions on the executor
    assert len(positions) == 7
    snapshot = await client.account_updates("DU123456")
    assert snapshot.value("NetLiquidation", "USD") == "983631.71"
    with pytest.raises(AttributeError):
        client.poll


async def test_market_data_subscription_ends_cleanly_on_leaving_the_block(client):
    async with client.market_data(tws.stock("AAPL")) as ticks:
        got = []
        async for tick in ticks:
            got.append(tick)
            if len(got) == 8:
                break
        assert client.sync.quote(ticks.req_id) is not None
        assert ticks.quote() is not None
    assert {t.req_id for t in got} == {ticks.req_id}
    assert any(isinstance(t, tws.TickPrice) for t in got)
    assert ticks.done
    assert client.sync.quote(ticks.req_id) is None  # cancelled: no quote view any more
    # Ended: what had arrived before the cancel is handed out, then the iteration stops.
    assert all(t.req_id == ticks.req_id for t in [t async for t in ticks])
    assert [t async for t in ticks] == []


async def test_cancelling_the_consuming_task_cancels_the_subscription(client):
    started = asyncio.Event()
    subs = []

    async def consume() -> None:
        async with client.market_data(tws.stock("AAPL")) as ticks:
            subs.append(ticks)
            async for _ in ticks:
                started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert subs[0].done and client.sync.quote(subs[0].req_id) is None


async def test_cancel_ends_the_iteration_after_what_was_received(client):
    ticks = client.market_data(tws.stock("AAPL"))
    first = await asyncio.wait_for(ticks.__anext__(), 5)
    ticks.cancel()
    ticks.cancel()  # idempotent
    rest = [t async for t in ticks]
    assert all(t.req_id == first.req_id for t in rest)
    assert client.sync.quote(ticks.req_id) is None


async def test_a_forgotten_subscription_is_cancelled(client):
    async for tick in client.market_data(tws.stock("AAPL")):
        rid = tick.req_id
        break
    gc.collect()
    assert client.sync.quote(rid) is None
    # Its late ticks go nowhere (not into the streams).
    stream = client.events(timeout=0.3)
    assert not [ev async for ev in stream if getattr(ev, "req_id", None) == rid]


async def test_a_refused_subscription_raises_request_failed(client):
    ticks = client.market_data(tws.stock("NOPE"))
    with pytest.raises(tws.RequestFailed) as failed:
        async for _ in ticks:
            pass
    assert failed.value.tws_code == 200
    assert ticks.done


async def test_a_snapshot_ends_by_itself(client):
    ticks = [t async for t in client.market_data(tws.stock("AAPL"), snapshot=True)]
    assert isinstance(ticks[-1], tws.TickSnapshotEnd)
    assert any(isinstance(t, tws.TickPrice) for t in ticks)


async def test_pnl_subscription(client):
    async with client.pnl("DU123456") as pnl:
        first = await asyncio.wait_for(pnl.__anext__(), 5)
    assert isinstance(first, tws.PnL) and first.req_id == pnl.req_id


async def test_disconnect_ends_streams_and_fails_what_waits(client):
    stream = client.events(timeout=5)
    ticks = client.market_data(tws.stock("AAPL"))
    pending = asyncio.ensure_future(client.wait_for(tws.CurrentTime, timeout=5))
    await asyncio.sleep(0.1)
    client.disconnect()
    seen = [ev async for ev in stream]  # ends without raising
    assert any(isinstance(ev, tws.StateChanged) and ev.state == tws.ConnectionState.DISCONNECTED for ev in seen)
    with pytest.raises(tws.NotConnected):
        await pending
    with pytest.raises(tws.NotConnected):
        async for _ in ticks:
            pass
    with pytest.raises(tws.NotConnected):
        await client.account_summary()
    assert [ev async for ev in client.events()] == []


async def test_connect_refused_and_connect_again(start_sim):
    sim = start_sim()
    async with tws.aio.AsyncClient() as c:
        with pytest.raises(tws.ConnectionRefused):
            await c.connect(HOST, 1, client_id=1, timeout=2)
        await c.connect(HOST, sim.port, client_id=1)
        assert c.is_connected  # a property of tws.Client, reached through
        assert await c.current_time() > 0
    with pytest.raises(tws.ClientClosed):
        await c.account_summary()


async def test_idle_client_does_not_spin(client):
    # The loop sleeps in the selector between events: an idle second costs
    # next to no CPU (a polling loop would burn it).
    before = time.process_time()
    await asyncio.sleep(1.0)
    assert time.process_time() - before < 0.2
    assert await client.current_time() > 0  # and events still arrive


async def test_other_tasks_run_while_events_flood_in(client):
    # Ticks at 20/s per line on 5 lines; a ticker task must keep its rhythm.
    subs = [client.market_data(tws.stock(s)) for s in ("AAPL", "IBM", "SPY", "AMZN", "GOOG")]
    beats = 0

    async def beat() -> None:
        nonlocal beats
        while True:
            await asyncio.sleep(0.01)
            beats += 1

    task = asyncio.create_task(beat())
    got = 0
    try:
        async for _ in subs[0]:
            got += 1
            if got == 20:
                break
    finally:
        task.cancel()
        for s in subs:
            s.cancel()
    assert beats > 10


def test_one_client_across_two_asyncio_runs(sim):
    # Made outside any loop (as in a notebook's first cell), then used by two
    # loops one after the other: the reader follows the running loop.
    client = tws.aio.AsyncClient()
    try:
        asyncio.run(client.connect(HOST, sim.port, client_id=54))
        first = asyncio.run(client.account_summary(tags="NetLiquidation"))
        second = asyncio.run(client.account_summary(tags="NetLiquidation"))
        assert first == second and len(first) == 2
    finally:
        client.close()


async def test_a_subscription_goes_on_across_a_reconnect(start_sim):
    sim = start_sim("--market-data-rate", "20")
    async with tws.aio.AsyncClient(reconnect_initial_delay=0.2) as c:
        await c.connect(HOST, sim.port, client_id=55)
        states = c.events()
        async with c.market_data(tws.stock("AAPL")) as ticks:
            await asyncio.wait_for(ticks.__anext__(), 5)
            sim.stop()  # TWS goes away ...
            await asyncio.sleep(0.3)
            start_sim("--port", str(sim.port), "--market-data-rate", "20")  # ... and comes back
            async for ev in states:
                if isinstance(ev, tws.StateChanged) and ev.state == tws.ConnectionState.RECONNECTED:
                    assert ev.resubscribed >= 1
                    break
            while ticks._items:  # what came before the restart
                await ticks.__anext__()
            after = await asyncio.wait_for(ticks.__anext__(), 5)
            assert after.req_id == ticks.req_id and not ticks.done
