//! Counters a running client keeps, readable at any time.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters (all monotonic except the queue length).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub callback_panics: AtomicU64,
    pub messages_in: AtomicU64,
    pub bytes_in: AtomicU64,
    pub messages_out: AtomicU64,
    pub bytes_out: AtomicU64,
    pub decode_errors: AtomicU64,
    pub unknown_messages: AtomicU64,
    pub queue_high_water: AtomicU64,
    pub queue_full_waits: AtomicU64,
    pub connects: AtomicU64,
    pub reconnects: AtomicU64,
    pub reconnect_attempts: AtomicU64,
    pub resubscriptions: AtomicU64,
    pub paced_delays: AtomicU64,
    pub protocol_errors: AtomicU64,
    pub late_replies_dropped: AtomicU64,
    pub ticks_conflated: AtomicU64,
    pub subscriptions_refused: AtomicU64,
    pub executions_deduplicated: AtomicU64,
    pub commissions_deduplicated: AtomicU64,
    pub fills_recovered: AtomicU64,
    pub reconciliations: AtomicU64,
    pub history_paced: AtomicU64,
    pub history_pacing_wait_ms: AtomicU64,
}

/// A snapshot of a client's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatsSnapshot {
    /// Messages received from TWS.
    pub messages_in: u64,
    /// Bytes received, including length prefixes.
    pub bytes_in: u64,
    /// Messages sent to TWS (including the handshake).
    pub messages_out: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Frames that failed to decode (delivered as decode-failed events).
    pub decode_errors: u64,
    /// Messages with an id this library does not know (delivered as unknown events).
    pub unknown_messages: u64,
    /// Most events ever waiting in the queue at once.
    pub queue_high_water: u64,
    /// Times the reader waited because the queue was full, in events or in
    /// bytes (backpressure).
    pub queue_full_waits: u64,
    /// Events waiting now.
    pub queue_len: u64,
    /// Bytes the waiting events hold, as the `queue_max_bytes` bound counts them.
    pub queue_bytes: u64,
    /// Sessions established (by `connect` and by reconnecting).
    pub connects: u64,
    /// Sessions re-established automatically after a lost connection.
    pub reconnects: u64,
    /// Reconnect attempts made (successful or not).
    pub reconnect_attempts: u64,
    /// Subscription requests re-issued (after reconnects and 1101).
    pub resubscriptions: u64,
    /// Requests that waited for a pacing slot (none was dropped).
    pub paced_delays: u64,
    /// Connections closed because the peer broke the framing (oversize frame).
    pub protocol_errors: u64,
    /// Messages answering a blocking call that had already ended (timed out,
    /// failed or finished before they came), dropped instead of delivered.
    pub late_replies_dropped: u64,
    /// Tick events not queued because the queue was full while the quote
    /// view (`Client::quote`) took their values (`Options::conflate_ticks`).
    pub ticks_conflated: u64,
    /// Subscriptions TWS refused outright (error 200, 321, 322, 101, 309,
    /// 354 or 10089 for their id): forgotten, not re-issued after a reconnect.
    pub subscriptions_refused: u64,
    /// execDetails not delivered because their exec id had been seen
    /// (unsolicited ones and the reconciliation's; never the rows of a
    /// reqExecutions of yours).
    pub executions_deduplicated: u64,
    /// commissionAndFeesReports not delivered because they repeated the
    /// one the order view holds for their exec id.
    pub commissions_deduplicated: u64,
    /// Executions that happened while the connection (or TWS's link to IB)
    /// was down, found and delivered by a reconciliation.
    pub fills_recovered: u64,
    /// Order reconciliations completed (`Reconciled` events).
    pub reconciliations: u64,
    /// Historical-data requests that waited for the history pacing rules
    /// (`Options::history_pacing`; none was dropped).
    pub history_paced: u64,
    /// Milliseconds historical-data requests spent waiting for those rules, in total.
    pub history_pacing_wait_ms: u64,
}

impl Stats {
    pub(crate) fn note_queue_len(&self, len: u64) {
        if len > self.queue_high_water.load(Ordering::Relaxed) {
            self.queue_high_water.fetch_max(len, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self, queue_len: u64, queue_bytes: u64) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            messages_in: get(&self.messages_in),
            bytes_in: get(&self.bytes_in),
            messages_out: get(&self.messages_out),
            bytes_out: get(&self.bytes_out),
            decode_errors: get(&self.decode_errors),
            unknown_messages: get(&self.unknown_messages),
            queue_high_water: get(&self.queue_high_water),
            queue_full_waits: get(&self.queue_full_waits),
            queue_len,
            queue_bytes,
            connects: get(&self.connects),
            reconnects: get(&self.reconnects),
            reconnect_attempts: get(&self.reconnect_attempts),
            resubscriptions: get(&self.resubscriptions),
            paced_delays: get(&self.paced_delays),
            protocol_errors: get(&self.protocol_errors),
            late_replies_dropped: get(&self.late_replies_dropped),
            ticks_conflated: get(&self.ticks_conflated),
            subscriptions_refused: get(&self.subscriptions_refused),
            executions_deduplicated: get(&self.executions_deduplicated),
            commissions_deduplicated: get(&self.commissions_deduplicated),
            fills_recovered: get(&self.fills_recovered),
            reconciliations: get(&self.reconciliations),
            history_paced: get(&self.history_paced),
            history_pacing_wait_ms: get(&self.history_pacing_wait_ms),
        }
    }
}
impl StatsSnapshot {
    /// Every counter's name, as [`StatsSnapshot::by_name`] takes it.
    pub const NAMES: &'static [&'static str] = &[
        "messages_in",
        "bytes_in",
        "messages_out",
        "bytes_out",
        "decode_errors",
        "unknown_messages",
        "queue_high_water",
        "queue_full_waits",
        "queue_len",
        "queue_bytes",
        "connects",
        "reconnects",
        "reconnect_attempts",
        "resubscriptions",
        "paced_delays",
        "protocol_errors",
        "late_replies_dropped",
        "ticks_conflated",
        "subscriptions_refused",
        "executions_deduplicated",
        "commissions_deduplicated",
        "fills_recovered",
        "reconciliations",
        "history_paced",
        "history_pacing_wait_ms",
    ];

    /// The counter named `name` (a field name of this struct), if there is one.
    pub fn by_name(&self, name: &str) -> Option<u64> {
        Some(match name {
            "messages_in" => self.messages_in,
            "bytes_in" => self.bytes_in,
            "messages_out" => self.messages_out,
            "bytes_out" => self.bytes_out,
            "decode_errors" => self.decode_errors,
            "unknown_messages" => self.unknown_messages,
            "queue_high_water" => self.queue_high_water,
            "queue_full_waits" => self.queue_full_waits,
            "queue_len" => self.queue_len,
            "queue_bytes" => self.queue_bytes,
            "connects" => self.connects,
            "reconnects" => self.reconnects,
            "reconnect_attempts" => self.reconnect_attempts,
            "resubscriptions" => self.resubscriptions,
            "paced_delays" => self.paced_delays,
            "protocol_errors" => self.protocol_errors,
            "late_replies_dropped" => self.late_replies_dropped,
            "ticks_conflated" => self.ticks_conflated,
            "subscriptions_refused" => self.subscriptions_refused,
            "executions_deduplicated" => self.executions_deduplicated,
            "commissions_deduplicated" => self.commissions_deduplicated,
            "fills_recovered" => self.fills_recovered,
            "reconciliations" => self.reconciliations,
            "history_paced" => self.history_paced,
            "history_pacing_wait_ms" => self.history_pacing_wait_ms,
            _ => return None,
        })
    }
}
