//! k6lr_io: the native I/O core of k6-llm-replay (see README.md for its invariants).
pub mod framing;
pub mod io;
#[cfg(feature = "node")]
pub mod node;
