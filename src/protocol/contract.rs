//! The contract view carried by position and portfolio messages (generated
//! from the `Contract` record of `catalogue/account.toml`), and decimal
//! quantities carried exactly as text.

pub use super::codec::{double_to_text as decimal_text, read_decimal};
pub use super::generated::account::{Contract, ContractProto};
