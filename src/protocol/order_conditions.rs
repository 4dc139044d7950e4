//! The text codec of an order's conditions (`codec = "order_conditions"` in
//! catalogue/orders.toml): a count, then per condition its type, its
//! conjunction (`a` for AND, `o` for OR) and the fields of that type.
//!
//! | type | after the conjunction |
//! |---|---|
//! | 1 price | is_more, price, con_id, exchange, trigger_method |
//! | 3 time | is_more, time |
//! | 4 margin | is_more, percent |
//! | 5 execution | sec_type, exchange, symbol |
//! | 6 volume | is_more, volume, con_id, exchange |
//! | 7 percent change | is_more, change_percent, con_id, exchange |
//!
//! Any other type has no known layout: reading one is a typed error (the
//! fields after it cannot be found), sending one is refused, and a
//! protobuf message's conditions of other types are dropped.

use super::codec::{read_count, EncodeError};
use super::orders::{OrderCondition, OrderConditionProto};
use crate::wire::{FieldError, FieldReader, FieldWriter};

/// Price condition.
pub const PRICE: i32 = 1;
/// Time condition.
pub const TIME: i32 = 3;
/// Margin-cushion condition.
pub const MARGIN: i32 = 4;
/// Execution condition.
pub const EXECUTION: i32 = 5;
/// Volume condition.
pub const VOLUME: i32 = 6;
/// Percent-change condition.
pub const PERCENT_CHANGE: i32 = 7;

/// True for the condition types with a known layout.
pub fn is_known(condition_type: i32) -> bool {
    matches!(
        condition_type,
        PRICE | TIME | MARGIN | EXECUTION | VOLUME | PERCENT_CHANGE
    )
}

/// Writes the count and every condition (their types are checked first).
pub fn write_text(conditions: &[OrderCondition], w: &mut FieldWriter<'_>) {
    w.int(conditions.len() as i64);
    for c in conditions {
        w.int(i64::from(c.condition_type));
        w.str(if c.is_conjunction_connection {
            "a"
        } else {
            "o"
        });
        match c.condition_type {
            EXECUTION => {
                w.str(&c.sec_type);
                w.str(&c.exchange);
                w.str(&c.symbol);
            }
            t => {
                w.bool(c.is_more);
                match t {
                    PRICE => w.float(c.price),
                    TIME => w.str(&c.time),
                    MARGIN => w.int(i64::from(c.percent)),
                    VOLUME => w.int(i64::from(c.volume)),
                    _ => w.float(c.change_percent),
                };
                if matches!(t, PRICE | VOLUME | PERCENT_CHANGE) {
                    w.int(i64::from(c.con_id));
                    w.str(&c.exchange);
                }
                if t == PRICE {
                    w.int(i64::from(c.trigger_method));
                }
            }
        }
    }
}

/// Reads the count and every condition.
pub fn read_text(r: &mut FieldReader<'_>) -> Result<Vec<OrderCondition>, FieldError> {
    let n = read_count(r)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let index = r.index();
        let condition_type = r.int32()?;
        if !is_known(condition_type) {
            return Err(FieldError::Invalid {
                index,
                expected: "order condition type (1, 3, 4, 5, 6 or 7)",
                found: condition_type.to_string(),
            });
        }
        let index = r.index();
        let is_conjunction_connection = match r.string()?.as_str() {
            "a" => true,
            "o" => false,
            other => {
                return Err(FieldError::Invalid {
                    index,
                    expected: "condition conjunction (a or o)",
                    found: other.chars().take(64).collect(),
                })
            }
        };
        let mut c = OrderCondition {
            condition_type,
            is_conjunction_connection,
            change_percent: f64::MAX,
            ..OrderCondition::default()
        };
        if condition_type == EXECUTION {
            c.sec_type = r.string()?;
            c.exchange = r.string()?;
            c.symbol = r.string()?;
        } else {
            c.is_more = r.bool()?;
            match condition_type {
                PRICE => c.price = r.float()?,
                TIME => c.time = r.string()?,
                MARGIN => c.percent = read_percent(r)?,
                VOLUME => c.volume = r.int32()?,
                _ => c.change_percent = r.float()?,
            }
            if matches!(condition_type, PRICE | VOLUME | PERCENT_CHANGE) {
                c.con_id = r.int32()?;
                c.exchange = r.string()?;
            }
            if condition_type == PRICE {
                c.trigger_method = r.int32()?;
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// The margin percent: an integer (IB's decoder parses the text as a
/// number, so `25.0` is accepted; a fraction is not an int).
fn read_percent(r: &mut FieldReader<'_>) -> Result<i32, FieldError> {
    let index = r.index();
    let x = r.float()?;
    if x.fract() == 0.0 && x >= f64::from(i32::MIN) && x <= f64::from(i32::MAX) {
        Ok(x as i32)
    } else {
        Err(FieldError::Invalid {
            index,
            expected: "margin percent (an integer)",
            found: x.to_string(),
        })
    }
}

/// Refuses a condition type without a known layout (in either form: TWS
/// would not know it either).
pub fn check(conditions: &[OrderCondition], field: &'static str) -> Result<(), EncodeError> {
    match conditions.iter().find(|c| !is_known(c.condition_type)) {
        None => Ok(()),
        Some(c) => Err(EncodeError::InvalidValue {
            field,
            why: format!(
                "order condition type {} is none of 1 (price), 3 (time), 4 (margin), 5 (execution), 6 (volume), 7 (percent change)",
                c.condition_type
            ),
        }),
    }
}

/// The protobuf form, field by field as IB's client fills it: the type and
/// the conjunction always, `is_more` for operator conditions (even false),
/// and only the fields of the condition's type (unset numbers left out).
pub fn to_proto(conditions: &[OrderCondition]) -> Vec<OrderConditionProto> {
    let int = |v: i32| (v != i32::MAX).then_some(v);
    let double = |v: f64| (v != f64::MAX).then_some(v);
    let text = |v: &String| (!v.is_empty()).then(|| v.clone());
    conditions
        .iter()
        .map(|c| {
            let t = c.condition_type;
            let mut p = OrderConditionProto {
                condition_type: int(t),
                is_conjunction_connection: Some(c.is_conjunction_connection),
                ..OrderConditionProto::default()
            };
            if t != EXECUTION {
                p.is_more = Some(c.is_more);
            }
            if matches!(t, PRICE | VOLUME | PERCENT_CHANGE) {
                p.con_id = int(c.con_id);
                p.exchange = text(&c.exchange);
            }
            match t {
                PRICE => {
                    p.price = double(c.price);
                    p.trigger_method = int(c.trigger_method);
                }
                TIME => p.time = text(&c.time),
                MARGIN => p.percent = int(c.percent),
                EXECUTION => {
                    p.sec_type = text(&c.sec_type);
                    p.exchange = text(&c.exchange);
                    p.symbol = text(&c.symbol);
                }
                VOLUME => p.volume = int(c.volume),
                PERCENT_CHANGE => p.change_percent = double(c.change_percent),
                _ => {}
            }
            p
        })
        .collect()
}

/// The conditions of a protobuf message; those of unknown types are
/// dropped, and each keeps only the fields of its type (as IB's decoder
/// builds a condition object of that type).
pub fn from_proto(conditions: Vec<OrderConditionProto>) -> Vec<OrderCondition> {
    conditions
        .into_iter()
        .map(OrderCondition::from_proto)
        .filter(|c| is_known(c.condition_type))
        .map(only_its_fields)
        .collect()
}

/// The condition with the fields of other types at their absent values.
fn only_its_fields(c: OrderCondition) -> OrderCondition {
    let t = c.condition_type;
    let contract = matches!(t, PRICE | VOLUME | PERCENT_CHANGE);
    OrderCondition {
        condition_type: t,
        is_conjunction_connection: c.is_conjunction_connection,
        is_more: t != EXECUTION && c.is_more,
        con_id: if contract { c.con_id } else { 0 },
        exchange: if contract || t == EXECUTION {
            c.exchange
        } else {
            String::new()
        },
        symbol: if t == EXECUTION {
            c.symbol
        } else {
            String::new()
        },
        sec_type: if t == EXECUTION {
            c.sec_type
        } else {
            String::new()
        },
        percent: if t == MARGIN { c.percent } else { 0 },
        change_percent: if t == PERCENT_CHANGE {
            c.change_percent
        } else {
            f64::MAX
        },
        price: if t == PRICE { c.price } else { 0.0 },
        trigger_method: if t == PRICE { c.trigger_method } else { 0 },
        time: if t == TIME { c.time } else { String::new() },
        volume: if t == VOLUME { c.volume } else { 0 },
    }
}
