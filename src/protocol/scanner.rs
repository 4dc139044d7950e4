//! Market scanners: parameters, subscriptions and scan results. Generated
//! from `catalogue/scanner.toml` (see docs/catalogue.md); this module
//! re-exports them.

pub use super::generated::scanner::*;
