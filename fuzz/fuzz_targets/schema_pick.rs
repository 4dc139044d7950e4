//! Shared by the decoder targets: the first bytes of a fuzz input pick a
//! message of the schema table (`CATALOGUE`), a server version and a form;
//! the rest is the message's body. No per-message code: a message added to
//! the catalogue is fuzzed as it is.

use std::sync::OnceLock;

use tws::protocol::schema::{Direction, MessageSchema};
use tws::protocol::versions::{MAX_CLIENT_VERSION, MIN_CLIENT_VERSION, PROTOBUF};
use tws::protocol::{Form, RawMessage, CATALOGUE};

/// A message of `direction`, a server version and a body, picked by `data`.
pub struct Pick<'a> {
    pub schema: &'static MessageSchema,
    pub version: i32,
    pub raw: RawMessage<'a>,
}

/// Every server version at which a declared layout changes (each threshold
/// the schema names and the version below it, down to startApi's 72), up to
/// the highest supported version, plus the supported range's bounds.
pub fn versions() -> &'static [i32] {
    static V: OnceLock<Vec<i32>> = OnceLock::new();
    V.get_or_init(|| {
        let mut v = vec![
            MIN_CLIENT_VERSION,
            MAX_CLIENT_VERSION,
            PROTOBUF,
            PROTOBUF - 1,
        ];
        let mut add = |x: Option<i32>| {
            if let Some(x) = x {
                v.extend([x - 1, x]);
            }
        };
        for m in CATALOGUE {
            add(Some(m.proto_from));
            add(Some(m.min_server_version));
            add(m.text_version.and_then(|t| t.until));
            for f in m.fields {
                add(f.since);
                add(f.until);
                if let tws::protocol::schema::TextRepr::Ascii7Escaped { from } = f.text {
                    add(from);
                }
            }
        }
        v.retain(|x| (1..=MAX_CLIENT_VERSION).contains(x));
        v.sort_unstable();
        v.dedup();
        v
    })
}

fn messages(direction: Direction) -> &'static [&'static MessageSchema] {
    static IN: OnceLock<Vec<&'static MessageSchema>> = OnceLock::new();
    static OUT: OnceLock<Vec<&'static MessageSchema>> = OnceLock::new();
    let cell = match direction {
        Direction::In => &IN,
        Direction::Out => &OUT,
    };
    cell.get_or_init(|| {
        CATALOGUE
            .iter()
            .filter(|m| m.direction == direction)
            .collect()
    })
}

/// byte 0: the message, byte 1: the server version, byte 2: the form (text
/// below 201; binary text or protobuf from 201 on); the rest is the body.
pub fn pick(direction: Direction, data: &[u8]) -> Option<Pick<'_>> {
    let [m, v, f, body @ ..] = data else {
        return None;
    };
    let all = messages(direction);
    let schema = all[usize::from(*m) % all.len()];
    let vs = versions();
    let version = vs[usize::from(*v) % vs.len()];
    let form = if version < PROTOBUF {
        Form::Text
    } else if f % 2 == 0 {
        Form::BinaryText
    } else {
        Form::Proto
    };
    Some(Pick {
        schema,
        version,
        raw: RawMessage {
            id: schema.id,
            body,
            form,
        },
    })
}
