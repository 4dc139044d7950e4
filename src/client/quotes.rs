//! The conflating quote view: per live market-data subscription (and per
//! running `snapshot_quote`) the latest bid, ask, last, sizes, volume and
//! time. The reader folds every tick in before it queues the event, so the
//! view follows the market however slowly the user drains the queue, and
//! any thread may read it at any moment.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::protocol::market_data::TickPrice;
use crate::protocol::tick_types::{self as tt, is_delayed, live_twin};
use crate::protocol::Incoming;

use super::id_hasher::IdMap;
use super::lock;

/// The latest quote of one market-data request, as [`Client::quote`](super::Client::quote)
/// returns it. Prices are absent until TWS sent one (and when it sent IB's
/// "no price": -1 or `f64::MAX`); sizes are the exact decimal text TWS sent,
/// absent until sent (and when unset). Delayed ticks (`DELAYED_BID` 66 ...)
/// fill the same fields as their live twins.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quote {
    pub bid: Option<f64>,
    pub ask: Option<f64>,
    pub last: Option<f64>,
    pub bid_size: Option<String>,
    pub ask_size: Option<String>,
    pub last_size: Option<String>,
    /// The day's volume (decimal text).
    pub volume: Option<String>,
    pub high: Option<f64>,
    pub low: Option<f64>,
    /// The previous day's close.
    pub close: Option<f64>,
    pub open: Option<f64>,
    /// The time of the last trade, unix seconds (tick 45 `LAST_TIMESTAMP`, or 88).
    pub last_time: Option<i64>,
    /// Tick 49 `HALTED` (or 90): 0 not halted, 1 halted, 2 volatility halt.
    pub halted: Option<i32>,
    /// 1 live, 2 frozen, 3 delayed, 4 delayed frozen: from TWS's
    /// `marketDataType` for this request, or 3 (4 when frozen) once a
    /// delayed tick came without one.
    pub market_data_type: Option<i32>,
    /// Ticks folded in so far: grows with every update, so two reads with
    /// the same value saw the same quote.
    pub updated_at: u64,
}

/// The quote views by request id.
#[derive(Default)]
pub(crate) struct Quotes {
    /// How many views exist (no lock is taken per message while there are none).
    count: AtomicUsize,
    map: Mutex<IdMap<i32, Quote>>,
}

/// A price TWS sent, or `None` for its "no price" values.
fn price(p: f64) -> Option<f64> {
    (p.is_finite() && p != f64::MAX && p != -1.0).then_some(p)
}

/// A size TWS sent, or `None` when unset (empty, or negative).
fn size_text(s: &str) -> Option<&str> {
    let s = s.trim_ascii();
    (!s.is_empty() && !s.starts_with('-')).then_some(s)
}

/// [`size_text`], owned.
#[cfg(test)]
fn size(s: &str) -> Option<String> {
    size_text(s).map(str::to_owned)
}

impl Quotes {
    /// Starts (or restarts, empty) the view of `req_id`.
    pub(crate) fn open(&self, req_id: i32) {
        let mut map = lock(&self.map);
        map.insert(req_id, Quote::default());
        self.count.store(map.len(), Ordering::Release);
    }

    /// Ends the view of `req_id`.
    pub(crate) fn close(&self, req_id: i32) {
        let mut map = lock(&self.map);
        map.remove(&req_id);
        self.count.store(map.len(), Ordering::Release);
    }

    /// The view of `req_id` now.
    pub(crate) fn get(&self, req_id: i32) -> Option<Quote> {
        lock(&self.map).get(&req_id).cloned()
    }

    /// Folds a message into the view it belongs to, if any. Runs on the
    /// reader thread before the message is queued or routed. True when the
    /// message is a tick whose whole content the view now holds (such an
    /// event may be conflated on a full queue).
    pub(crate) fn observe(&self, msg: &Incoming) -> bool {
        if self.count.load(Ordering::Acquire) == 0 {
            return false;
        }
        // The ticks first, by their own request id: the lock is taken only
        // for a message that can change a quote.
        let Some(req_id) = quote_request_of(msg) else {
            return false;
        };
        let mut map = lock(&self.map);
        let Some(q) = map.get_mut(&req_id) else {
            return false;
        };
        let (tick, held) = if let Incoming::TickPrice(m) = msg {
            (m.tick_type, fold_price(q, m))
        } else if let Incoming::TickSize(m) = msg {
            (m.tick_type, fold_size(q, live_twin(m.tick_type), &m.size))
        } else if let Incoming::TickString(m) = msg {
            let time = live_twin(m.tick_type) == tt::LAST_TIMESTAMP;
            if let (true, Ok(t)) = (time, m.value.trim_ascii().parse::<i64>()) {
                q.last_time = Some(t);
            }
            (m.tick_type, time)
        } else if let Incoming::TickGeneric(m) = msg {
            let halted = live_twin(m.tick_type) == tt::HALTED;
            if halted && m.value.is_finite() && m.value >= 0.0 {
                q.halted = Some(m.value as i32);
            }
            (m.tick_type, halted)
        } else if let Incoming::MarketDataType(m) = msg {
            if (1..=4).contains(&m.market_data_type) {
                q.market_data_type = Some(m.market_data_type);
            }
            q.updated_at += 1;
            return false;
        } else {
            // Other messages of this request (tickReqParams, tickEFP, ...)
            // change nothing in the quote.
            return false;
        };
        if !held {
            return false;
        }
        if is_delayed(tick) {
            q.market_data_type = Some(match q.market_data_type {
                Some(2) | Some(4) => 4,
                _ => 3,
            });
        }
        q.updated_at += 1;
        true
    }
}

/// The request id of a message that can change a quote (the ticks a
/// quote holds, marketDataType); `None` for every other message.
fn quote_request_of(msg: &Incoming) -> Option<i32> {
    if let Incoming::TickPrice(m) = msg {
        Some(m.req_id)
    } else if let Incoming::TickSize(m) = msg {
        Some(m.req_id)
    } else if let Incoming::TickString(m) = msg {
        Some(m.req_id)
    } else if let Incoming::TickGeneric(m) = msg {
        Some(m.req_id)
    } else if let Incoming::MarketDataType(m) = msg {
        Some(m.req_id)
    } else {
        None
    }
}

/// Folds a price tick; false when the quote has no field for it.
fn fold_price(q: &mut Quote, m: &TickPrice) -> bool {
    let p = price(m.price);
    let live = live_twin(m.tick_type);
    let slot = match live {
        tt::BID => &mut q.bid,
        tt::ASK => &mut q.ask,
        tt::LAST => &mut q.last,
        tt::HIGH => &mut q.high,
        tt::LOW => &mut q.low,
        tt::CLOSE => &mut q.close,
        tt::OPEN => &mut q.open,
        _ => return false,
    };
    *slot = p;
    // tickPrice of bid, ask and last carries the size of the same tick.
    let size_tick = match live {
        tt::BID => tt::BID_SIZE,
        tt::ASK => tt::ASK_SIZE,
        tt::LAST => tt::LAST_SIZE,
        _ => return true,
    };
    if let Some(size) = size_text(&m.size) {
        fold_size(q, size_tick, size);
    }
    true
}

/// Folds a size tick; false when the quote has no field for it.
fn fold_size(q: &mut Quote, live: i32, s: &str) -> bool {
    let slot = match live {
        tt::BID_SIZE => &mut q.bid_size,
        tt::ASK_SIZE => &mut q.ask_size,
        tt::LAST_SIZE => &mut q.last_size,
        tt::VOLUME => &mut q.volume,
        _ => return false,
    };
    // The held string is reused: a tick allocates nothing once the quote
    // has seen a size this long.
    match (size_text(s), slot.as_mut()) {
        (Some(new), Some(held)) => {
            held.clear();
            held.push_str(new);
        }
        (new, _) => *slot = new.map(str::to_owned),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::market_data::TickSize;

    #[test]
    fn unset_values_are_absent() {
        assert_eq!(price(-1.0), None);
        assert_eq!(price(f64::MAX), None);
        assert_eq!(price(f64::NAN), None);
        assert_eq!(price(0.0), Some(0.0));
        assert_eq!(size(""), None);
        assert_eq!(size("-1"), None);
        assert_eq!(size("100.5"), Some("100.5".to_owned()));
    }

    #[test]
    fn delayed_ticks_fold_into_the_live_fields() {
        let quotes = Quotes::default();
        quotes.open(7);
        quotes.observe(&Incoming::TickPrice(TickPrice {
            req_id: 7,
            tick_type: tt::DELAYED_BID,
            price: 10.5,
            size: "300".into(),
            attrib: 0,
        }));
        quotes.observe(&Incoming::TickSize(TickSize {
            req_id: 8,
            tick_type: tt::ASK_SIZE,
            size: "1".into(),
        }));
        let q = quotes.get(7).unwrap();
        assert_eq!(q.bid, Some(10.5));
        assert_eq!(q.bid_size.as_deref(), Some("300"));
        assert_eq!(q.ask_size, None);
        assert_eq!(q.market_data_type, Some(3));
        assert_eq!(q.updated_at, 1);
        quotes.close(7);
        assert_eq!(quotes.get(7), None);
    }
}
