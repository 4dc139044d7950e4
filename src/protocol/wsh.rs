//! Wall Street Horizon: calendar metadata and events. Generated from
//! `catalogue/wsh.toml` (see docs/catalogue.md); this module re-exports them.

pub use super::generated::wsh::*;
