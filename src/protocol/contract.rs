//! The contract view carried by position and portfolio messages, its protobuf
//! twin, its text layouts, and decimal quantities carried exactly as text.

use crate::wire::{FieldError, FieldReader, FieldWriter};

use super::codec::{check_str, EncodeError, WireValue};
use super::describe::FieldVisitor;

/// What a position or portfolio row says about its instrument.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contract {
    /// IB's contract id (0 when unknown).
    pub con_id: i32,
    pub symbol: String,
    /// `STK`, `OPT`, `FUT`, `CASH`, ...
    pub sec_type: String,
    /// `YYYYMMDD` or `YYYYMM` for derivatives; empty otherwise.
    pub last_trade_date_or_contract_month: String,
    /// 0 when the instrument has none (TWS sends 0.0); `f64::MAX` (unset)
    /// when a protobuf message leaves it out, as the official decoder reads it.
    pub strike: f64,
    /// `C`, `P` or empty.
    pub right: String,
    /// Decimal text (`100`), empty when none.
    pub multiplier: String,
    /// Empty in portfolio rows (TWS sends the primary exchange there).
    pub exchange: String,
    /// Empty in position rows (TWS sends the exchange there).
    pub primary_exchange: String,
    pub currency: String,
    pub local_symbol: String,
    pub trading_class: String,
}

/// Protobuf form of [`Contract`] (the fields a position or portfolio row uses).
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ContractProto {
    #[prost(int32, optional, tag = "1")]
    pub con_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub symbol: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub sec_type: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub last_trade_date_or_contract_month: Option<String>,
    #[prost(double, optional, tag = "5")]
    pub strike: Option<f64>,
    #[prost(string, optional, tag = "6")]
    pub right: Option<String>,
    #[prost(double, optional, tag = "7")]
    pub multiplier: Option<f64>,
    #[prost(string, optional, tag = "8")]
    pub exchange: Option<String>,
    #[prost(string, optional, tag = "9")]
    pub primary_exch: Option<String>,
    #[prost(string, optional, tag = "10")]
    pub currency: Option<String>,
    #[prost(string, optional, tag = "11")]
    pub local_symbol: Option<String>,
    #[prost(string, optional, tag = "12")]
    pub trading_class: Option<String>,
}

/// Which contract fields a text message carries, and in what order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextLayout {
    /// position / positionMulti: ... multiplier, exchange, currency,
    /// localSymbol, tradingClass (the last only when `trading_class`).
    Position { trading_class: bool },
    /// updatePortfolio at message version `version`: multiplier and primary
    /// exchange from 7, trading class from 8.
    Portfolio { version: i64 },
}

impl Contract {
    /// Appends the contract's text fields in `layout`.
    pub fn write_text(&self, w: &mut FieldWriter<'_>, layout: TextLayout) {
        w.int(i64::from(self.con_id))
            .str(&self.symbol)
            .str(&self.sec_type)
            .str(&self.last_trade_date_or_contract_month)
            .float(self.strike)
            .str(&self.right);
        match layout {
            TextLayout::Position { trading_class } => {
                w.str(&self.multiplier)
                    .str(&self.exchange)
                    .str(&self.currency)
                    .str(&self.local_symbol);
                if trading_class {
                    w.str(&self.trading_class);
                }
            }
            TextLayout::Portfolio { version } => {
                if version >= 7 {
                    w.str(&self.multiplier).str(&self.primary_exchange);
                }
                w.str(&self.currency).str(&self.local_symbol);
                if version >= 8 {
                    w.str(&self.trading_class);
                }
            }
        }
    }

    /// Reads the contract's text fields in `layout`.
    pub fn read_text(r: &mut FieldReader<'_>, layout: TextLayout) -> Result<Self, FieldError> {
        let mut c = Contract {
            con_id: r.int32()?,
            symbol: r.string()?,
            sec_type: r.string()?,
            last_trade_date_or_contract_month: r.string()?,
            strike: r.float()?,
            right: r.string()?,
            ..Contract::default()
        };
        match layout {
            TextLayout::Position { trading_class } => {
                c.multiplier = r.string()?;
                c.exchange = r.string()?;
                c.currency = r.string()?;
                c.local_symbol = r.string()?;
                if trading_class {
                    c.trading_class = r.string()?;
                }
            }
            TextLayout::Portfolio { version } => {
                if version >= 7 {
                    c.multiplier = r.string()?;
                    c.primary_exchange = r.string()?;
                }
                c.currency = r.string()?;
                c.local_symbol = r.string()?;
                if version >= 8 {
                    c.trading_class = r.string()?;
                }
            }
        }
        Ok(c)
    }

    /// The protobuf form; unset values are left out, as the official client does.
    pub fn to_proto(&self) -> ContractProto {
        ContractProto {
            con_id: (self.con_id != 0).then_some(self.con_id),
            symbol: self.symbol.to_proto(),
            sec_type: self.sec_type.to_proto(),
            last_trade_date_or_contract_month: self.last_trade_date_or_contract_month.to_proto(),
            strike: self.strike.to_proto(),
            right: self.right.to_proto(),
            multiplier: self.multiplier.trim().parse::<f64>().ok(),
            exchange: self.exchange.to_proto(),
            primary_exch: self.primary_exchange.to_proto(),
            currency: self.currency.to_proto(),
            local_symbol: self.local_symbol.to_proto(),
            trading_class: self.trading_class.to_proto(),
        }
    }

    /// Back from the protobuf form; absent fields are empty or 0.
    pub fn from_proto(p: ContractProto) -> Self {
        Contract {
            con_id: p.con_id.unwrap_or_default(),
            symbol: p.symbol.unwrap_or_default(),
            sec_type: p.sec_type.unwrap_or_default(),
            last_trade_date_or_contract_month: p
                .last_trade_date_or_contract_month
                .unwrap_or_default(),
            // The official decoder's default: unset.
            strike: p.strike.unwrap_or(f64::MAX),
            right: p.right.unwrap_or_default(),
            multiplier: p.multiplier.map(decimal_text).unwrap_or_default(),
            exchange: p.exchange.unwrap_or_default(),
            primary_exchange: p.primary_exch.unwrap_or_default(),
            currency: p.currency.unwrap_or_default(),
            local_symbol: p.local_symbol.unwrap_or_default(),
            trading_class: p.trading_class.unwrap_or_default(),
        }
    }

    /// Hands every field to `v`, named `contract.<field>`.
    pub fn visit(&self, v: &mut dyn FieldVisitor) {
        v.int("contract.con_id", i64::from(self.con_id));
        v.str("contract.symbol", &self.symbol);
        v.str("contract.sec_type", &self.sec_type);
        v.str(
            "contract.last_trade_date_or_contract_month",
            &self.last_trade_date_or_contract_month,
        );
        v.float("contract.strike", self.strike);
        v.str("contract.right", &self.right);
        v.str("contract.multiplier", &self.multiplier);
        v.str("contract.exchange", &self.exchange);
        v.str("contract.primary_exchange", &self.primary_exchange);
        v.str("contract.currency", &self.currency);
        v.str("contract.local_symbol", &self.local_symbol);
        v.str("contract.trading_class", &self.trading_class);
    }

    /// Checks every string for characters that cannot travel (`text` form or protobuf).
    pub fn check(&self, text: bool) -> Result<(), EncodeError> {
        for (name, value) in [
            ("symbol", &self.symbol),
            ("sec_type", &self.sec_type),
            (
                "last_trade_date_or_contract_month",
                &self.last_trade_date_or_contract_month,
            ),
            ("right", &self.right),
            ("multiplier", &self.multiplier),
            ("exchange", &self.exchange),
            ("primary_exchange", &self.primary_exchange),
            ("currency", &self.currency),
            ("local_symbol", &self.local_symbol),
            ("trading_class", &self.trading_class),
        ] {
            check_str(value, name, text)?;
        }
        Ok(())
    }
}

/// A double as the official client prints a multiplier: up to 8 decimals,
/// trailing zeros dropped (`100`, `0.1`); empty for the unset value.
pub fn decimal_text(value: f64) -> String {
    if value == f64::MAX || !value.is_finite() {
        return String::new();
    }
    let text = format!("{value:.8}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The texts TWS uses for an unset decimal; they read as empty.
const UNSET_DECIMALS: [&str; 4] = [
    "2147483647",
    "9223372036854775807",
    "1.7976931348623157E308",
    "-9223372036854775808",
];

/// Reads a decimal quantity exactly as sent; empty when unset (as the
/// official decoder's `UNSET_DECIMAL`).
pub fn read_decimal(r: &mut FieldReader<'_>) -> Result<String, FieldError> {
    let text = r.string()?;
    Ok(if UNSET_DECIMALS.contains(&text.as_str()) {
        String::new()
    } else {
        text
    })
}
