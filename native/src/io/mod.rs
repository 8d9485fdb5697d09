//! The I/O thread and the system calls under it.
pub mod core;
pub mod sys;
pub mod tls;
