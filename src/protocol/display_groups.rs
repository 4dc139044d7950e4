//! Display groups: TWS's linked window groups. Generated from
//! `catalogue/display_groups.toml` (see docs/catalogue.md); this module
//! re-exports them.

pub use super::generated::display_groups::*;
