//! The version handshake: `API\0` + `[len]vMIN..MAX[ options]`, answered by
//! `[len]<serverVersion>\0<connection time>\0`.

use crate::wire::{FieldReader, FieldWriter, FrameWriter};

/// The bytes that open every connection.
pub const API_PREFIX: &[u8] = b"API\0";

/// The client's opening bytes, advertising `min..=max` and optional connect
/// options (for example `+PACEAPI`).
pub fn client_hello(min: i32, max: i32, connect_options: &str) -> Vec<u8> {
    let mut out = API_PREFIX.to_vec();
    let mut frame = FrameWriter::begin(&mut out);
    let text = if connect_options.is_empty() {
        format!("v{min}..{max}")
    } else {
        format!("v{min}..{max} {connect_options}")
    };
    frame.payload().extend_from_slice(text.as_bytes());
    frame.finish();
    out
}

/// What a client advertised in its opening frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    pub min_version: i32,
    pub max_version: i32,
    pub connect_options: String,
}

/// Parses the payload of the client's opening frame (after `API\0`).
pub fn parse_client_hello(payload: &[u8]) -> Option<ClientHello> {
    let text = std::str::from_utf8(payload).ok()?;
    let (range, options) = match text.split_once(' ') {
        Some((r, o)) => (r, o.to_owned()),
        None => (text, String::new()),
    };
    let range = range.strip_prefix('v')?;
    let (min, max) = match range.split_once("..") {
        Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
        None => {
            let v = range.parse().ok()?;
            (v, v)
        }
    };
    Some(ClientHello {
        min_version: min,
        max_version: max,
        connect_options: options,
    })
}

/// The server's answer: its version and connection time.
pub fn server_hello(server_version: i32, connection_time: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut frame = FrameWriter::begin(&mut out);
    FieldWriter::new(frame.payload())
        .int(i64::from(server_version))
        .str(connection_time);
    frame.finish();
    out
}

/// Parses the server's answer into (server version, connection time).
pub fn parse_server_hello(payload: &[u8]) -> Option<(i32, String)> {
    let mut r = FieldReader::new(payload);
    let version = r.int32().ok()?;
    let time = r.string().unwrap_or_default();
    Some((version, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trip() {
        let bytes = client_hello(100, 226, "+PACEAPI");
        assert_eq!(&bytes[..4], API_PREFIX);
        assert_eq!(&bytes[4..8], &(18u32).to_be_bytes());
        let hello = parse_client_hello(&bytes[8..]).unwrap();
        assert_eq!(
            hello,
            ClientHello {
                min_version: 100,
                max_version: 226,
                connect_options: "+PACEAPI".into()
            }
        );
        let answer = server_hello(222, "20261125 10:00:00 EST");
        assert_eq!(
            parse_server_hello(&answer[4..]),
            Some((222, "20261125 10:00:00 EST".into()))
        );
    }
}
