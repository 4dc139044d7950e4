//! `Text`: the string type of message fields. Strings of up to 24 bytes (an
//! account code, a tag, a value, a currency) live inline, so decoding the
//! common messages allocates nothing.

use compact_str::CompactString;

use crate::wire::{FieldError, FieldReader, FieldWriter};

use super::codec::{check_str, EncodeError, WireValue};
use super::describe::FieldVisitor;

/// A message field's text; derefs to `str`.
pub type Text = CompactString;

/// Reads text from raw field bytes; invalid UTF-8 is replaced, never fatal.
pub fn text_from_bytes(raw: &[u8]) -> Text {
    match std::str::from_utf8(raw) {
        Ok(s) => Text::new(s),
        Err(_) => Text::from(String::from_utf8_lossy(raw)),
    }
}

impl WireValue for Text {
    fn write_text(&self, w: &mut FieldWriter<'_>) {
        w.str(self);
    }
    fn read_text(r: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        Ok(text_from_bytes(r.raw()?))
    }
    fn describe(&self, name: &'static str, v: &mut dyn FieldVisitor) {
        v.str(name, self);
    }
    fn to_proto(&self) -> Option<Self> {
        (!self.is_empty()).then(|| self.clone())
    }
    fn check(&self, field: &'static str, text: bool) -> Result<(), EncodeError> {
        check_str(self, field, text)
    }
}
