//! Message bodies of the session and the account summary. Generated from
//! `catalogue/session.toml` (see docs/catalogue.md); this module re-exports
//! them and adds the hand-written conveniences.

pub use super::generated::session::*;

impl ManagedAccounts {
    /// The account codes, without empty entries.
    pub fn accounts(&self) -> Vec<String> {
        self.accounts_list
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

// The records and messages of every family, under one path.
pub use super::generated::account::*;
pub use super::generated::contracts::*;
pub use super::generated::market_data::*;
