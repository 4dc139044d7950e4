//! Frames <-> typed messages: ids, version thresholds, one body per message in
//! every wire form, the handshake and the meaning of error codes.

pub mod account_data;
pub mod account_tags;
pub mod advisors;
pub mod codec;
pub mod config;
pub mod contract;
pub mod describe;
pub mod display_groups;
pub mod error_codes;
pub mod executions;
pub mod field_values;
mod generated;
pub mod handshake;
pub mod history;
pub mod ids;
pub mod instruments;
pub mod market_data;
pub mod messages;
pub mod news;
pub mod order_conditions;
pub mod orders;
pub mod proto_fields;
pub mod scanner;
pub mod schema;
mod sets;
pub mod subscription;
pub mod text;
pub mod tick_types;
pub mod versions;
pub mod wsh;

pub use codec::{DecodeError, EncodeError, Form, RawMessage};
pub use describe::{Describe, FieldVisitor};
pub use error_codes::{classify, ErrorClass};
pub use schema::{MessageSchema, RouteKey, CATALOGUE};
pub use sets::{Incoming, Request};
pub use subscription::{Subscription, SubscriptionKey};
pub use text::Text;
