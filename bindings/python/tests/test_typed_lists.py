"""Generated classes with lists, tag values and optional records: the
replies of reqContractDetails, reqMatchingSymbols and reqSecDefOptParams
arrive as typed dataclasses (``list[TagValue]``, ``list[ContractDescription]``,
``list[str]``, ``list[float]``), read from the simulator's real bytes."""

from __future__ import annotations

import tws


def _collect(client, cls, end_cls, req_id, seconds=10):
    rows = []
    for event in client.events(timeout=seconds):
        if isinstance(event, cls) and event.req_id == req_id:
            rows.append(event)
        elif isinstance(event, end_cls) and event.req_id == req_id:
            return rows
        assert not isinstance(event, tws.GenericMessage), event
    raise AssertionError(f"no {end_cls.__name__} for {req_id}")


def test_contract_details_symbols_and_option_parameters_are_typed(sim):
    with tws.Client() as client:
        client.connect("127.0.0.1", sim.port, client_id=81, timeout=10)

        client.send("ReqContractDetails", req_id=21, contract={"symbol": "AAPL", "sec_type": "STK", "currency": "USD"})
        rows = _collect(client, tws.ContractData, tws.ContractDataEnd, 21)
        assert len(rows) == 1
        row = rows[0]
        assert isinstance(row.contract, tws.Contract)
        assert row.contract.symbol == "AAPL" and row.contract.con_id == 265598
        assert row.contract.combo_legs == [] and row.contract.delta_neutral_contract is None
        d = row.details
        assert isinstance(d, tws.ContractDetails)
        assert d.sec_id_list == [tws.TagValue("ISIN", "US0378331005")]
        assert isinstance(d.sec_id_list[0], tws.TagValue)
        assert d.ineligibility_reasons == []
        assert "LMT" in d.order_types.split(",") and "SMART" in d.valid_exchanges.split(",")
        hash(row.contract)  # lists stay out of the hash: a Contract is still a dict key

        client.send("ReqMatchingSymbols", req_id=22, pattern="AAP")
        samples = None
        for event in client.events(timeout=10):
            assert not isinstance(event, tws.GenericMessage), event
            if isinstance(event, tws.SymbolSamples) and event.req_id == 22:
                samples = event
                break
        assert samples is not None
        aapl = [s for s in samples.descriptions if s.contract.symbol == "AAPL"]
        assert len(aapl) == 1 and isinstance(aapl[0], tws.ContractDescription)
        assert aapl[0].contract.con_id == 265598
        assert "OPT" in aapl[0].derivative_sec_types
        assert all(isinstance(t, str) for t in aapl[0].derivative_sec_types)

        client.send(
            "ReqSecDefOptParams",
            req_id=23,
            underlying_symbol="AAPL",
            fut_fop_exchange="",
            underlying_sec_type="STK",
            underlying_con_id=265598,
        )
        params = _collect(client, tws.SecDefOptParameter, tws.SecDefOptParameterEnd, 23)
        assert params
        p = params[0]
        assert p.underlying_con_id == 265598 and p.trading_class == "AAPL"
        assert len(p.expirations) == 3 and all(len(e) == 8 and e.isdigit() for e in p.expirations)
        assert p.strikes and all(isinstance(s, float) for s in p.strikes)
        assert p.strikes == sorted(p.strikes)
