//! TWS's API configuration: reqConfig / configResponse and
//! updateConfigResponse (protobuf only). Generated from `catalogue/config.toml`
//! (see docs/catalogue.md); this module re-exports them.

pub use super::generated::config::*;
