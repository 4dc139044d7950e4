//! The account-summary tag names TWS knows.

/// Every real account-summary tag, comma-separated: pass it as `tags` to get all.
/// (IB's own Python client spells RegTEquity/RegTMargin wrongly in its list.)
pub const ALL_TAGS: &str = "AccountType,NetLiquidation,TotalCashValue,SettledCash,AccruedCash,BuyingPower,EquityWithLoanValue,PreviousDayEquityWithLoanValue,GrossPositionValue,RegTEquity,RegTMargin,SMA,InitMarginReq,MaintMarginReq,AvailableFunds,ExcessLiquidity,Cushion,FullInitMarginReq,FullMaintMarginReq,FullAvailableFunds,FullExcessLiquidity,LookAheadNextChange,LookAheadInitMarginReq,LookAheadMaintMarginReq,LookAheadAvailableFunds,LookAheadExcessLiquidity,HighestSeverity,DayTradesRemaining,DayTradesRemainingT+1,DayTradesRemainingT+2,DayTradesRemainingT+3,DayTradesRemainingT+4,Leverage";

/// Ledger values in the account's base currency.
pub const LEDGER: &str = "$LEDGER";
/// Ledger values in every currency the account holds.
pub const LEDGER_ALL: &str = "$LEDGER:ALL";
