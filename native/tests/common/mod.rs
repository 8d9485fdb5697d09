//! What the I/O thread's tests share: options, a started core, requests and SSE replies
//! written to any stream (plain TCP or TLS).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Duration;

use k6lr_io::io::core::{Cmd, Core, Job, Options, Outcome};

pub fn opts() -> Options {
    Options { connect_ms: 2000.0, first_byte_ms: 2000.0, idle_ms: 2000.0, total_ms: 10_000.0, keep_alive_ms: 30_000.0, reuse: true, ca_file: None }
}

pub fn start(o: Options) -> (Core, mpsc::Receiver<Outcome>) {
    let (tx, rx) = mpsc::channel();
    let core = Core::start(o, Box::new(move |batch| {
        for x in batch {
            let _ = tx.send(x);
        }
    }))
    .unwrap();
    (core, rx)
}

pub fn req(id: u32, origin: &str, due_ns: i64) -> Cmd {
    let bytes = format!("POST /v1/chat/completions HTTP/1.1\r\nhost: {origin}\r\ncontent-length: 2\r\n\r\n{{}}").into_bytes();
    Cmd::Send(Job { id, origin: origin.to_string(), bytes, due_ns, keep_events: false })
}

/// Reads one request (head + content-length body) from the stream.
pub fn read_request<S: Read>(s: &mut S) -> bool {
    let mut got = Vec::new();
    let mut b = [0u8; 4096];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
            let len: usize = head.split("content-length:").nth(1).map(|v| v.trim().split('\r').next().unwrap().trim().parse().unwrap()).unwrap_or(0);
            if got.len() >= end + 4 + len {
                return true;
            }
        }
        match s.read(&mut b) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got.extend_from_slice(&b[..n]),
        }
    }
}

pub const TOKEN: &str = r#"{"choices":[{"index":0,"delta":{"content":"tok"},"finish_reason":null}]}"#;
pub const LAST: &str = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":3}}"#;

pub fn chunk<S: Write>(s: &mut S, text: &str) {
    let _ = write!(s, "{:x}\r\n{text}\r\n", text.len());
    let _ = s.flush();
}

pub fn stream_reply<S: Write>(s: &mut S, _: usize) {
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(10));
        chunk(s, &format!("data: {TOKEN}\n\n"));
    }
    chunk(s, &format!("data: {LAST}\n\ndata: [DONE]\n\n"));
    let _ = s.write_all(b"0\r\n\r\n");
}

pub fn next(rx: &mpsc::Receiver<Outcome>) -> Outcome {
    rx.recv_timeout(Duration::from_secs(10)).expect("an outcome within 10 s")
}

