//! A small JSON writer: one flat or nested object per line, with correct
//! string escaping. Hand-written because the output is a handful of shapes
//! (message descriptions) and a serializer would add a dependency to the
//! library for no gain.

use std::fmt::Write;

use crate::protocol::describe::{Describe, FieldVisitor};
use crate::protocol::Form;

/// A JSON object under construction: `{"key":value,...}`.
#[derive(Debug, Clone)]
pub struct JsonObject {
    buf: String,
    empty: bool,
}

impl Default for JsonObject {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> Self {
        JsonObject {
            buf: String::from("{"),
            empty: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.empty {
            self.buf.push(',');
        }
        self.empty = false;
        escape_into(key, &mut self.buf);
        self.buf.push(':');
    }

    /// Adds an integer member.
    pub fn int(&mut self, key: &str, value: i64) -> &mut Self {
        self.key(key);
        let _ = write!(self.buf, "{value}");
        self
    }

    /// Adds a number member; NaN and infinities (not JSON) become `null`.
    pub fn float(&mut self, key: &str, value: f64) -> &mut Self {
        self.key(key);
        if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e16 {
            // Integral doubles keep their decimal point (`200.0`), as Python
            // and Java print them, so that they stay doubles for a reader.
            let _ = write!(self.buf, "{value:.1}");
        } else if value.is_finite() && value.abs() >= 1e16 {
            // `1.7976931348623157e308`, not 309 digits no JSON reader takes.
            let _ = write!(self.buf, "{value:e}");
        } else if value.is_finite() {
            let _ = write!(self.buf, "{value}");
        } else {
            self.buf.push_str("null");
        }
        self
    }

    /// Adds a boolean member.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key);
        self.buf.push_str(if value { "true" } else { "false" });
        self
    }

    /// Adds a string member.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        escape_into(value, &mut self.buf);
        self
    }

    /// Adds a nested object.
    pub fn object(&mut self, key: &str, value: JsonObject) -> &mut Self {
        self.key(key);
        self.buf.push_str(&value.finish());
        self
    }

    /// The finished text, on one line.
    pub fn finish(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

impl FieldVisitor for JsonObject {
    fn int(&mut self, name: &'static str, value: i64) {
        JsonObject::int(self, name, value);
    }
    fn float(&mut self, name: &'static str, value: f64) {
        JsonObject::float(self, name, value);
    }
    fn bool(&mut self, name: &'static str, value: bool) {
        JsonObject::bool(self, name, value);
    }
    fn str(&mut self, name: &'static str, value: &str) {
        JsonObject::str(self, name, value);
    }
}

/// The fields of a message as a JSON object.
pub fn fields_of(message: &dyn Describe) -> JsonObject {
    let mut fields = JsonObject::new();
    message.visit(&mut fields);
    fields
}

/// The name `tws-decode` and the recorder give a wire form.
pub fn form_name(form: Form) -> &'static str {
    match form {
        Form::Text => "text",
        Form::BinaryText => "binary-text",
        Form::Proto => "protobuf",
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Appends `text` as a JSON string literal.
pub fn escape_into(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_json_requires() {
        let mut out = String::new();
        escape_into("a\"b\\c\nd\u{0}e\u{1f}é", &mut out);
        assert_eq!(out, r#""a\"b\\c\nd\u0000e\u001fé""#);
    }

    #[test]
    fn builds_nested_objects() {
        let mut inner = JsonObject::new();
        inner.int("n", -3).float("x", 1.5).bool("b", true);
        let mut outer = JsonObject::new();
        outer
            .str("name", "x")
            .object("fields", inner)
            .float("nan", f64::NAN);
        assert_eq!(
            outer.finish(),
            r#"{"name":"x","fields":{"n":-3,"x":1.5,"b":true},"nan":null}"#
        );
        assert_eq!(JsonObject::new().finish(), "{}");
    }

    #[test]
    fn hex_is_lower_case_pairs() {
        assert_eq!(hex(&[0, 0x0a, 0xff]), "000aff");
    }
}
