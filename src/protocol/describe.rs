//! Naming a message's fields generically, for tools that show messages
//! without knowing their types (`tws-decode`, the simulator's recorder).
//!
//! Every body implements [`Describe`], generated from the catalogue
//! (docs/catalogue.md). A [`FieldVisitor`] receives each field by name, typed,
//! in struct order; a record's fields come as `<prefix>.<field>`.

/// Receives the fields of one message, in the order of its struct.
pub trait FieldVisitor {
    /// An integer field.
    fn int(&mut self, name: &'static str, value: i64);
    /// A floating-point field.
    fn float(&mut self, name: &'static str, value: f64);
    /// A boolean field.
    fn bool(&mut self, name: &'static str, value: bool);
    /// A string field (or any value best shown as its text form).
    fn str(&mut self, name: &'static str, value: &str);
}

/// A message body that can name its fields.
pub trait Describe {
    /// Hands every field, by name, to `v`.
    fn visit(&self, v: &mut dyn FieldVisitor);
}

/// Collects fields as `(name, text)` pairs: handy in tests and logs.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FieldList(pub Vec<(&'static str, String)>);

impl FieldVisitor for FieldList {
    fn int(&mut self, name: &'static str, value: i64) {
        self.0.push((name, value.to_string()));
    }
    fn float(&mut self, name: &'static str, value: f64) {
        self.0.push((name, value.to_string()));
    }
    fn bool(&mut self, name: &'static str, value: bool) {
        self.0.push((name, value.to_string()));
    }
    fn str(&mut self, name: &'static str, value: &str) {
        self.0.push((name, value.to_owned()));
    }
}
