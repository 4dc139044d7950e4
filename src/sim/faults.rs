//! The faults a simulator can script: what real TWS and real networks do to a
//! client. Each is off by default, bounded in time or size, and parsed from
//! the `tws-sim` option of the same name.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The largest `--flood` count (about 600 MB of rows would be unreasonable).
pub const MAX_FLOOD: u32 = 5_000_000;
/// The longest `--slow` delay per message.
pub const MAX_SLOW: Duration = Duration::from_secs(10);
/// The longest a scripted delay (`--restart-after`, `--restart-down`,
/// `--connectivity` times, `--freeze-after`) may be.
pub const MAX_SCRIPTED_DELAY: Duration = Duration::from_secs(24 * 3600);

/// Every scripted fault of one simulator. `Faults::default()` is a healthy TWS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// A daily restart, compressed: see [`Restart`].
    pub restart: Option<Restart>,
    /// Closes each connection after it has sent this many messages (the
    /// startup sequence counts: managed accounts, next valid id, 3 notices).
    pub drop_after: Option<u64>,
    /// One malformed frame per connection, right before the rows of its first
    /// account-summary snapshot.
    pub garbage: Option<Garbage>,
    /// A delay before every message sent.
    pub slow: Option<Duration>,
    /// Extra account-summary rows sent with every snapshot, before its end marker.
    pub flood: Option<u32>,
    /// Large unknown-id messages (id 150) sent with every snapshot, after
    /// the flood rows and before its end marker: see [`LargeUnknown`].
    pub large_unknown: Option<LargeUnknown>,
    /// Error 100 for every client message beyond this many in one second
    /// (sliding window); such a message is not answered.
    pub max_msg_rate: Option<u32>,
    /// Connectivity errors sent at fixed times after a session started.
    pub connectivity: Vec<ConnectivityStep>,
    /// A frozen TWS: this long after its startup sequence, each session
    /// stops reading and writing but keeps its socket open (until the
    /// simulator stops). It keeps holding its client id, as a hung TWS does.
    pub freeze_after: Option<Duration>,
}

/// Closes the listener and every connection `after` the simulator started
/// listening, refuses connections for `down`, listens again on the same port;
/// then again `after` later, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restart {
    pub after: Duration,
    pub down: Duration,
}

/// `count` well-formed messages with the unknown id 150, each carrying a
/// filler field of `bytes` bytes after its index (0, 1, 2, ...): what a
/// client's memory bound must hold back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LargeUnknown {
    pub count: u32,
    pub bytes: u32,
}

/// The most bytes `--large-unknown` may send per snapshot in total.
pub const MAX_LARGE_UNKNOWN_TOTAL: u64 = 1 << 30;

impl FromStr for LargeUnknown {
    type Err = String;
    /// `COUNTxBYTES`, e.g. `40x262144`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("bad large-unknown {s:?} (COUNTxBYTES, e.g. 40x262144)");
        let (count, bytes) = s.split_once('x').ok_or_else(bad)?;
        Ok(LargeUnknown {
            count: count.trim().parse().map_err(|_| bad())?,
            bytes: bytes.trim().parse().map_err(|_| bad())?,
        })
    }
}

/// The kinds of malformed frame `--garbage` injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Garbage {
    /// A frame of length 0 (TWS skips it; so must the client).
    ZeroLength,
    /// A length prefix over the 16 MiB limit; the simulator then closes.
    Oversize,
    /// A non-numeric text message id (below v201), or message id 0 (from v201).
    BadId,
    /// A well-formed message with an id no TWS sends (150).
    UnknownId,
    /// An account-summary row with its last three fields missing.
    Truncated,
    /// An account-summary row whose request id is not a number.
    BadField,
    /// An account-summary id with a body that is not valid protobuf (v201+).
    BadProtobuf,
}

impl Garbage {
    /// Every mode, in the order of the `--garbage` help text.
    pub const ALL: [Garbage; 7] = [
        Garbage::ZeroLength,
        Garbage::Oversize,
        Garbage::BadId,
        Garbage::UnknownId,
        Garbage::Truncated,
        Garbage::BadField,
        Garbage::BadProtobuf,
    ];

    /// The mode's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Garbage::ZeroLength => "zero-length",
            Garbage::Oversize => "oversize",
            Garbage::BadId => "bad-id",
            Garbage::UnknownId => "unknown-id",
            Garbage::Truncated => "truncated",
            Garbage::BadField => "bad-field",
            Garbage::BadProtobuf => "bad-protobuf",
        }
    }
}

impl fmt::Display for Garbage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Garbage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Garbage::ALL
            .into_iter()
            .find(|g| g.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Garbage::ALL.iter().map(|g| g.name()).collect();
                format!("bad garbage mode {s:?} (one of {})", names.join(", "))
            })
    }
}

/// One scripted connectivity error: `code` sent `at` after the session started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectivityStep {
    pub code: i32,
    pub at: Duration,
}

impl ConnectivityStep {
    /// The text TWS sends with the code.
    pub fn message(self) -> &'static str {
        match self.code {
            1100 => "Connectivity between IB and Trader Workstation has been lost.",
            1101 => "Connectivity between IB and Trader Workstation has been restored - data lost.",
            _ => "Connectivity between IB and Trader Workstation has been restored - data maintained.",
        }
    }
}

/// Parses `1100@2,1102@4.5`: codes 1100, 1101 or 1102, seconds after startup.
pub fn parse_connectivity(spec: &str) -> Result<Vec<ConnectivityStep>, String> {
    let mut steps = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (code, at) = item
            .split_once('@')
            .ok_or_else(|| format!("bad connectivity step {item:?} (CODE@SECONDS)"))?;
        let code = match code.trim() {
            "1100" => 1100,
            "1101" => 1101,
            "1102" => 1102,
            other => {
                return Err(format!(
                    "bad connectivity code {other:?} (1100, 1101 or 1102)"
                ))
            }
        };
        let at = parse_seconds(at, MAX_SCRIPTED_DELAY)?;
        steps.push(ConnectivityStep { code, at });
    }
    if steps.is_empty() {
        return Err(format!("empty connectivity sequence {spec:?}"));
    }
    steps.sort_by_key(|s| s.at);
    Ok(steps)
}

/// Parses seconds (fractions allowed) no longer than `max`.
pub fn parse_seconds(text: &str, max: Duration) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("bad number of seconds {text:?}"))?;
    if !(0.0..=max.as_secs_f64()).contains(&secs) {
        return Err(format!("{text} s is out of range (0..{} s)", max.as_secs()));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Faults {
    /// Checks the faults against each other and the server version.
    pub fn validate(&self, server_version: i32) -> Result<(), String> {
        if self.garbage == Some(Garbage::BadProtobuf)
            && server_version < crate::protocol::versions::PROTOBUF
        {
            return Err("garbage mode bad-protobuf needs server version 201 or later".into());
        }
        if let Some(r) = self.restart {
            if r.after.is_zero() || r.after > MAX_SCRIPTED_DELAY || r.down > MAX_SCRIPTED_DELAY {
                return Err(
                    "restart-after must be above 0 and both restart times at most 24 h".into(),
                );
            }
        }
        if self.slow.is_some_and(|s| s > MAX_SLOW) {
            return Err(format!("slow is limited to {} ms", MAX_SLOW.as_millis()));
        }
        if self.flood.is_some_and(|n| n > MAX_FLOOD) {
            return Err(format!("flood is limited to {MAX_FLOOD} messages"));
        }
        if self.freeze_after.is_some_and(|f| f > MAX_SCRIPTED_DELAY) {
            return Err("freeze-after is limited to 24 h".into());
        }
        if let Some(l) = self.large_unknown {
            let frame_limit = crate::wire::DEFAULT_MAX_FRAME_LEN as u32 - 64;
            if l.bytes > frame_limit
                || u64::from(l.count) * u64::from(l.bytes) > MAX_LARGE_UNKNOWN_TOTAL
            {
                return Err(format!(
                    "large-unknown is limited to {frame_limit} bytes a message and \
                     {MAX_LARGE_UNKNOWN_TOTAL} bytes in all"
                ));
            }
        }
        if self.drop_after == Some(0) || self.max_msg_rate == Some(0) {
            return Err("drop-after and max-msg-rate must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_names_round_trip() {
        for g in Garbage::ALL {
            assert_eq!(g.name().parse::<Garbage>(), Ok(g));
        }
        assert!("nonsense".parse::<Garbage>().is_err());
    }

    #[test]
    fn connectivity_sequences() {
        let steps = parse_connectivity("1102@4, 1100@2").unwrap();
        assert_eq!(
            steps,
            vec![
                ConnectivityStep {
                    code: 1100,
                    at: Duration::from_secs(2)
                },
                ConnectivityStep {
                    code: 1102,
                    at: Duration::from_secs(4)
                },
            ]
        );
        assert_eq!(
            parse_connectivity("1101@0.25").unwrap()[0].at,
            Duration::from_millis(250)
        );
        for bad in ["", "1100", "1200@1", "1100@x", "1100@-1", "1100@1e9"] {
            assert!(parse_connectivity(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn validation() {
        let ok = Faults::default();
        assert!(ok.validate(150).is_ok());
        let bad_proto = Faults {
            garbage: Some(Garbage::BadProtobuf),
            ..Faults::default()
        };
        assert!(bad_proto.validate(200).is_err());
        assert!(bad_proto.validate(201).is_ok());
        let zero = Faults {
            drop_after: Some(0),
            ..Faults::default()
        };
        assert!(zero.validate(222).is_err());
    }
}
