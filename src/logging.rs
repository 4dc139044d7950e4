//! The library's own log: one process-wide sink (set by the host, for example
//! through `tws_set_log_callback`) and a maximum level. Nothing is formatted
//! unless a sink is set and the level is enabled.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

/// How much a log record matters; lower is more severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    /// Something failed.
    Error = 1,
    /// Something went wrong but the library goes on (a lost connection, a bad frame).
    Warn = 2,
    /// Milestones of a session (connecting, version agreed, ready, closed).
    Info = 3,
    /// Details that help to find a problem.
    Debug = 4,
    /// Everything, including per-message notes.
    Trace = 5,
}

impl Level {
    /// The level with this number (1 = error ... 5 = trace).
    pub fn from_number(n: i32) -> Option<Level> {
        match n {
            1 => Some(Level::Error),
            2 => Some(Level::Warn),
            3 => Some(Level::Info),
            4 => Some(Level::Debug),
            5 => Some(Level::Trace),
            _ => None,
        }
    }

    /// The level's name in lower case ("error", "warn", ...).
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        }
    }
}

/// Receives each enabled record: level, target (the module, e.g. "tws::client"), message.
pub type Sink = dyn Fn(Level, &str, &str) + Send + Sync;

static SINK: RwLock<Option<Arc<Sink>>> = RwLock::new(None);
static MAX_LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

/// Installs `sink` (or removes the sink with `None`). Returns the previous one;
/// a record being written on another thread may still hold it until it is done.
pub fn set_sink(sink: Option<Arc<Sink>>) -> Option<Arc<Sink>> {
    let mut slot = SINK.write().unwrap_or_else(|p| p.into_inner());
    std::mem::replace(&mut *slot, sink)
}

/// Sets the most verbose level passed to the sink (default [`Level::Info`]).
pub fn set_max_level(level: Level) {
    MAX_LEVEL.store(level as u8, Ordering::Relaxed);
}

/// The most verbose level passed to the sink.
pub fn max_level() -> Level {
    Level::from_number(i32::from(MAX_LEVEL.load(Ordering::Relaxed))).unwrap_or(Level::Info)
}

/// True when a record at `level` would reach a sink.
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX_LEVEL.load(Ordering::Relaxed)
        && SINK.read().map(|s| s.is_some()).unwrap_or(false)
}

/// Formats and hands one record to the sink. The sink runs without any lock
/// held, so it may log or replace the sink itself; a panicking sink is contained.
pub fn emit(level: Level, target: &str, args: fmt::Arguments<'_>) {
    if level as u8 > MAX_LEVEL.load(Ordering::Relaxed) {
        return;
    }
    let sink = match SINK.read() {
        Ok(slot) => slot.clone(),
        Err(_) => return,
    };
    if let Some(sink) = sink {
        let message = args.to_string();
        let _ = catch_unwind(AssertUnwindSafe(|| sink(level, target, &message)));
    }
}

/// Logs through [`emit`] with the calling module as target:
/// `log!(Info, "connecting to {host}:{port}")`.
macro_rules! log {
    ($level:ident, $($arg:tt)+) => {
        $crate::logging::emit($crate::logging::Level::$level, module_path!(), format_args!($($arg)+))
    };
}

pub(crate) use log;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The sink is process-wide: these tests take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn records_reach_the_sink_up_to_the_max_level() {
        let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let seen: Arc<Mutex<Vec<(Level, String, String)>>> = Arc::default();
        let s = seen.clone();
        let previous = set_sink(Some(Arc::new(move |l, t: &str, m: &str| {
            if t.ends_with("logging::tests") {
                s.lock().unwrap().push((l, t.to_owned(), m.to_owned()))
            }
        })));
        set_max_level(Level::Debug);
        log!(Info, "hello {}", 42);
        log!(Trace, "too verbose");
        log!(Error, "bad");
        set_max_level(Level::Info);
        set_sink(previous);
        let seen = seen.lock().unwrap();
        let levels: Vec<Level> = seen.iter().map(|r| r.0).collect();
        assert_eq!(levels, vec![Level::Info, Level::Error]);
        assert_eq!(seen[0].1, "tws::logging::tests");
        assert_eq!(seen[0].2, "hello 42");
    }

    #[test]
    fn a_panicking_sink_is_contained() {
        let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let previous = set_sink(Some(Arc::new(|_, t: &str, _: &str| {
            if t.ends_with("logging::tests") {
                panic!("sink failure")
            }
        })));
        log!(Error, "this must not unwind");
        set_sink(previous);
    }
}
