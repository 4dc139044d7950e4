//! `--flood`: many account-summary rows encoded up front and written in one go,
//! so the simulator pushes them as fast as the socket takes them.

use crate::protocol::messages::AccountSummary;
use crate::protocol::Incoming;

/// The tag of every flood row; the value is the row's index (0, 1, 2, ...).
pub const FLOOD_TAG: &str = "FloodRow";

/// Appends `count` encoded account-summary rows for `req_id` and `account`.
pub fn append(req_id: i32, account: &str, count: u32, version: i32, out: &mut Vec<u8>) {
    out.reserve(count as usize * (48 + account.len()));
    let mut row = AccountSummary {
        req_id,
        account: account.into(),
        tag: FLOOD_TAG.into(),
        value: Default::default(),
        currency: "USD".into(),
    };
    for i in 0..count {
        row.value = i.to_string().into();
        // The fields are printable ASCII: encoding cannot fail.
        let _ = Incoming::AccountSummary(row.clone()).encode(version, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::RawMessage;
    use crate::wire::{FrameSplitter, DEFAULT_MAX_FRAME_LEN};

    #[test]
    fn rows_decode_in_order() {
        for version in [176, 222] {
            let mut out = Vec::new();
            append(5, "DU1", 1000, version, &mut out);
            let mut s = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
            s.push(&out);
            let mut n = 0;
            while let Some(f) = s.next_frame().unwrap() {
                let raw = RawMessage::split(f, version).unwrap();
                match Incoming::decode(&raw, version).unwrap() {
                    Some(Incoming::AccountSummary(r)) => {
                        assert_eq!((r.req_id, r.value.as_str()), (5, n.to_string().as_str()));
                    }
                    other => panic!("{other:?}"),
                }
                n += 1;
            }
            assert_eq!(n, 1000);
        }
    }
}
