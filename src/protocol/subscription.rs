//! What a live subscription is, as the catalogue declares it
//! (`subscription = { ... }` on a request, docs/catalogue.md):
//! `Request::subscription` and `Request::cancels` (generated) answer with
//! these types, and the client records, re-issues and forgets by them.

use super::sets::Request;

/// What identifies a live subscription: its request id, or a fixed key for
/// the subscriptions that carry none (TWS keeps one of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubscriptionKey {
    /// A request with this request id.
    Request(i32),
    /// reqPositions (no request id).
    Positions,
    /// reqAccountUpdates (no request id; one account at a time).
    AccountUpdates,
    /// reqMarketDataType: a session setting, the latest value wins.
    MarketDataType,
}

/// A request that opens a live subscription: under which key, and the
/// request that ends it (`None` for a session setting that has no cancel).
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub key: SubscriptionKey,
    pub cancel: Option<Request>,
}
