//! Arbitrary bytes into the frame splitter, pushed in chunks whose sizes come
//! from the input itself: frames of at most the limit, or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tws::wire::FrameSplitter;

const LIMIT: usize = 1 << 16;

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut splitter = FrameSplitter::new(LIMIT);
    for piece in stream.chunks(chunk) {
        splitter.push(piece);
        loop {
            match splitter.next_frame() {
                Ok(Some(frame)) => assert!(!frame.is_empty() && frame.len() <= LIMIT),
                Ok(None) => break,
                Err(_) => return,
            }
        }
        assert!(splitter.buffered() <= LIMIT + 4 + piece.len());
    }
});
