//! Property tests of everything that reads bytes from a peer: the frame
//! splitter and every decoder, fed random, truncated and mutated input at
//! every server version where the wire changes shape. Whatever arrives, the
//! answer is a value or a typed error, never a panic; and every message
//! survives encode -> decode with random field values.

use proptest::prelude::*;

use tws::protocol::messages::*;
use tws::protocol::{Form, Incoming, RawMessage, Request};
use tws::wire::{FrameError, FrameSplitter, FrameWriter, LENGTH_PREFIX};

const VERSIONS: [i32; 6] = [150, 176, 200, 201, 207, 222];
const LIMIT: usize = 4096;

/// Decodes a payload both as a server message and as a client request at
/// `version`; any outcome but a panic is fine.
fn decode_everything(payload: &[u8], version: i32) {
    if let Ok(raw) = RawMessage::split(payload, version) {
        assert!(raw.body.len() < payload.len() || payload.is_empty());
        let _ = Incoming::decode(&raw, version);
        let _ = Request::decode(&raw, version);
    }
}

/// Every frame the splitter yields for `stream` fed in `chunks`; stops at the
/// first error, which must be an oversize length.
fn split_in_chunks(stream: &[u8], chunks: &[usize]) -> (Vec<Vec<u8>>, Option<FrameError>) {
    let mut s = FrameSplitter::new(LIMIT);
    let mut frames = Vec::new();
    let mut rest = stream;
    let mut sizes = chunks.iter().cycle();
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        s.push(&rest[..n]);
        rest = &rest[n..];
        loop {
            match s.next_frame() {
                Ok(Some(f)) => {
                    assert!(!f.is_empty() && f.len() <= LIMIT);
                    frames.push(f.to_vec());
                }
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
        // Never holds more than one frame of at most LIMIT plus what one push added.
        assert!(s.buffered() <= LIMIT + LENGTH_PREFIX + n);
    }
    (frames, None)
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = FrameWriter::begin(&mut out);
    w.payload().extend_from_slice(payload);
    w.finish();
    out
}

/// A valid message of each kind, in every form, as payloads.
fn valid_payloads(version: i32) -> Vec<Vec<u8>> {
    let incoming = [
        Incoming::Error(ErrorMessage {
            req_id: 3,
            time_ms: 1_700_000_000_000,
            code: 2104,
            message: "Market data farm connection is OK:usfarm".into(),
            advanced_order_reject_json: String::new(),
        }),
        Incoming::NextValidId(NextValidId { order_id: 7 }),
        Incoming::ManagedAccounts(ManagedAccounts {
            accounts_list: "DU1,DU2".into(),
        }),
        Incoming::CurrentTime(CurrentTime {
            time: 1_700_000_000,
        }),
        Incoming::CurrentTimeInMillis(CurrentTimeInMillis {
            time_ms: 1_700_000_000_123,
        }),
        Incoming::AccountSummary(AccountSummary {
            req_id: 1,
            account: "DU1".into(),
            tag: "NetLiquidation".into(),
            value: "983631.71".into(),
            currency: "USD".into(),
        }),
        Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id: 1 }),
    ];
    let requests = [
        Request::StartApi(StartApi {
            client_id: 5,
            optional_capabilities: "x".into(),
        }),
        Request::ReqIds(ReqIds { num_ids: 1 }),
        Request::ReqAccountSummary(ReqAccountSummary {
            req_id: 9,
            group: "All".into(),
            tags: "NetLiquidation".into(),
        }),
        Request::CancelAccountSummary(CancelAccountSummary { req_id: 9 }),
    ];
    let mut out = Vec::new();
    for form in Form::accepted_at(version) {
        for m in &incoming {
            let mut bytes = Vec::new();
            m.encode_as(*form, version, &mut bytes).unwrap();
            out.push(bytes[LENGTH_PREFIX..].to_vec());
        }
        for r in &requests {
            let mut bytes = Vec::new();
            r.encode_as(*form, version, &mut bytes).unwrap();
            out.push(bytes[LENGTH_PREFIX..].to_vec());
        }
    }
    out
}

/// One way to damage a valid payload.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    ReplaceNumbers,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        Just(Mutation::ReplaceNumbers),
    ]
}

fn mutate(payload: &mut Vec<u8>, m: &Mutation) {
    let len = payload.len().max(1);
    match *m {
        Mutation::Truncate(i) => payload.truncate(i % len),
        Mutation::Flip(i, b) if !payload.is_empty() => payload[i % len] ^= b | 1,
        Mutation::Insert(i, b) => payload.insert(i % (payload.len() + 1), b),
        Mutation::Remove(i) if !payload.is_empty() => {
            payload.remove(i % len);
        }
        Mutation::ReplaceNumbers => {
            for b in payload.iter_mut().filter(|b| b.is_ascii_digit()) {
                *b = b'x';
            }
        }
        _ => {}
    }
}

/// Printable ASCII: what every text form carries.
fn text() -> impl Strategy<Value = String> {
    "[ -~]{0,24}"
}

/// i32 values except the one meaning "unset" (`i32::MAX`, left out of protobuf).
fn int32() -> impl Strategy<Value = i32> {
    i32::MIN..i32::MAX
}

fn int64() -> impl Strategy<Value = i64> {
    i64::MIN..i64::MAX
}

fn incoming() -> impl Strategy<Value = Incoming> {
    prop_oneof![
        (int32(), int64(), int32(), text(), text()).prop_map(
            |(req_id, time_ms, code, message, json)| {
                Incoming::Error(ErrorMessage {
                    req_id,
                    time_ms,
                    code,
                    message,
                    advanced_order_reject_json: json,
                })
            }
        ),
        int32().prop_map(|order_id| Incoming::NextValidId(NextValidId { order_id })),
        text().prop_map(|accounts_list| Incoming::ManagedAccounts(ManagedAccounts {
            accounts_list: accounts_list.into(),
        })),
        int64().prop_map(|time| Incoming::CurrentTime(CurrentTime { time })),
        int64().prop_map(|time_ms| Incoming::CurrentTimeInMillis(CurrentTimeInMillis { time_ms })),
        (int32(), text(), text(), text(), text()).prop_map(
            |(req_id, account, tag, value, currency)| {
                Incoming::AccountSummary(AccountSummary {
                    req_id,
                    account: account.into(),
                    tag: tag.into(),
                    value: value.into(),
                    currency: currency.into(),
                })
            }
        ),
        int32().prop_map(|req_id| Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id })),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        (int32(), text()).prop_map(|(client_id, caps)| Request::StartApi(StartApi {
            client_id,
            optional_capabilities: caps,
        })),
        int32().prop_map(|num_ids| Request::ReqIds(ReqIds { num_ids })),
        Just(Request::ReqManagedAccounts(ReqManagedAccounts {})),
        Just(Request::ReqCurrentTime(ReqCurrentTime {})),
        Just(Request::ReqCurrentTimeInMillis(ReqCurrentTimeInMillis {})),
        (int32(), text(), text()).prop_map(|(req_id, group, tags)| {
            Request::ReqAccountSummary(ReqAccountSummary {
                req_id,
                group: group.into(),
                tags: tags.into(),
            })
        }),
        int32().prop_map(|req_id| Request::CancelAccountSummary(CancelAccountSummary { req_id })),
    ]
}

/// What a message looks like after a trip through `form` at `version`:
/// fields a layout does not carry come back empty.
fn as_carried(msg: &Incoming, form: Form, version: i32) -> Incoming {
    match msg {
        Incoming::Error(e) if form != Form::Proto => {
            let mut e = e.clone();
            if version < tws::protocol::versions::ERROR_TIME {
                e.time_ms = 0;
            }
            if version < tws::protocol::versions::ADVANCED_ORDER_REJECT {
                e.advanced_order_reject_json.clear();
            }
            Incoming::Error(e)
        }
        other => other.clone(),
    }
}

fn one_payload(bytes: &[u8]) -> &[u8] {
    &bytes[LENGTH_PREFIX..]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random bytes, split in random chunks: frames or an oversize error,
    /// and every frame decodes to a value or a typed error.
    #[test]
    fn random_streams_never_panic(
        stream in proptest::collection::vec(any::<u8>(), 0..2048),
        chunks in proptest::collection::vec(1usize..64, 1..8),
    ) {
        let (frames, err) = split_in_chunks(&stream, &chunks);
        if let Some(FrameError::TooLong { announced, limit }) = err {
            prop_assert!(announced > limit);
        }
        for f in &frames {
            for v in VERSIONS {
                decode_everything(f, v);
            }
        }
    }

    /// Valid frames, whatever the chunking, come out whole and in order.
    #[test]
    fn chunking_does_not_change_frames(
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..12),
        chunks in proptest::collection::vec(1usize..700, 1..8),
    ) {
        let stream: Vec<u8> = payloads.iter().flat_map(|p| frame(p)).collect();
        let (frames, err) = split_in_chunks(&stream, &chunks);
        prop_assert!(err.is_none());
        let expected: Vec<Vec<u8>> = payloads.into_iter().filter(|p| !p.is_empty()).collect();
        prop_assert_eq!(frames, expected);
    }

    /// Valid messages of every kind and form, damaged: a value or a typed error.
    #[test]
    fn mutated_messages_never_panic(
        mutations in proptest::collection::vec(mutation(), 1..4),
        pick in any::<usize>(),
    ) {
        for v in VERSIONS {
            let payloads = valid_payloads(v);
            let mut p = payloads[pick % payloads.len()].clone();
            for m in &mutations {
                mutate(&mut p, m);
            }
            decode_everything(&p, v);
            for cut in 0..p.len() {
                decode_everything(&p[..cut], v);
            }
        }
    }

    /// Random bodies behind every known id, in every form.
    #[test]
    fn random_bodies_behind_known_ids_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..64),
        text_fields in proptest::collection::vec("[-0-9a-z.]{0,6}", 0..8),
    ) {
        let ids: Vec<i32> = Incoming::ALL.iter().chain(Request::ALL).map(|(id, _)| *id).collect();
        let fields: Vec<u8> = text_fields.iter().flat_map(|f| f.bytes().chain([0])).collect();
        for v in VERSIONS {
            for &id in &ids {
                let mut text_form = format!("{id}\0").into_bytes();
                text_form.extend_from_slice(&fields);
                decode_everything(&text_form, v);
                for wire_id in [id, id + 200] {
                    for b in [&body, &fields] {
                        let mut p = wire_id.to_be_bytes().to_vec();
                        p.extend_from_slice(b);
                        decode_everything(&p, v);
                    }
                }
            }
        }
    }

    /// Every server message survives encode -> split -> decode in every form.
    #[test]
    fn incoming_round_trip(msg in incoming()) {
        for v in VERSIONS {
            for &form in Form::accepted_at(v) {
                let mut bytes = Vec::new();
                msg.encode_as(form, v, &mut bytes).unwrap();
                let raw = RawMessage::split(one_payload(&bytes), v).unwrap();
                prop_assert_eq!(raw.form, form);
                let back = Incoming::decode(&raw, v).unwrap().unwrap();
                prop_assert_eq!(back, as_carried(&msg, form, v), "v{} {:?}", v, form);
            }
        }
    }

    /// Every request survives encode -> split -> decode in every form.
    #[test]
    fn request_round_trip(req in request()) {
        for v in VERSIONS {
            for &form in Form::accepted_at(v) {
                let mut bytes = Vec::new();
                req.encode_as(form, v, &mut bytes).unwrap();
                let raw = RawMessage::split(one_payload(&bytes), v).unwrap();
                let back = Request::decode(&raw, v).unwrap().unwrap();
                prop_assert_eq!(&back, &req, "v{} {:?}", v, form);
            }
        }
    }

    /// Error messages carry any Unicode text (escaped from v153, raw protobuf).
    #[test]
    fn error_text_round_trips(message in "\\PC{0,16}", json in "\\PC{0,16}") {
        let msg = Incoming::Error(ErrorMessage {
            req_id: 1,
            time_ms: 2,
            code: 321,
            message,
            advanced_order_reject_json: json,
        });
        for v in [176, 201, 222] {
            for &form in Form::accepted_at(v) {
                let mut bytes = Vec::new();
                msg.encode_as(form, v, &mut bytes).unwrap();
                let raw = RawMessage::split(one_payload(&bytes), v).unwrap();
                let back = Incoming::decode(&raw, v).unwrap().unwrap();
                prop_assert_eq!(back, as_carried(&msg, form, v));
            }
        }
    }
}
