//! The two directions' message sets, generated from the catalogue.

pub use super::generated::sets::{Incoming, Request};
