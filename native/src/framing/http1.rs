//! Incremental HTTP/1.1 response framing: the head (status, headers), then the body by
//! content-length, chunked encoding or read-until-close. Bytes arrive in arbitrary pieces;
//! the parser hands the head and each piece of the body to its caller as soon as it is known.
//! It mirrors src/engine/http1.ts (ResponseParser) so both transports frame a response alike.

/// What the parser tells its caller, in order: one `Head`, then `Data` pieces.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Head(Head),
    Data(&'a [u8]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    /// content-type carries text/event-stream.
    pub event_stream: bool,
    /// The connection may carry another request after this response.
    pub keep_alive: bool,
}

/// A response that breaks the protocol; `code` keeps the names the JS transport uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    pub code: &'static str,
    pub message: String,
}

fn perr(code: &'static str, message: impl Into<String>) -> ProtocolError {
    ProtocolError { code, message: message.into() }
}

const MAX_HEAD: usize = 64 * 1024;
const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Head,
    Length,
    ChunkSize,
    ChunkData,
    ChunkCrlf,
    Trailers,
    Close,
    Done,
}

pub struct ResponseParser {
    mode: Mode,
    head: Vec<u8>,
    line: Vec<u8>,
    left: u64,
    status: u16,
    keep_alive: bool,
}

impl Default for ResponseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseParser {
    pub fn new() -> Self {
        ResponseParser { mode: Mode::Head, head: Vec::new(), line: Vec::new(), left: 0, status: 0, keep_alive: true }
    }

    /// The whole response has been read.
    pub fn done(&self) -> bool {
        self.mode == Mode::Done
    }

    /// The body ends when the server closes the connection.
    pub fn reads_until_close(&self) -> bool {
        self.mode == Mode::Close
    }

    /// The final (non-1xx) status, 0 before the head.
    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// Feeds bytes as they are read. Bytes after the end of the response are ignored (a
    /// server must not send them; the connection is then not reused, see `leftover`).
    pub fn push<'a>(&mut self, mut buf: &'a [u8], out: &mut dyn FnMut(Piece<'a>)) -> Result<usize, ProtocolError> {
        let total = buf.len();
        loop {
            if buf.is_empty() || self.mode == Mode::Done {
                break;
            }
            match self.mode {
                Mode::Head => {
                    // Look for the blank line in what was kept plus the new bytes.
                    let search_from = self.head.len().saturating_sub(3);
                    self.head.extend_from_slice(buf);
                    let Some(end) = find(&self.head[search_from..], b"\r\n\r\n").map(|i| i + search_from) else {
                        if self.head.len() > MAX_HEAD {
                            return Err(perr("HPE_HEADER_OVERFLOW", "response head over 64 KiB"));
                        }
                        buf = &[];
                        continue;
                    };
                    let consumed_new = end + 4 - (self.head.len() - buf.len());
                    let head = std::mem::take(&mut self.head);
                    // The head is told even when its body framing is bad (as the JS transport does).
                    let (h, bad) = self.parse_head(&head[..end])?;
                    if let Some(h) = h {
                        out(Piece::Head(h));
                    }
                    if let Some(e) = bad {
                        return Err(e);
                    }
                    buf = &buf[consumed_new..];
                }
                Mode::Length | Mode::ChunkData => {
                    let n = (self.left.min(buf.len() as u64)) as usize;
                    out(Piece::Data(&buf[..n]));
                    buf = &buf[n..];
                    self.left -= n as u64;
                    if self.left == 0 {
                        self.mode = if self.mode == Mode::Length { Mode::Done } else { Mode::ChunkCrlf };
                    }
                }
                Mode::Close => {
                    out(Piece::Data(buf));
                    buf = &[];
                }
                Mode::ChunkSize | Mode::ChunkCrlf | Mode::Trailers => {
                    let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
                        self.line.extend_from_slice(buf);
                        if self.line.len() > MAX_LINE {
                            return Err(perr("HPE_INVALID_CHUNK_SIZE", "chunk line over 4 KiB"));
                        }
                        buf = &[];
                        continue;
                    };
                    self.line.extend_from_slice(&buf[..nl]);
                    buf = &buf[nl + 1..];
                    if self.line.last() == Some(&b'\r') {
                        self.line.pop();
                    }
                    let line = std::mem::take(&mut self.line);
                    self.on_line(&line)?;
                }
                Mode::Done => unreachable!(),
            }
        }
        Ok(total - buf.len())
    }

    fn on_line(&mut self, line: &[u8]) -> Result<(), ProtocolError> {
        match self.mode {
            Mode::ChunkCrlf => {
                if !line.is_empty() {
                    return Err(perr("HPE_INVALID_CHUNK_SIZE", "chunk data not followed by CRLF"));
                }
                self.mode = Mode::ChunkSize;
            }
            Mode::ChunkSize => {
                let text = String::from_utf8_lossy(line);
                let size_part = text.split(';').next().unwrap_or("").trim();
                let size = parse_hex(size_part)
                    .ok_or_else(|| perr("HPE_INVALID_CHUNK_SIZE", format!("bad chunk size line \"{}\"", clip(&text, 40))))?;
                if size == 0 {
                    self.mode = Mode::Trailers;
                } else {
                    self.left = size;
                    self.mode = Mode::ChunkData;
                }
            }
            Mode::Trailers if line.is_empty() => self.mode = Mode::Done,
            _ => {}
        }
        Ok(())
    }

    fn parse_head(&mut self, head: &[u8]) -> Result<(Option<Head>, Option<ProtocolError>), ProtocolError> {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let first = lines.next().unwrap_or("");
        let fb = first.as_bytes();
        let ok = fb.len() >= 12
            && fb.starts_with(b"HTTP/1.")
            && (fb[7] == b'0' || fb[7] == b'1')
            && fb[8] == b' '
            && fb[9..12].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(perr("HPE_INVALID_CONSTANT", format!("not an HTTP/1.x status line: \"{}\"", clip(first, 60))));
        }
        let http11 = fb[7] == b'1';
        let status: u16 = first[9..12].parse().unwrap_or(0);
        let (mut connection, mut te, mut ctype) = (String::new(), String::new(), String::new());
        let mut content_length: Option<String> = None;
        for line in lines {
            let Some(c) = line.find(':') else { continue };
            if c == 0 {
                continue;
            }
            let name = line[..c].trim().to_ascii_lowercase();
            let value = line[c + 1..].trim();
            let join = |acc: &mut String| {
                if !acc.is_empty() {
                    acc.push_str(", ");
                }
                acc.push_str(value);
            };
            match name.as_str() {
                "connection" => join(&mut connection),
                "transfer-encoding" => join(&mut te),
                "content-type" => join(&mut ctype),
                "content-length" => match &mut content_length {
                    Some(v) => {
                        v.push_str(", ");
                        v.push_str(value);
                    }
                    None => content_length = Some(value.to_string()),
                },
                _ => {}
            }
        }
        if status < 200 {
            // 1xx: the real head follows.
            self.mode = Mode::Head;
            return Ok((None, None));
        }
        self.status = status;
        let conn = connection.to_ascii_lowercase();
        self.keep_alive = if http11 { !conn.contains("close") } else { conn.contains("keep-alive") };
        let event_stream = ctype.contains("text/event-stream");
        if status == 204 || status == 304 {
            self.mode = Mode::Done;
        } else if te.to_ascii_lowercase().contains("chunked") {
            self.mode = Mode::ChunkSize;
        } else if let Some(cl) = content_length {
            let Ok(n) = cl.trim().parse::<u64>() else {
                let head = Head { status, event_stream, keep_alive: self.keep_alive };
                return Ok((Some(head), Some(perr("HPE_INVALID_CONTENT_LENGTH", "bad content-length"))));
            };
            self.left = n;
            self.mode = if n == 0 { Mode::Done } else { Mode::Length };
        } else {
            self.mode = Mode::Close;
            self.keep_alive = false;
        }
        Ok((Some(Head { status, event_stream, keep_alive: self.keep_alive }), None))
    }
}

fn parse_hex(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

pub(crate) fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `parts` and returns (head, body, done) or the error.
    fn run(parts: &[&[u8]]) -> Result<(Option<Head>, Vec<u8>, bool), ProtocolError> {
        let mut p = ResponseParser::new();
        let mut head = None;
        let mut body = Vec::new();
        for part in parts {
            p.push(part, &mut |piece| match piece {
                Piece::Head(h) => head = Some(h),
                Piece::Data(d) => body.extend_from_slice(d),
            })?;
        }
        Ok((head, body, p.done()))
    }

    /// Every way of cutting `bytes` in two gives the same result as one piece.
    fn at_every_cut(bytes: &[u8]) -> (Option<Head>, Vec<u8>, bool) {
        let whole = run(&[bytes]).expect("parses whole");
        for i in 0..=bytes.len() {
            assert_eq!(run(&[&bytes[..i], &bytes[i..]]).expect("parses cut"), whole, "cut at {i}");
        }
        // One byte at a time.
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(run(&singles).unwrap(), whole);
        whole
    }

    #[test]
    fn content_length_body() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello";
        let (h, body, done) = at_every_cut(r);
        assert_eq!(h.unwrap(), Head { status: 200, event_stream: false, keep_alive: true });
        assert_eq!(body, b"hello");
        assert!(done);
    }

    #[test]
    fn chunked_body_with_extensions_and_trailers() {
        let r = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nB\r\n 0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
        let (h, body, done) = at_every_cut(r);
        assert!(h.unwrap().event_stream);
        assert_eq!(body, b"hello 0123456789");
        assert!(done);
    }

    #[test]
    fn chunk_size_in_upper_case_and_bare_lf() {
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1A\n0123456789abcdefghijklmnop\n0\n\n";
        let (_, body, done) = at_every_cut(r);
        assert_eq!(body.len(), 26);
        assert!(done);
    }

    #[test]
    fn read_until_close_is_not_keep_alive() {
        let r = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: x\n\n";
        let mut p = ResponseParser::new();
        let mut body = Vec::new();
        p.push(r, &mut |piece| if let Piece::Data(d) = piece { body.extend_from_slice(d) }).unwrap();
        assert!(p.reads_until_close());
        assert!(!p.keep_alive());
        assert_eq!(body, b"data: x\n\n");
    }

    #[test]
    fn informational_head_is_skipped() {
        let r = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok";
        let (h, body, done) = at_every_cut(r);
        assert_eq!(h.unwrap().status, 201);
        assert_eq!(body, b"ok");
        assert!(done);
    }

    #[test]
    fn connection_close_and_http10() {
        let (h, _, _) = run(&[b"HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n"]).unwrap();
        assert!(!h.unwrap().keep_alive);
        let (h, _, _) = run(&[b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n"]).unwrap();
        assert!(!h.unwrap().keep_alive);
        let (h, _, _) = run(&[b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 0\r\n\r\n"]).unwrap();
        assert!(h.unwrap().keep_alive);
    }

    #[test]
    fn no_body_statuses_end_at_the_head() {
        let (_, body, done) = run(&[b"HTTP/1.1 204 No Content\r\n\r\n"]).unwrap();
        assert!(body.is_empty() && done);
    }

    #[test]
    fn faults_are_protocol_errors() {
        let bad: &[(&[u8], &str)] = &[
            (b"SSH-2.0-OpenSSH\r\n\r\n", "HPE_INVALID_CONSTANT"),
            (b"HTTP/2 200\r\n\r\n", "HPE_INVALID_CONSTANT"),
            (b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", "HPE_INVALID_CONTENT_LENGTH"),
            (b"HTTP/1.1 200 OK\r\ncontent-length: 1x\r\n\r\n", "HPE_INVALID_CONTENT_LENGTH"),
            (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", "HPE_INVALID_CHUNK_SIZE"),
            (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n\r\n", "HPE_INVALID_CHUNK_SIZE"),
            (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabX\r\n", "HPE_INVALID_CHUNK_SIZE"),
        ];
        for (bytes, code) in bad {
            let err = run(&[bytes]).expect_err(&String::from_utf8_lossy(bytes));
            assert_eq!(err.code, *code, "{}", String::from_utf8_lossy(bytes));
        }
        let long = [b"HTTP/1.1 200 OK\r\nx: ".as_slice(), &vec![b'a'; MAX_HEAD + 10]].concat();
        assert_eq!(run(&[&long]).unwrap_err().code, "HPE_HEADER_OVERFLOW");
        let long_line = [b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".as_slice(), &vec![b'0'; MAX_LINE + 10]].concat();
        assert_eq!(run(&[&long_line]).unwrap_err().code, "HPE_INVALID_CHUNK_SIZE");
    }

    #[test]
    fn a_cut_response_is_not_done() {
        let r = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n";
        for i in 0..r.len() {
            let (_, _, done) = run(&[&r[..i]]).unwrap();
            assert!(!done, "cut at {i}");
        }
        let (_, _, done) = run(&[b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhello"]).unwrap();
        assert!(!done);
    }

    #[test]
    fn bytes_after_the_end_are_not_consumed() {
        let mut p = ResponseParser::new();
        let n = p.push(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA", &mut |_| {}).unwrap();
        assert!(p.done());
        assert_eq!(n, 40);
    }
}
