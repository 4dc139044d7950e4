//! Market data, depth, tick-by-tick and real-time bars. Generated from
//! `catalogue/market_data.toml` (see docs/catalogue.md); this module re-exports them.

pub use super::generated::market_data::*;
