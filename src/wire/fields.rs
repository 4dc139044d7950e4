//! NUL-terminated text fields, the body of every non-protobuf message.

use std::fmt::Write as _;

/// Why a text field could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The message ended before field `index` (counted from 0 after the id).
    #[error("field {index} is missing (message too short)")]
    Missing { index: usize },
    /// Field `index` does not parse as the expected kind of value.
    #[error("field {index} is not a valid {expected}: {found:?}")]
    Invalid {
        index: usize,
        expected: &'static str,
        found: String,
    },
}

/// Reads NUL-terminated fields from a payload without copying them.
#[derive(Debug, Clone)]
pub struct FieldReader<'a> {
    data: &'a [u8],
    pos: usize,
    index: usize,
}

impl<'a> FieldReader<'a> {
    /// Reads fields from `data`, which holds zero or more NUL-terminated fields.
    pub fn new(data: &'a [u8]) -> Self {
        FieldReader {
            data,
            pos: 0,
            index: 0,
        }
    }

    /// Index of the next field to be read.
    pub fn index(&self) -> usize {
        self.index
    }

    /// True when every terminated field has been read.
    pub fn is_empty(&self) -> bool {
        !self.data[self.pos..].contains(&0)
    }

    /// The next field's raw bytes (without its NUL).
    pub fn raw(&mut self) -> Result<&'a [u8], FieldError> {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == 0) {
            Some(end) => {
                self.pos += end + 1;
                self.index += 1;
                Ok(&rest[..end])
            }
            None => Err(FieldError::Missing { index: self.index }),
        }
    }

    /// The next field as text; invalid UTF-8 is replaced, never fatal.
    pub fn string(&mut self) -> Result<String, FieldError> {
        Ok(String::from_utf8_lossy(self.raw()?).into_owned())
    }

    /// The next field as text with `\uXXXX` (and other backslash) escapes
    /// decoded, as TWS sends free text from server version 153.
    pub fn escaped_string(&mut self) -> Result<String, FieldError> {
        Ok(unescape(self.raw()?))
    }

    /// The next field as an integer; an empty field reads as 0, as TWS means it.
    pub fn int(&mut self) -> Result<i64, FieldError> {
        let index = self.index;
        let raw = self.raw()?;
        if raw.is_empty() {
            return Ok(0);
        }
        std::str::from_utf8(raw)
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .ok_or_else(|| invalid(index, "integer", raw))
    }

    /// The next field as a 32-bit integer.
    pub fn int32(&mut self) -> Result<i32, FieldError> {
        let index = self.index;
        let value = self.int()?;
        i32::try_from(value)
            .map_err(|_| invalid(index, "32-bit integer", value.to_string().as_bytes()))
    }

    /// The next field as a floating-point number; empty reads as 0.
    pub fn float(&mut self) -> Result<f64, FieldError> {
        let index = self.index;
        let raw = self.raw()?;
        if raw.is_empty() {
            return Ok(0.0);
        }
        let text = std::str::from_utf8(raw).map_err(|_| invalid(index, "number", raw))?;
        match text.trim() {
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            t => t.parse::<f64>().map_err(|_| invalid(index, "number", raw)),
        }
    }

    /// The next field as a boolean (`0`/`1`, or any integer: non-zero is true).
    pub fn bool(&mut self) -> Result<bool, FieldError> {
        Ok(self.int()? != 0)
    }
}

fn invalid(index: usize, expected: &'static str, raw: &[u8]) -> FieldError {
    FieldError::Invalid {
        index,
        expected,
        found: String::from_utf8_lossy(&raw[..raw.len().min(64)]).into_owned(),
    }
}

/// Decodes backslash escapes as TWS uses them in free text: `\uXXXX`,
/// `\xXX`, `\n`, `\t`, `\\`. Anything unrecognised is kept as it is.
/// Reads exactly `digits` hex digits (no sign, no prefix) from `chars`.
fn hex_value(chars: &mut impl Iterator<Item = char>, digits: usize) -> Option<u32> {
    let mut value = 0;
    for _ in 0..digits {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

fn unescape(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    if !text.contains('\\') {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex_digits = match chars.peek() {
            Some('u') => 4,
            Some('x') => 2,
            Some('n') | Some('t') | Some('r') | Some('\\') => {
                let e = chars.next().unwrap_or('\\');
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    _ => '\\',
                });
                continue;
            }
            _ => {
                out.push('\\');
                continue;
            }
        };
        let mut ahead = chars.clone();
        ahead.next();
        let Some(unit) = hex_value(&mut ahead, hex_digits) else {
            out.push('\\');
            continue;
        };
        // TWS is Java: a character beyond the BMP arrives as a UTF-16
        // surrogate pair, two `\uXXXX` escapes in a row.
        let decoded = if (0xD800..0xDC00).contains(&unit) {
            let mut pair = ahead.clone();
            let low = (pair.next() == Some('\\') && pair.next() == Some('u'))
                .then(|| hex_value(&mut pair, 4))
                .flatten()
                .filter(|low| (0xDC00..0xE000).contains(low));
            low.and_then(|low| {
                ahead = pair;
                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            })
        } else {
            char::from_u32(unit)
        };
        match decoded {
            Some(c) => {
                out.push(c);
                chars = ahead;
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Appends NUL-terminated text fields to a buffer.
#[derive(Debug)]
pub struct FieldWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> FieldWriter<'a> {
    /// Appends to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        FieldWriter { out }
    }

    /// A text field. The caller has checked that `value` holds no NUL.
    pub fn str(&mut self, value: &str) -> &mut Self {
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(0);
        self
    }

    /// An integer field in decimal.
    pub fn int(&mut self, value: i64) -> &mut Self {
        let _ = write!(DigitSink(self.out), "{value}");
        self.out.push(0);
        self
    }

    /// A floating-point field, written the way the official clients write it
    /// (`100.0`, `983631.71`).
    pub fn float(&mut self, value: f64) -> &mut Self {
        let mut text = String::new();
        if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e16 {
            let _ = write!(text, "{value:.1}");
        } else if value == f64::MAX {
            // The unset value, spelled as TWS (Java) spells it.
            text.push_str("1.7976931348623157E308");
        } else if value == f64::INFINITY {
            text.push_str("Infinity");
        } else {
            let _ = write!(text, "{value}");
        }
        self.str(&text)
    }

    /// A boolean field, `1` or `0`.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.int(i64::from(value))
    }
}

/// Formats numbers straight into the output buffer, without a temporary String.
struct DigitSink<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for DigitSink<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_typed_fields() {
        let mut r = FieldReader::new(b"63\0-1\0\0DU1\x002.5\0");
        assert_eq!(r.int().unwrap(), 63);
        assert_eq!(r.int32().unwrap(), -1);
        assert_eq!(r.int().unwrap(), 0);
        assert_eq!(r.string().unwrap(), "DU1");
        assert_eq!(r.float().unwrap(), 2.5);
        assert_eq!(r.raw(), Err(FieldError::Missing { index: 5 }));
    }

    #[test]
    fn non_numeric_field_is_a_typed_error() {
        let mut r = FieldReader::new(b"abc\0");
        assert!(matches!(r.int(), Err(FieldError::Invalid { index: 0, .. })));
    }

    #[test]
    fn unterminated_field_is_missing() {
        let mut r = FieldReader::new(b"12");
        assert_eq!(r.int(), Err(FieldError::Missing { index: 0 }));
    }

    #[test]
    fn unescapes_unicode() {
        assert_eq!(unescape(br"caf\u00e9 \\ ok"), "café \\ ok");
        assert_eq!(unescape(br"bad \u12"), r"bad \u12");
        assert_eq!(unescape(br"no sign \u+123"), r"no sign \u+123");
    }

    #[test]
    fn unescapes_surrogate_pairs() {
        // Found by the property tests: U+1F300 travels as two UTF-16 escapes.
        assert_eq!(unescape(br"\ud83c\udf00!"), "\u{1f300}!");
        // A lone or reversed surrogate is not a character: left as it came.
        assert_eq!(unescape(br"\ud83c x"), r"\ud83c x");
        assert_eq!(unescape(br"\udf00\ud83c"), r"\udf00\ud83c");
    }

    #[test]
    fn writes_fields() {
        let mut out = Vec::new();
        FieldWriter::new(&mut out)
            .int(62)
            .str("All")
            .float(100.0)
            .bool(true);
        assert_eq!(out, b"62\x00All\x00100.0\x001\x00");
    }
}
