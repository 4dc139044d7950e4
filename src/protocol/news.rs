//! News: bulletins, providers, articles, historical headlines and news ticks.
//! Generated from `catalogue/news.toml` (see docs/catalogue.md); this module
//! re-exports them.

pub use super::generated::news::*;
