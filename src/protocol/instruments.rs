//! Contracts: contract details, matching symbols, option parameters, market
//! rules, SMART components, depth exchanges and family codes. Generated from
//! `catalogue/contracts.toml` (see docs/catalogue.md); this module re-exports them.

pub use super::generated::contracts::*;
