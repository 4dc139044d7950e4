//! Executions: reqExecutions and its filter, execDetails (the Execution
//! record), execDetailsEnd, commissionAndFeesReport, exerciseOptions,
//! orderBound and the soft-dollar tiers. Generated from
//! `catalogue/executions.toml` (see docs/catalogue.md); this module re-exports them.

pub use super::generated::executions::*;

impl ExecutionFilter {
    /// The filter that matches every execution TWS reports by default (the
    /// day's): every field empty, `last_n_days` unset (`i32::MAX`), no
    /// specific dates. Prefer it to `ExecutionFilter::default()`, whose
    /// `last_n_days` is 0 (a value: "the last 0 days", refused below server
    /// 200 and sent as `0` from 200 on, where IB's client sends unset).
    pub fn all() -> ExecutionFilter {
        ExecutionFilter {
            last_n_days: i32::MAX,
            ..ExecutionFilter::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_leaves_last_n_days_unset() {
        let f = ExecutionFilter::all();
        assert_eq!(f.last_n_days, i32::MAX);
        assert!(f.specific_dates.is_empty());
        assert_eq!(f.client_id, 0);
    }
}
