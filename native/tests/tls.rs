//! TLS through the I/O thread: a rustls server on 127.0.0.1 with a certificate made for the
//! test (rcgen) streams SSE; the core trusts it only through its CA file.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

mod common;

use common::*;
use k6lr_io::io::core::{Cmd, Job, Options};
use k6lr_io::io::sys::mono_ns;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

struct Server {
    origin: String,
    ca_file: String,
    accepted: Arc<AtomicUsize>,
}

/// A TLS server for "localhost" (and 127.0.0.1 unless `name` is "name") answering each request with `play`; its
/// certificate goes to a PEM file for the client to trust.
fn serve_tls(name: &str, play: fn(&mut rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>)) -> Server {
    let key = rcgen::KeyPair::generate().unwrap();
    let names = if name == "name" { vec!["localhost".to_string()] } else { vec!["localhost".to_string(), "127.0.0.1".to_string()] };
    let cert = rcgen::CertificateParams::new(names).unwrap().self_signed(&key).unwrap();
    let ca_file = std::env::temp_dir().join(format!("k6lr-tls-{name}-{}.pem", std::process::id()));
    std::fs::write(&ca_file, cert.pem()).unwrap();
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert.der().to_vec())], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())))
        .unwrap();
    let config = Arc::new(config);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("https://localhost:{}", l.local_addr().unwrap().port());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { return };
            // As a real server: each SSE write leaves at once (no Nagle merging of events).
            let _ = s.set_nodelay(true);
            count.fetch_add(1, Ordering::SeqCst);
            let config = config.clone();
            std::thread::spawn(move || {
                let mut t = rustls::StreamOwned::new(rustls::ServerConnection::new(config).unwrap(), s);
                while read_request(&mut t) {
                    play(&mut t);
                }
            });
        }
    });
    Server { origin, ca_file: ca_file.to_string_lossy().into_owned(), accepted }
}

fn tls_stream_reply(s: &mut rustls::StreamOwned<rustls::ServerConnection, std::net::TcpStream>) {
    stream_reply(s, 0);
}

/// A request with a body larger than a TLS record and the session's default buffer.
fn big_req(id: u32, origin: &str) -> Cmd {
    let host = origin.trim_start_matches("https://");
    let body = format!("{{\"prompt\":\"{}\"}}", "x".repeat(200_000));
    let bytes = format!("POST /v1/chat/completions HTTP/1.1\r\nhost: {host}\r\ncontent-length: {}\r\n\r\n{body}", body.len()).into_bytes();
    Cmd::Send(Job { id, origin: origin.to_string(), bytes, due_ns: mono_ns(), keep_events: false })
}

#[test]
fn streams_over_tls_with_stamped_events_and_reuses_the_connection() {
    let srv = serve_tls("stream", tls_stream_reply);
    let (core, rx) = start(Options { ca_file: Some(srv.ca_file.clone()), ..opts() });
    core.cmd(req(1, &srv.origin, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.id, a.status, a.streamed, a.error.as_str()), (1, 200, true, ""), "{}", a.error);
    assert_eq!(a.kinds, vec![1, 1, 1, 256, 128]);
    assert_eq!(a.data[0], LAST);
    // ~10 ms between tokens, by the stamps of the packets that completed their records.
    for w in a.times_ms.windows(2).take(2) {
        let gap = w[1] - w[0];
        assert!(gap > 5.0 && gap < 200.0, "gap {gap}");
    }
    assert!(a.connect_ms > 0.0, "TCP + TLS setup counted: {}", a.connect_ms);
    assert!(a.headers_ms >= 0.0 && a.headers_ms <= a.times_ms[0]);
    core.cmd(big_req(2, &srv.origin));
    let b = next(&rx);
    assert_eq!((b.status, b.error.as_str(), b.times_ms.len()), (200, "", 5));
    assert_eq!(srv.accepted.load(Ordering::SeqCst), 1, "the second request reused the TLS connection");
}

#[test]
fn reserved_tls_connections_are_ready_before_the_send() {
    let srv = serve_tls("reserve", tls_stream_reply);
    let (core, rx) = start(Options { ca_file: Some(srv.ca_file.clone()), ..opts() });
    core.cmd(Cmd::Reserve(srv.origin.clone(), 2));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(srv.accepted.load(Ordering::SeqCst), 2);
    core.cmd(req(1, &srv.origin, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.status, a.connect_ms), (200, 0.0), "{}", a.error);
}

#[test]
fn an_untrusted_certificate_is_tls() {
    let srv = serve_tls("untrusted", tls_stream_reply);
    let (core, rx) = start(opts());
    core.cmd(req(1, &srv.origin, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.status, a.error_kind.as_str()), (0, "tls"), "{}", a.error);
    assert!(a.error.starts_with("ERR_TLS_CERT"), "{}", a.error);
}

#[test]
fn a_name_the_certificate_lacks_is_tls() {
    let srv = serve_tls("name", tls_stream_reply);
    let (core, rx) = start(Options { ca_file: Some(srv.ca_file.clone()), ..opts() });
    let by_ip = srv.origin.replace("localhost", "127.0.0.1");
    core.cmd(req(1, &by_ip, mono_ns()));
    let a = next(&rx);
    assert_eq!((a.status, a.error_kind.as_str()), (0, "tls"), "{}", a.error);
    core.cmd(req(2, &srv.origin, mono_ns()));
    assert_eq!(next(&rx).status, 200, "the name it does carry is trusted");
}

#[test]
fn a_missing_ca_file_is_tls_with_its_path() {
    let srv = serve_tls("cafile", tls_stream_reply);
    let (core, rx) = start(Options { ca_file: Some("/nonexistent/ca.pem".into()), ..opts() });
    core.cmd(req(1, &srv.origin, mono_ns()));
    let a = next(&rx);
    assert_eq!(a.error_kind, "tls");
    assert!(a.error.contains("/nonexistent/ca.pem"), "{}", a.error);
}

#[test]
fn plain_http_to_a_tls_port_is_not_a_success() {
    let srv = serve_tls("plain", tls_stream_reply);
    let (core, rx) = start(opts());
    let plain = srv.origin.trim_start_matches("https://").to_string();
    core.cmd(req(1, &plain, mono_ns()));
    let a = next(&rx);
    assert_ne!(a.status, 200);
}
