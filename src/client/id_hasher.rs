//! A fast hasher for the engine's small integer keys (request ids): the
//! reader looks one up for every tick. SipHash, the standard one, resists
//! keys chosen to collide, which buys nothing here: the keys are inserted
//! by the user's own requests, and a key from the network can only miss.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Multiply-rotate hashing (as in Firefox's and rustc's "Fx" hash): one
/// multiplication per word, which spreads the bits of small, sequential ids.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_i32(&mut self, n: i32) {
        self.add(u64::from(n as u32));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by request ids, hashed with [`IdHasher`].
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash_of(v: impl Hash) -> u64 {
        BuildHasherDefault::<IdHasher>::default().hash_one(v)
    }

    #[test]
    fn sequential_ids_spread_over_the_buckets() {
        // hashbrown takes the bucket from the low bits and a tag from the
        // top 7: sequential ids must differ in both.
        let low: std::collections::HashSet<u64> = (0..1024).map(|i| hash_of(i) & 1023).collect();
        let top: std::collections::HashSet<u64> = (0..1024).map(|i| hash_of(i) >> 57).collect();
        assert_eq!(low.len(), 1024);
        assert!(top.len() > 100, "{}", top.len());
    }

    #[test]
    fn a_map_works_as_a_map() {
        let mut m: IdMap<i32, &str> = IdMap::default();
        for i in -50..50 {
            m.insert(i, "x");
        }
        assert_eq!(m.len(), 100);
        assert!((-50..50).all(|i| m.contains_key(&i)));
        assert!(!m.contains_key(&50));
        assert_ne!(hash_of("ab"), hash_of("ba"));
    }
}
