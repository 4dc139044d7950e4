//! Historical data: typed requests (their replies arrive as events) and the
//! blocking calls that collect them. Every request here goes through the
//! historical-data pacing (`Options::history_pacing`, see
//! `history_pacing.rs`); a blocking call's timeout covers its wait there.

use std::time::{Duration, Instant};

use crate::protocol::history::*;
use crate::protocol::messages::Contract;
use crate::protocol::{Incoming, Request};

use super::blocking::{Answers, Step};
use super::hist_time::HistTime;
use super::routes::check_user_id;
use super::{Client, Error};

/// The ticks of a blocking [`Client::historical_ticks`], by what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum TickHistory {
    /// MIDPOINT.
    Midpoint(Vec<HistoricalTick>),
    /// BID_ASK.
    BidAsk(Vec<HistoricalTickBidAsk>),
    /// TRADES.
    Trades(Vec<HistoricalTickLast>),
}

impl TickHistory {
    /// How many ticks it holds.
    pub fn len(&self) -> usize {
        match self {
            TickHistory::Midpoint(t) => t.len(),
            TickHistory::BidAsk(t) => t.len(),
            TickHistory::Trades(t) => t.len(),
        }
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Client {
    /// reqHistoricalData: the bars of `contract` over `duration` (`"1 D"`,
    /// `"2 W"`, ...) up to `end` (`yyyymmdd hh:mm:ss[ zone]`, empty for now),
    /// as `historicalData` then `historicalDataEnd` events tagged `req_id`.
    /// `format_date` 1 gives text dates, 2 epoch seconds. With
    /// `keep_up_to_date` (end must be empty) `historicalDataUpdate` events
    /// follow until [`Client::cancel_historical_data`]: the request is then a
    /// subscription, re-issued after a reconnect or a 1101; without it, a
    /// one-shot request that is never re-issued.
    #[allow(clippy::too_many_arguments)]
    pub fn req_historical_data(
        &self,
        req_id: i32,
        contract: &Contract,
        end: &str,
        duration: &str,
        bar_size: &str,
        what_to_show: &str,
        use_rth: bool,
        format_date: i32,
        keep_up_to_date: bool,
    ) -> Result<(), Error> {
        self.request(Request::ReqHistoricalData(ReqHistoricalData {
            req_id,
            contract: Box::new(contract.clone()),
            end_date_time: end.into(),
            bar_size_setting: bar_size.into(),
            duration: duration.into(),
            use_rth,
            what_to_show: what_to_show.into(),
            format_date,
            keep_up_to_date,
            chart_options: Vec::new(),
        }))
    }

    /// cancelHistoricalData: ends a request (a keep-up-to-date one is
    /// forgotten: not re-issued after a reconnect).
    pub fn cancel_historical_data(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelHistoricalData(CancelHistoricalData {
            req_id,
        }))
    }

    /// reqHeadTimeStamp: one `headTimestamp` with the earliest data of
    /// `what_to_show` for `contract`.
    pub fn req_head_timestamp(
        &self,
        req_id: i32,
        contract: &Contract,
        what_to_show: &str,
        use_rth: bool,
        format_date: i32,
    ) -> Result<(), Error> {
        self.request(Request::ReqHeadTimestamp(ReqHeadTimestamp {
            req_id,
            contract: Box::new(contract.clone()),
            use_rth,
            what_to_show: what_to_show.into(),
            format_date,
        }))
    }

    /// cancelHeadTimeStamp.
    pub fn cancel_head_timestamp(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelHeadTimestamp(CancelHeadTimestamp { req_id }))
    }

    /// reqHistogramData: one `histogramData` with the volume traded at each
    /// price over `time_period` (`"3 days"`, `"1 weeks"`, ...).
    pub fn req_histogram_data(
        &self,
        req_id: i32,
        contract: &Contract,
        use_rth: bool,
        time_period: &str,
    ) -> Result<(), Error> {
        self.request(Request::ReqHistogramData(ReqHistogramData {
            req_id,
            contract: Box::new(contract.clone()),
            use_rth,
            time_period: time_period.into(),
        }))
    }

    /// cancelHistogramData.
    pub fn cancel_histogram_data(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelHistogramData(CancelHistogramData { req_id }))
    }

    /// reqHistoricalTicks: up to `number_of_ticks` (at most 1000) ticks
    /// from `start` or up to `end` (give one), as `historicalTicks`
    /// (MIDPOINT), `historicalTicksBidAsk` (BID_ASK) or
    /// `historicalTicksLast` (TRADES) events, the last with `done` set.
    #[allow(clippy::too_many_arguments)]
    pub fn req_historical_ticks(
        &self,
        req_id: i32,
        contract: &Contract,
        start: &str,
        end: &str,
        number_of_ticks: i32,
        what_to_show: &str,
        use_rth: bool,
        ignore_size: bool,
    ) -> Result<(), Error> {
        self.request(Request::ReqHistoricalTicks(ReqHistoricalTicks {
            req_id,
            contract: Box::new(contract.clone()),
            start_date_time: start.into(),
            end_date_time: end.into(),
            number_of_ticks,
            what_to_show: what_to_show.into(),
            use_rth,
            ignore_size,
            misc_options: Vec::new(),
        }))
    }

    /// cancelHistoricalTicks (protobuf servers only: `NotSupported` below).
    pub fn cancel_historical_ticks(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelHistoricalTicks(CancelHistoricalTicks {
            req_id,
        }))
    }
}

impl Client {
    /// Writes a blocking call's history request, after its pacing wait,
    /// which must end before `deadline` (`Timeout` otherwise: not sent).
    fn send_paced(&self, request: &Request, deadline: Instant) -> Result<(), Error> {
        self.ensure_connected()?;
        self.shared
            .write_by(request, true, Some(deadline))
            .map(|_| ())
    }

    /// Requests the bars of `contract` (text dates, no updates) and waits
    /// for every one up to the end marker (`historicalDataEnd`, or the end
    /// carried by `historicalData` below server 196), at most `timeout`,
    /// its pacing wait included. Reserved id; the bars are not events.
    /// Parse `Bar::date` with [`HistTime::parse`]. Fails with `Request`
    /// (TWS refused it, e.g. 162 or 321), `Timeout` (cancelled then) or
    /// `ConnectionClosed`.
    #[allow(clippy::too_many_arguments)]
    pub fn historical_bars(
        &self,
        contract: &Contract,
        end: &str,
        duration: &str,
        bar_size: &str,
        what_to_show: &str,
        use_rth: bool,
        timeout: Duration,
    ) -> Result<Vec<Bar>, Error> {
        let deadline = Instant::now() + timeout;
        let call = self.start_call(Answers::OwnId, "historical_bars", timeout)?;
        let req_id = call.req_id;
        self.send_paced(
            &Request::ReqHistoricalData(ReqHistoricalData {
                req_id,
                contract: Box::new(contract.clone()),
                end_date_time: end.into(),
                bar_size_setting: bar_size.into(),
                duration: duration.into(),
                use_rth,
                what_to_show: what_to_show.into(),
                format_date: 1,
                keep_up_to_date: false,
                chart_options: Vec::new(),
            }),
            deadline,
        )?;
        let mut bars = Vec::new();
        let outcome = self.collect(&call, "historicalDataEnd", |msg| {
            if let Incoming::HistoricalData(m) = msg {
                let ends = !m.end_date.is_empty();
                bars.extend(m.bars);
                if ends {
                    return Step::Done;
                }
            } else if let Incoming::HistoricalDataEnd(_) = msg {
                return Step::Done;
            }
            Step::More
        });
        self.cancel_if_timed_out(
            &outcome,
            Request::CancelHistoricalData(CancelHistoricalData { req_id }),
        );
        outcome.map(|()| bars)
    }

    /// Requests the earliest time data of `what_to_show` exists for
    /// `contract` and waits for `headTimestamp` (at most `timeout`, its
    /// pacing wait included). Reserved id; not an event.
    pub fn head_timestamp(
        &self,
        contract: &Contract,
        what_to_show: &str,
        use_rth: bool,
        timeout: Duration,
    ) -> Result<HistTime, Error> {
        let deadline = Instant::now() + timeout;
        let call = self.start_call(Answers::OwnId, "head_timestamp", timeout)?;
        let req_id = call.req_id;
        self.send_paced(
            &Request::ReqHeadTimestamp(ReqHeadTimestamp {
                req_id,
                contract: Box::new(contract.clone()),
                use_rth,
                what_to_show: what_to_show.into(),
                format_date: 1,
            }),
            deadline,
        )?;
        let mut text = String::new();
        let outcome = self.collect(&call, "headTimestamp", |msg| {
            if let Incoming::HeadTimestamp(m) = msg {
                text = m.head_timestamp;
                return Step::Done;
            }
            Step::More
        });
        self.cancel_if_timed_out(
            &outcome,
            Request::CancelHeadTimestamp(CancelHeadTimestamp { req_id }),
        );
        outcome?;
        HistTime::parse(&text, "")
            .ok_or_else(|| Error::Protocol(format!("unreadable head timestamp {text:?}")))
    }

    /// Requests the histogram of `contract` over `time_period` and waits
    /// for `histogramData` (at most `timeout`, its pacing wait included).
    /// Reserved id; not an event.
    pub fn histogram(
        &self,
        contract: &Contract,
        use_rth: bool,
        time_period: &str,
        timeout: Duration,
    ) -> Result<Vec<HistogramEntry>, Error> {
        let deadline = Instant::now() + timeout;
        let call = self.start_call(Answers::OwnId, "histogram", timeout)?;
        let req_id = call.req_id;
        self.send_paced(
            &Request::ReqHistogramData(ReqHistogramData {
                req_id,
                contract: Box::new(contract.clone()),
                use_rth,
                time_period: time_period.into(),
            }),
            deadline,
        )?;
        let mut entries = Vec::new();
        let outcome = self.collect(&call, "histogramData", |msg| {
            if let Incoming::HistogramData(m) = msg {
                entries = m.entries;
                return Step::Done;
            }
            Step::More
        });
        self.cancel_if_timed_out(
            &outcome,
            Request::CancelHistogramData(CancelHistogramData { req_id }),
        );
        outcome.map(|()| entries)
    }

    /// Requests historical ticks (`what_to_show` TRADES, BID_ASK or
    /// MIDPOINT) and waits for every batch up to the one marked done (at
    /// most `timeout`, its pacing wait included). Reserved id; not events.
    #[allow(clippy::too_many_arguments)]
    pub fn historical_ticks(
        &self,
        contract: &Contract,
        start: &str,
        end: &str,
        number_of_ticks: i32,
        what_to_show: &str,
        use_rth: bool,
        ignore_size: bool,
        timeout: Duration,
    ) -> Result<TickHistory, Error> {
        let mut ticks = match what_to_show.to_ascii_uppercase().as_str() {
            "MIDPOINT" => TickHistory::Midpoint(Vec::new()),
            "BID_ASK" => TickHistory::BidAsk(Vec::new()),
            "TRADES" => TickHistory::Trades(Vec::new()),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "historical ticks show TRADES, BID_ASK or MIDPOINT, not {other:?}"
                )))
            }
        };
        let deadline = Instant::now() + timeout;
        let call = self.start_call(Answers::OwnId, "historical_ticks", timeout)?;
        let req_id = call.req_id;
        self.send_paced(
            &Request::ReqHistoricalTicks(ReqHistoricalTicks {
                req_id,
                contract: Box::new(contract.clone()),
                start_date_time: start.into(),
                end_date_time: end.into(),
                number_of_ticks,
                what_to_show: what_to_show.into(),
                use_rth,
                ignore_size,
                misc_options: Vec::new(),
            }),
            deadline,
        )?;
        let outcome = self.collect(&call, "the last historical ticks", |msg| {
            // TWS's kind wins over the one asked for.
            let done = if let Incoming::HistoricalTicks(m) = msg {
                if let TickHistory::Midpoint(all) = &mut ticks {
                    all.extend(m.ticks);
                } else {
                    ticks = TickHistory::Midpoint(m.ticks);
                }
                m.done
            } else if let Incoming::HistoricalTicksBidAsk(m) = msg {
                if let TickHistory::BidAsk(all) = &mut ticks {
                    all.extend(m.ticks);
                } else {
                    ticks = TickHistory::BidAsk(m.ticks);
                }
                m.done
            } else if let Incoming::HistoricalTicksLast(m) = msg {
                if let TickHistory::Trades(all) = &mut ticks {
                    all.extend(m.ticks);
                } else {
                    ticks = TickHistory::Trades(m.ticks);
                }
                m.done
            } else {
                false
            };
            if done {
                Step::Done
            } else {
                Step::More
            }
        });
        // Text servers have no cancelHistoricalTicks: late batches are dropped.
        self.cancel_if_timed_out(
            &outcome,
            Request::CancelHistoricalTicks(CancelHistoricalTicks { req_id }),
        );
        outcome.map(|()| ticks)
    }

    /// Requests the trading schedule of `contract` (reqHistoricalData with
    /// what-to-show SCHEDULE and daily bars, server 165+) over `duration` up
    /// to `end`, and waits for `historicalSchedule` (at most `timeout`, its
    /// pacing wait included). Reserved id; not an event.
    pub fn historical_schedule(
        &self,
        contract: &Contract,
        end: &str,
        duration: &str,
        use_rth: bool,
        timeout: Duration,
    ) -> Result<HistoricalSchedule, Error> {
        let deadline = Instant::now() + timeout;
        let call = self.start_call(Answers::OwnId, "historical_schedule", timeout)?;
        let req_id = call.req_id;
        self.send_paced(
            &Request::ReqHistoricalData(ReqHistoricalData {
                req_id,
                contract: Box::new(contract.clone()),
                end_date_time: end.into(),
                bar_size_setting: "1 day".into(),
                duration: duration.into(),
                use_rth,
                what_to_show: "SCHEDULE".into(),
                format_date: 1,
                keep_up_to_date: false,
                chart_options: Vec::new(),
            }),
            deadline,
        )?;
        let mut schedule = None;
        let outcome = self.collect(&call, "historicalSchedule", |msg| {
            if let Incoming::HistoricalSchedule(m) = msg {
                schedule = Some(m);
                return Step::Done;
            }
            Step::More
        });
        self.cancel_if_timed_out(
            &outcome,
            Request::CancelHistoricalData(CancelHistoricalData { req_id }),
        );
        outcome?;
        schedule.ok_or_else(|| Error::Protocol("historicalSchedule missing".into()))
    }
}
