//! TLS client sessions (rustls, ring provider) for https origins. The I/O thread drives each
//! session itself: ciphertext goes through the same stamped reads and plain writes as plain
//! TCP, so a TLS connection keeps the kernel receive time of the packet that completed each
//! TLS record. Certificates are checked against the system roots (/etc/ssl/certs through
//! rustls-native-certs) plus an extra CA file, as Node's NODE_EXTRA_CA_CERTS.

use std::io;
use std::os::fd::RawFd;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use super::sys;

/// The client settings every TLS connection of a transport shares.
pub fn client_config(ca_file: Option<&str>) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    // Unreadable system certificates are skipped (as OpenSSL does); an empty store only
    // means every server fails verification, which each request then says.
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = ca_file.filter(|p| !p.is_empty()) {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<_, _>>())
            .map_err(|e| format!("ERR_TLS_CA_FILE cannot read the CA file {path}: {e}"))?;
        if certs.is_empty() {
            return Err(format!("ERR_TLS_CA_FILE no PEM certificate in the CA file {path}"));
        }
        for c in certs {
            roots.add(c).map_err(|e| format!("ERR_TLS_CA_FILE a certificate in {path} is not usable: {e}"))?;
        }
    }
    // ring (a C compiler is all it needs to build); its suites are the classical ones.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("ERR_TLS_CONFIG {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // As the JS transport: HTTP/1.1 offered through ALPN.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The name the server's certificate must carry (and the SNI sent), from an origin's host.
pub fn server_name(host: &str) -> Result<ServerName<'static>, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_string()).map_err(|e| format!("ERR_TLS_SERVERNAME {host}: {e}"))
}

pub fn session(config: &Arc<ClientConfig>, name: &ServerName<'static>) -> Result<ClientConnection, String> {
    ClientConnection::new(config.clone(), name.clone()).map_err(|e| format!("ERR_TLS_SESSION {e}"))
}

/// A TLS failure as the JS transport's messages give it (code first, kind `tls`).
pub fn failure(e: &rustls::Error) -> (&'static str, String) {
    let code = match e {
        rustls::Error::InvalidCertificate(_) => "ERR_TLS_CERT",
        rustls::Error::AlertReceived(_) => "ERR_TLS_ALERT",
        _ => "ERR_TLS",
    };
    ("tls", format!("{code} {e}"))
}

/// Where the first complete TLS record in `b` ends (its 5-byte header says its length).
pub fn record_end(b: &[u8]) -> Option<usize> {
    if b.len() < 5 {
        return None;
    }
    let end = 5 + u16::from_be_bytes([b[3], b[4]]) as usize;
    (end <= b.len()).then_some(end)
}

/// Writes the session's pending ciphertext; Ok(false) when the socket would block first.
pub fn flush(tls: &mut ClientConnection, fd: RawFd) -> io::Result<bool> {
    while tls.wants_write() {
        match tls.write_tls(&mut FdWriter(fd)) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

struct FdWriter(RawFd);

impl io::Write for FdWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        sys::send(self.0, b)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
