//! Historical data: bars, head timestamps, histograms, historical ticks and
//! schedules. Generated from `catalogue/history.toml` (see docs/catalogue.md);
//! this module re-exports them.

pub use super::generated::history::*;
