//! Financial advisors: the FA configuration and its replacement. Generated
//! from `catalogue/advisors.toml` (see docs/catalogue.md); this module
//! re-exports them.

pub use super::generated::advisors::*;
