//! Exact decimal quantities: a count of 10^-8 units, parsed from and
//! printed as decimal text ("100", "0.5"), never through a float.

use std::fmt;
use std::ops::{Add, Sub};

/// Units per whole share (eight decimals, the finest size TWS quotes).
pub const SCALE: i64 = 100_000_000;

/// The largest quantity an order may carry (ten billion).
pub const MAX_WHOLE: i64 = 10_000_000_000;

/// An exact decimal quantity in units of 10^-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Qty(i64);

/// Why a quantity's text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QtyError {
    /// Not a plain decimal (`[-]digits[.digits]`).
    NotADecimal(String),
    /// More than eight decimals.
    TooPrecise(String),
    /// Above [`MAX_WHOLE`] in magnitude.
    TooLarge(String),
}

impl fmt::Display for QtyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QtyError::NotADecimal(t) => write!(f, "{t:?} is not a decimal quantity"),
            QtyError::TooPrecise(t) => write!(f, "{t:?} has more than 8 decimals"),
            QtyError::TooLarge(t) => write!(f, "{t:?} is above {MAX_WHOLE}"),
        }
    }
}

impl std::error::Error for QtyError {}

impl Qty {
    pub const ZERO: Qty = Qty(0);

    /// `n` whole units.
    pub const fn whole(n: i64) -> Qty {
        Qty(n.saturating_mul(SCALE))
    }

    /// From a count of 10^-8 units.
    pub const fn from_units(units: i64) -> Qty {
        Qty(units)
    }

    /// The count of 10^-8 units.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// Parses `[-|+]digits[.digits]` (a leading or trailing dot is allowed
    /// when the other side has digits), at most 8 decimals.
    pub fn parse(text: &str) -> Result<Qty, QtyError> {
        let t = text.trim();
        let bad = || QtyError::NotADecimal(text.to_owned());
        let (negative, body) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() > 8 {
            return Err(QtyError::TooPrecise(text.to_owned()));
        }
        let int = int.trim_start_matches('0');
        if int.len() > 11 {
            return Err(QtyError::TooLarge(text.to_owned()));
        }
        let whole: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        let mut frac_units: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        for _ in frac.len()..8 {
            frac_units *= 10;
        }
        if whole > MAX_WHOLE || (whole == MAX_WHOLE && frac_units > 0) {
            return Err(QtyError::TooLarge(text.to_owned()));
        }
        let units = whole * SCALE + frac_units;
        Ok(Qty(if negative { -units } else { units }))
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn abs(self) -> Qty {
        Qty(self.0.saturating_abs())
    }

    /// As a float, for prices and values (never for bookkeeping).
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    /// Whole units, rounded down (towards zero).
    pub fn whole_part(self) -> i64 {
        self.0 / SCALE
    }
}

impl Add for Qty {
    type Output = Qty;
    fn add(self, rhs: Qty) -> Qty {
        Qty(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Qty {
    type Output = Qty;
    fn sub(self, rhs: Qty) -> Qty {
        Qty(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for Qty {
    /// The shortest decimal: `100`, `0.5`, `-3.25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let u = self.0.unsigned_abs();
        let scale = SCALE as u64;
        let (whole, frac) = (u / scale, u % scale);
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{frac:08}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_exactly() {
        for (text, units, shown) in [
            ("100", 100 * SCALE, "100"),
            ("0.5", SCALE / 2, "0.5"),
            ("1.00000001", SCALE + 1, "1.00000001"),
            ("-3.25", -325 * SCALE / 100, "-3.25"),
            ("007.10", 710 * SCALE / 100, "7.1"),
            (".5", SCALE / 2, "0.5"),
            ("0", 0, "0"),
        ] {
            let q = Qty::parse(text).unwrap();
            assert_eq!(q.units(), units, "{text}");
            assert_eq!(q.to_string(), shown, "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_exact_decimal() {
        assert!(matches!(Qty::parse(""), Err(QtyError::NotADecimal(_))));
        assert!(matches!(Qty::parse("1e3"), Err(QtyError::NotADecimal(_))));
        assert!(matches!(Qty::parse("."), Err(QtyError::NotADecimal(_))));
        assert!(matches!(Qty::parse("1.2.3"), Err(QtyError::NotADecimal(_))));
        assert!(matches!(
            Qty::parse("0.000000001"),
            Err(QtyError::TooPrecise(_))
        ));
        assert!(matches!(
            Qty::parse("10000000000.5"),
            Err(QtyError::TooLarge(_))
        ));
        assert!(matches!(
            Qty::parse("99999999999999999999"),
            Err(QtyError::TooLarge(_))
        ));
    }

    #[test]
    fn sums_are_exact() {
        let tenth = Qty::parse("0.1").unwrap();
        let mut sum = Qty::ZERO;
        for _ in 0..10 {
            sum = sum + tenth;
        }
        assert_eq!(sum, Qty::whole(1));
        assert_eq!((Qty::whole(1) - tenth).to_string(), "0.9");
    }
}
