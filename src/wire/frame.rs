//! Length-prefixed frames: `[u32 big-endian length][payload]`, both directions.

use std::io::{self, Read};

/// Bytes of the length prefix in front of every frame.
pub const LENGTH_PREFIX: usize = 4;

/// The largest payload TWS itself accepts (16 MiB - 1); larger announced
/// lengths are a protocol error.
pub const DEFAULT_MAX_FRAME_LEN: usize = 0x00FF_FFFF;

/// Why a byte stream could not be split into frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The peer announced a frame longer than the configured limit. The
    /// announced bytes were neither read nor allocated.
    #[error("frame length {announced} exceeds the limit of {limit} bytes")]
    TooLong { announced: usize, limit: usize },
}

/// Splits a byte stream into frames without copying them.
///
/// Read into it with [`FrameSplitter::read_from`], then take complete frames
/// with [`FrameSplitter::next_frame`] until it returns `Ok(None)`. Zero-length
/// frames are skipped, as TWS does. The internal buffer grows only to hold one
/// frame of at most `max_len` bytes plus one read's worth.
#[derive(Debug)]
pub struct FrameSplitter {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max_len: usize,
}

const READ_CHUNK: usize = 64 * 1024;

impl FrameSplitter {
    /// A splitter that refuses frames longer than `max_len` bytes.
    pub fn new(max_len: usize) -> Self {
        FrameSplitter {
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            max_len,
        }
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Appends bytes, for callers that do their own reading (tests, decoders of files).
    pub fn push(&mut self, bytes: &[u8]) {
        self.make_room(bytes.len());
        self.buf[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// Performs one `read` from `reader` into the buffer. Returns the number of
    /// bytes read; 0 means end of stream.
    pub fn read_from<R: Read + ?Sized>(&mut self, reader: &mut R) -> io::Result<usize> {
        self.make_room(READ_CHUNK / 4);
        let n = reader.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n)
    }

    /// The next complete frame's payload, `Ok(None)` when more bytes are needed,
    /// or an error for an oversize length (the stream cannot be resynchronised
    /// after that: close the connection).
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, FrameError> {
        loop {
            let available = self.end - self.start;
            if available < LENGTH_PREFIX {
                return Ok(None);
            }
            let prefix = &self.buf[self.start..self.start + LENGTH_PREFIX];
            let len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
            if len > self.max_len {
                return Err(FrameError::TooLong {
                    announced: len,
                    limit: self.max_len,
                });
            }
            if len == 0 {
                self.start += LENGTH_PREFIX;
                continue;
            }
            if available < LENGTH_PREFIX + len {
                return Ok(None);
            }
            let begin = self.start + LENGTH_PREFIX;
            self.start = begin + len;
            return Ok(Some(&self.buf[begin..begin + len]));
        }
    }

    /// Makes room for at least `wanted` more bytes after `end`, first by moving
    /// the unconsumed tail to the front, then by growing (bounded by one frame).
    fn make_room(&mut self, wanted: usize) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end >= wanted {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < wanted {
            let needed = self.end + wanted.max(READ_CHUNK);
            self.buf.resize(needed, 0);
        }
    }
}

/// Builds one frame in place: reserve the prefix, append the payload, then
/// [`FrameWriter::finish`] patches the length.
#[derive(Debug)]
pub struct FrameWriter<'a> {
    out: &'a mut Vec<u8>,
    prefix_at: usize,
}

impl<'a> FrameWriter<'a> {
    /// Starts a frame at the end of `out`.
    pub fn begin(out: &'a mut Vec<u8>) -> Self {
        let prefix_at = out.len();
        out.extend_from_slice(&[0; LENGTH_PREFIX]);
        FrameWriter { out, prefix_at }
    }

    /// The buffer the payload is appended to.
    pub fn payload(&mut self) -> &mut Vec<u8> {
        self.out
    }

    /// Writes the length prefix. Returns the payload length.
    pub fn finish(self) -> usize {
        let len = self.out.len() - self.prefix_at - LENGTH_PREFIX;
        self.out[self.prefix_at..self.prefix_at + LENGTH_PREFIX]
            .copy_from_slice(&(len as u32).to_be_bytes());
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut w = FrameWriter::begin(&mut out);
        w.payload().extend_from_slice(payload);
        w.finish();
        out
    }

    #[test]
    fn splits_frames_delivered_byte_by_byte() {
        let mut stream = frame(b"abc");
        stream.extend(frame(b""));
        stream.extend(frame(b"defg"));
        let mut s = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
        let mut got = Vec::new();
        for b in stream {
            s.push(&[b]);
            while let Some(f) = s.next_frame().unwrap() {
                got.push(f.to_vec());
            }
        }
        assert_eq!(got, vec![b"abc".to_vec(), b"defg".to_vec()]);
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn oversize_length_is_refused_without_allocation() {
        let mut s = FrameSplitter::new(1000);
        s.push(&[0x7f, 0xff, 0xff, 0xff]);
        assert_eq!(
            s.next_frame(),
            Err(FrameError::TooLong {
                announced: 0x7fff_ffff,
                limit: 1000
            })
        );
        assert!(s.buf.len() <= READ_CHUNK * 2);
    }

    #[test]
    fn large_frame_across_reads() {
        let payload = vec![7u8; 300_000];
        let stream = frame(&payload);
        let mut s = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
        let mut reader: &[u8] = &stream;
        let mut got = None;
        while got.is_none() {
            assert!(s.read_from(&mut reader).unwrap() > 0);
            if let Some(f) = s.next_frame().unwrap() {
                got = Some(f.len());
            }
        }
        assert_eq!(got, Some(300_000));
    }
}
