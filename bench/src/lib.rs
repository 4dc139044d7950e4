//! The benchmark harness of libtws (`make bench`): a flood server, raw
//! baselines, a counting allocator and the measurements every case shares.
//! Nothing here is part of libtws; it only measures it.

pub mod alloc_counter;
pub mod baseline;
pub mod flood;
pub mod measure;
