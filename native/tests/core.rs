//! The I/O thread against real sockets: a small server on 127.0.0.1 plays each case.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::Duration;

mod common;

use common::*;
use k6lr_io::io::core::{Cmd, Core, Options, Outcome};
use k6lr_io::io::sys::mono_ns;

/// A server that answers each connection's requests with `play`.
fn serve(play: fn(&mut TcpStream, usize)) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = l.local_addr().unwrap().to_string();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let n = count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::spawn(move || {
                while read_request(&mut s) {
                    play(&mut s, n);
                }
            });
        }
    });
    (origin, accepted)
}

#[test]
fn streams_with_kernel_stamped_events_and_reuses_the_connection() {
    let (origin, accepted) = serve(stream_reply);
    let (core, rx) = start(opts());
    core.cmd(req(1, &origin, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.id, a.status, a.streamed, a.error.as_str()), (1, 200, true, ""));
    assert_eq!(a.kinds, vec![1, 1, 1, 256, 128], "tokens, the last chunk for the JS parser, [DONE]");
    assert_eq!(a.kept, vec![3], "token text and [DONE] stay in the core");
    assert_eq!(a.data[0], LAST);
    // ~10 ms between tokens, by the kernel's stamps.
    for w in a.times_ms.windows(2).take(2) {
        let gap = w[1] - w[0];
        assert!(gap > 5.0 && gap < 200.0, "gap {gap}");
    }
    assert!(a.headers_ms >= 0.0 && a.headers_ms <= a.times_ms[0]);
    assert!(a.end_ms >= *a.times_ms.last().unwrap());
    core.cmd(req(2, &origin, mono_ns()));
    let b = next(&rx);
    assert_eq!(b.status, 200);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1, "the second request reused the connection");
}

/// A core with `n` connections to a streaming server already open (the sends time only themselves).
fn core_with_open(n: u32) -> (String, Core, std::sync::mpsc::Receiver<Outcome>) {
    let (origin, _) = serve(stream_reply);
    let (core, rx) = start(opts());
    core.cmd(Cmd::Reserve(origin.clone(), n));
    std::thread::sleep(Duration::from_millis(50));
    (origin, core, rx)
}

/// Never early; late by far less than the 20+ ms each request is handed over ahead (a loaded
/// machine may deschedule the thread: the bench measures the real figure).
fn assert_sent_at(o: &Outcome, due: i64) {
    let lag_us = (o.start_ns - due) as f64 / 1e3;
    assert!((0.0..15_000.0).contains(&lag_us), "request {} sent {lag_us} us after its instant", o.id);
}

#[test]
fn sends_at_the_due_instant() {
    let (origin, core, rx) = core_with_open(1);
    let due = mono_ns() + 30_000_000;
    core.cmd(req(1, &origin, due));
    let a = next(&rx);
    assert_sent_at(&a, due);
    assert_eq!(a.connect_ms, 0.0);
}

#[test]
fn requests_handed_over_while_the_thread_sleeps_go_at_their_instants() {
    // The thread sleeps until the first send; an earlier one wakes it, the last (later than
    // its sleep) is handed over without waking it and must be picked up at that wake-up. Each
    // still goes at its instant.
    let (origin, core, rx) = core_with_open(3);
    let now = mono_ns();
    let dues = [now + 80_000_000, now + 40_000_000, now + 160_000_000];
    for (i, due) in dues.iter().enumerate() {
        core.cmd(req(i as u32 + 1, &origin, *due));
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut got: Vec<_> = (0..3).map(|_| next(&rx)).collect();
    got.sort_by_key(|o| o.id);
    for (o, due) in got.iter().zip(dues) {
        assert_eq!(o.status, 200, "request {}", o.id);
        assert_sent_at(o, due);
    }
}

/// One response per connection, then the server closes it.
fn close_after_reply(s: &mut TcpStream, _: usize) {
    std::thread::sleep(Duration::from_millis(20));
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
    let _ = s.shutdown(std::net::Shutdown::Both);
}

#[test]
fn a_burst_beyond_the_connect_limit_is_served_as_connections_come_and_go() {
    // 200 requests at one instant, each connection closed after its response: at most 64 are
    // set up at a time, and the requests still waiting get the next ones.
    let (origin, accepted) = serve(close_after_reply);
    let (core, rx) = start(opts());
    let due = mono_ns() + 20_000_000;
    for id in 1..=200 {
        core.cmd(req(id, &origin, due));
    }
    let got: Vec<_> = (0..200).map(|_| next(&rx)).collect();
    assert!(got.iter().all(|o| o.status == 200 && o.error.is_empty()), "{:?}", got.iter().find(|o| o.status != 200));
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 200, "a connection per request");
    assert!(got.iter().any(|o| o.connect_ms > 0.0), "requests waited for connections set up for them");
}

#[test]
fn refused_connection_is_connect() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = l.local_addr().unwrap().to_string();
    drop(l);
    let (core, rx) = start(opts());
    core.cmd(req(7, &origin, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.id, a.status, a.error_kind.as_str()), (7, 0, "connect"));
    assert!(a.error.contains("ECONNREFUSED"), "{}", a.error);
}

fn cut_reply(s: &mut TcpStream, _: usize) {
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
    chunk(s, &format!("data: {TOKEN}\n\n"));
    let _ = s.shutdown(std::net::Shutdown::Both);
}

fn reset_reply(s: &mut TcpStream, _: usize) {
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
    chunk(s, &format!("data: {TOKEN}\n\n"));
    std::thread::sleep(Duration::from_millis(20));
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    unsafe { libc::setsockopt(s.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, &linger as *const _ as *const libc::c_void, 8) };
    let _ = s.shutdown(std::net::Shutdown::Read);
    unsafe { libc::close(libc::dup(s.as_raw_fd())) };
}

fn silent_reply(_: &mut TcpStream, _: usize) {
    std::thread::sleep(Duration::from_millis(1500));
}

fn garbage_reply(s: &mut TcpStream, _: usize) {
    let _ = s.write_all(b"SSH-2.0-OpenSSH\r\n\r\n");
}

#[test]
fn faults_give_the_js_transports_kinds() {
    let (core, rx) = start(Options { first_byte_ms: 300.0, ..opts() });
    let (cut, _) = serve(cut_reply);
    core.cmd(req(1, &cut, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.status, a.error_kind.as_str(), a.times_ms.len()), (200, "eof", 1));
    let (garbage, _) = serve(garbage_reply);
    core.cmd(req(2, &garbage, mono_ns()));
    assert_eq!(next(&rx).error_kind, "protocol");
    let (silent, _) = serve(silent_reply);
    core.cmd(req(3, &silent, mono_ns()));
    let t = next(&rx);
    assert_eq!((t.status, t.error_kind.as_str()), (0, "timeout"));
    assert!(t.end_ms >= 300.0 && t.end_ms < 1400.0, "timed out after {} ms", t.end_ms);
}

#[test]
fn reset_is_reset() {
    let (core, rx) = start(opts());
    let (origin, _) = serve(reset_reply);
    core.cmd(req(1, &origin, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.status, a.error_kind.as_str()), (200, "reset"), "{}", a.error);
}

#[test]
fn abort_ends_scheduled_and_in_flight_requests() {
    let (origin, _) = serve(silent_reply);
    let (core, rx) = start(opts());
    core.cmd(req(1, &origin, mono_ns()));
    core.cmd(req(2, &origin, mono_ns() + 60_000_000_000));
    std::thread::sleep(Duration::from_millis(100));
    core.cmd(Cmd::AbortAll);
    let mut ids: Vec<(u32, String)> = (0..2).map(|_| next(&rx)).map(|x| (x.id, x.error_kind)).collect();
    ids.sort();
    assert_eq!(ids, vec![(1, "aborted".to_string()), (2, "aborted".to_string())]);
}
