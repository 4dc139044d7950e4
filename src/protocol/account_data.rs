//! Positions, account updates, the *Multi messages and PnL. Generated from
//! `catalogue/account.toml` (see docs/catalogue.md); this module re-exports them.

pub use super::generated::account::*;

/// The value of a PnL field that TWS did not set (the official client's
/// `UNSET_DOUBLE`, `f64::MAX`); also what servers older than v129 (unrealized)
/// and v135 (realized) leave in their place. The catalogue declares these
/// fields `unset = "dbl_max"`.
pub const UNSET_DOUBLE: f64 = f64::MAX;
