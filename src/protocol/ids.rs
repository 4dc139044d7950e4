//! Message ids on the wire (text form, or the 4-byte binary id from v201).
//! Generated from the catalogue's `id` / `id_name` facts.

pub use super::generated::ids::{incoming, outgoing};
