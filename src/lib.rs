//! libtws: the Interactive Brokers TWS API wire protocol in Rust, with a C ABI.
//!
//! Layers, bottom to top: [`wire`] (bytes <-> frames), [`protocol`] (frames <->
//! typed messages), [`client`] (a live session), `ffi` (the C ABI) and
//! [`sim`] (a TWS simulator for the demo and the tests). [`logging`] is the
//! library's own log, routed to a sink the host sets.

mod calendar;
pub mod client;
pub mod ffi;
pub mod inspect;
pub mod logging;
pub mod protocol;
pub mod sim;
pub mod wire;
