//! Market data, depth, tick-by-tick, real-time bars and the market data
//! type: typed requests that register their subscriptions (re-issued after
//! a reconnect or TWS's 1101 under the same id), their cancels, and the
//! option calculations.

use std::time::Duration;

use crate::protocol::market_data::*;
use crate::protocol::messages::{Contract, TagValue};
use crate::protocol::{Incoming, Request};

use super::blocking::{Answers, Step};
use super::quotes::Quote;
use super::routes::check_user_id;
use super::{Client, Error};

/// The key of the market data type setting in [`Client::subscriptions`]
/// (reqMarketDataType has no request id; the latest value wins and is
/// re-issued after a reconnect or a 1101).
pub const MARKET_DATA_TYPE_SUBSCRIPTION: i32 = -4;

impl Client {
    /// reqMarketDataType: 1 live, 2 frozen, 3 delayed, 4 delayed frozen.
    /// A session setting: recorded under [`MARKET_DATA_TYPE_SUBSCRIPTION`]
    /// (a new value replaces the old) and re-issued after a reconnect or a
    /// 1101. Any other value is refused (`InvalidArgument`).
    pub fn req_market_data_type(&self, market_data_type: i32) -> Result<(), Error> {
        if !(1..=4).contains(&market_data_type) {
            return Err(Error::InvalidArgument(format!(
                "market data type {market_data_type} is none of 1 (live), 2 (frozen), 3 (delayed), 4 (delayed frozen)"
            )));
        }
        self.request(Request::ReqMarketDataType(ReqMarketDataType {
            market_data_type,
        }))
    }

    /// reqMktData: ticks of `contract` tagged `req_id` (`generic_ticks` a
    /// comma-separated list of generic tick ids, "" for the default set).
    /// A streaming request is a subscription: a live or reserved id is
    /// refused (`DuplicateRequestId`, `InvalidArgument`), it is re-issued
    /// after a reconnect or a 1101, and its quote view
    /// ([`Client::quote`]) follows it. With `snapshot` or
    /// `regulatory_snapshot` it is one-shot (ends with `tickSnapshotEnd`)
    /// and never re-issued.
    pub fn req_mkt_data(
        &self,
        req_id: i32,
        contract: &Contract,
        generic_ticks: &str,
        snapshot: bool,
        regulatory_snapshot: bool,
        options: &[TagValue],
    ) -> Result<(), Error> {
        self.request(Request::ReqMktData(ReqMktData {
            req_id,
            contract: Box::new(contract.clone()),
            generic_tick_list: generic_ticks.into(),
            snapshot,
            regulatory_snapshot,
            mkt_data_options: options.to_vec(),
        }))
    }

    /// cancelMktData. The subscription and its quote view are forgotten
    /// even if the cancel cannot be sent.
    pub fn cancel_mkt_data(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelMktData(CancelMktData { req_id }))
    }

    /// reqMktDepth: `num_rows` levels of the book of `contract`
    /// (`smart_depth`: aggregated over exchanges, server v146+). A subscription.
    pub fn req_mkt_depth(
        &self,
        req_id: i32,
        contract: &Contract,
        num_rows: i32,
        smart_depth: bool,
        options: &[TagValue],
    ) -> Result<(), Error> {
        self.request(Request::ReqMktDepth(ReqMktDepth {
            req_id,
            contract: Box::new(contract.clone()),
            num_rows,
            is_smart_depth: smart_depth,
            mkt_depth_options: options.to_vec(),
        }))
    }

    /// cancelMktDepth (`smart_depth` as in the request).
    pub fn cancel_mkt_depth(&self, req_id: i32, smart_depth: bool) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelMktDepth(CancelMktDepth {
            req_id,
            is_smart_depth: smart_depth,
        }))
    }

    /// reqTickByTickData: every trade (`Last`, `AllLast`), quote (`BidAsk`)
    /// or midpoint (`MidPoint`) of `contract`, after `number_of_ticks`
    /// historical ones (server v140+). A subscription.
    pub fn req_tick_by_tick_data(
        &self,
        req_id: i32,
        contract: &Contract,
        tick_type: &str,
        number_of_ticks: i32,
        ignore_size: bool,
    ) -> Result<(), Error> {
        self.request(Request::ReqTickByTickData(ReqTickByTickData {
            req_id,
            contract: Box::new(contract.clone()),
            tick_type: tick_type.into(),
            number_of_ticks,
            ignore_size,
        }))
    }

    /// cancelTickByTickData.
    pub fn cancel_tick_by_tick_data(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelTickByTickData(CancelTickByTickData {
            req_id,
        }))
    }

    /// reqRealTimeBars: 5-second bars (`bar_size` 5) of `what_to_show`
    /// (`TRADES`, `BID`, `ASK`, `MIDPOINT`). A subscription.
    pub fn req_real_time_bars(
        &self,
        req_id: i32,
        contract: &Contract,
        bar_size: i32,
        what_to_show: &str,
        use_rth: bool,
        options: &[TagValue],
    ) -> Result<(), Error> {
        self.request(Request::ReqRealTimeBars(ReqRealTimeBars {
            req_id,
            contract: Box::new(contract.clone()),
            bar_size,
            what_to_show: what_to_show.into(),
            use_rth,
            real_time_bars_options: options.to_vec(),
        }))
    }

    /// cancelRealTimeBars.
    pub fn cancel_real_time_bars(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelRealTimeBars(CancelRealTimeBars { req_id }))
    }

    /// calculateImpliedVolatility: one `tickOptionComputation` for
    /// `option_price` with the underlying at `under_price`. One-shot.
    pub fn calculate_implied_volatility(
        &self,
        req_id: i32,
        contract: &Contract,
        option_price: f64,
        under_price: f64,
        options: &[TagValue],
    ) -> Result<(), Error> {
        self.request(Request::ReqCalcImpliedVolatility(
            ReqCalcImpliedVolatility {
                req_id,
                contract: Box::new(contract.clone()),
                option_price,
                under_price,
                options: options.to_vec(),
            },
        ))
    }

    /// cancelCalculateImpliedVolatility.
    pub fn cancel_calculate_implied_volatility(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelCalcImpliedVolatility(
            CancelCalcImpliedVolatility { req_id },
        ))
    }

    /// calculateOptionPrice: one `tickOptionComputation` for `volatility`
    /// with the underlying at `under_price`. One-shot.
    pub fn calculate_option_price(
        &self,
        req_id: i32,
        contract: &Contract,
        volatility: f64,
        under_price: f64,
        options: &[TagValue],
    ) -> Result<(), Error> {
        self.request(Request::ReqCalcOptionPrice(ReqCalcOptionPrice {
            req_id,
            contract: Box::new(contract.clone()),
            volatility,
            under_price,
            options: options.to_vec(),
        }))
    }

    /// cancelCalculateOptionPrice.
    pub fn cancel_calculate_option_price(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelCalcOptionPrice(CancelCalcOptionPrice {
            req_id,
        }))
    }
}

impl Client {
    /// The latest quote of the market-data request `req_id` (a streaming
    /// [`Client::req_mkt_data`] or the generic `send` of one), or `None`
    /// when no such subscription is live. Kept up to date by the reader
    /// before each tick is queued, so it follows the market whether or not
    /// the queue is drained; removed on cancel. Any thread, any time.
    pub fn quote(&self, req_id: i32) -> Option<Quote> {
        self.shared.quotes.get(req_id)
    }

    /// Requests a one-shot snapshot of `contract` (reqMktData with
    /// snapshot) and waits for `tickSnapshotEnd` (at most `timeout`): the
    /// quote the snapshot's ticks make. Reserved id; its ticks never
    /// appear as events. Fails with `Request` (200 for an unknown
    /// instrument, 354 without a subscription, ...), `Timeout` or
    /// `ConnectionClosed`. Notices (10167: delayed data shown) do not end it.
    pub fn snapshot_quote(&self, contract: &Contract, timeout: Duration) -> Result<Quote, Error> {
        let call = self.start_call(Answers::OwnId, "snapshot_quote", timeout)?;
        let req_id = call.req_id;
        self.shared.quotes.open(req_id);
        let sent = self.send_internal(&Request::ReqMktData(ReqMktData {
            req_id,
            contract: Box::new(contract.clone()),
            generic_tick_list: String::new(),
            snapshot: true,
            regulatory_snapshot: false,
            mkt_data_options: Vec::new(),
        }));
        let outcome = sent.and_then(|()| {
            self.collect(&call, "tickSnapshotEnd", |msg| {
                if let Incoming::TickSnapshotEnd(_) = msg {
                    return Step::Done;
                }
                Step::More
            })
        });
        let quote = self.shared.quotes.get(req_id).unwrap_or_default();
        self.shared.quotes.close(req_id);
        self.cancel_if_timed_out(&outcome, Request::CancelMktData(CancelMktData { req_id }));
        outcome.map(|()| quote)
    }
}
