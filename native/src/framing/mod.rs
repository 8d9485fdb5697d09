//! Pure framing: HTTP/1.1 responses, SSE events, chunk kinds. No I/O, fully unit-tested.
pub mod classify;
pub mod http1;
pub mod sse;
