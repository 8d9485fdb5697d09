//! Incremental Server-Sent Events decoding, as src/engine/sse.ts does it: bytes arrive in
//! arbitrary pieces, events end at a blank line, and each event keeps the receive time of the
//! piece that completed it. Only `data:` fields matter; comments (":") and the other standard
//! fields are skipped, lines that are no field at all are kept as invalid.

pub trait SseSink {
    fn event(&mut self, time: i64, data: String);
    fn invalid(&mut self, line: String);
}

#[derive(Default)]
pub struct SseDecoder {
    /// Bytes of the line not yet ended by '\n'.
    carry: Vec<u8>,
    data: Vec<String>,
    started: bool,
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one piece of the body, read at `time`.
    pub fn push(&mut self, mut piece: &[u8], time: i64, sink: &mut dyn SseSink) {
        if !self.started {
            // A UTF-8 decoder drops a byte-order mark at the start (TextDecoder does too).
            let have = self.carry.len() + piece.len();
            if have < BOM.len() && BOM.starts_with(&[self.carry.as_slice(), piece].concat()) {
                self.carry.extend_from_slice(piece);
                return;
            }
            self.started = true;
            if !self.carry.is_empty() {
                let mut joined = std::mem::take(&mut self.carry);
                joined.extend_from_slice(piece);
                let rest = joined.strip_prefix(BOM).unwrap_or(&joined).to_vec();
                return self.push_started(&rest, time, sink);
            }
            piece = piece.strip_prefix(BOM).unwrap_or(piece);
        }
        self.push_started(piece, time, sink);
    }

    fn push_started(&mut self, piece: &[u8], time: i64, sink: &mut dyn SseSink) {
        let mut start = 0;
        while let Some(nl) = piece[start..].iter().position(|&b| b == b'\n') {
            let end = start + nl;
            if self.carry.is_empty() {
                self.line(&piece[start..end], time, sink);
            } else {
                let mut line = std::mem::take(&mut self.carry);
                line.extend_from_slice(&piece[start..end]);
                self.line(&line, time, sink);
            }
            start = end + 1;
        }
        self.carry.extend_from_slice(&piece[start..]);
    }

    /// Data of an event cut by the end of the stream ("" when the stream ended cleanly).
    pub fn tail(&self) -> String {
        let pending = self.data.join("\n");
        let carry = String::from_utf8_lossy(&self.carry);
        let rest = match carry.strip_prefix("data:") {
            Some(r) => r.trim_start().to_string(),
            None => carry.into_owned(),
        };
        let sep = if !pending.is_empty() && !rest.is_empty() { "\n" } else { "" };
        format!("{pending}{sep}{rest}")
    }

    fn line(&mut self, raw: &[u8], time: i64, sink: &mut dyn SseSink) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            if !self.data.is_empty() {
                let data = if self.data.len() == 1 { self.data.pop().unwrap() } else { std::mem::take(&mut self.data).join("\n") };
                self.data.clear();
                sink.event(time, data);
            }
            return;
        }
        if raw[0] == b':' {
            return;
        }
        let colon = raw.iter().position(|&b| b == b':');
        let field = &raw[..colon.unwrap_or(raw.len())];
        if field == b"data" {
            let c = colon.unwrap_or(raw.len());
            let mut value = raw.get(c + 1..).unwrap_or(&[]);
            if value.first() == Some(&b' ') {
                value = &value[1..];
            }
            self.data.push(String::from_utf8_lossy(value).into_owned());
        } else if field != b"event" && field != b"id" && field != b"retry" {
            sink.invalid(String::from_utf8_lossy(raw).into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug, PartialEq)]
    struct Got {
        events: Vec<(i64, String)>,
        invalid: Vec<String>,
    }
    impl SseSink for Got {
        fn event(&mut self, time: i64, data: String) {
            self.events.push((time, data));
        }
        fn invalid(&mut self, line: String) {
            self.invalid.push(line);
        }
    }

    fn decode(parts: &[&[u8]]) -> (Got, String) {
        let mut d = SseDecoder::new();
        let mut g = Got::default();
        for (i, p) in parts.iter().enumerate() {
            d.push(p, i as i64, &mut g);
        }
        let tail = d.tail();
        (g, tail)
    }

    const STREAM: &[u8] = "\u{feff}: ping\r\nevent: x\nid: 1\ndata: {\"a\":\"é\"}\r\n\r\ndata:two\ndata: lines\n\nbogus line\nretry: 5\n\ndata: [DONE]\n\n".as_bytes();

    #[test]
    fn events_comments_fields_and_invalid_lines() {
        let (g, tail) = decode(&[STREAM]);
        let data: Vec<&str> = g.events.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(data, ["{\"a\":\"é\"}", "two\nlines", "[DONE]"]);
        assert_eq!(g.invalid, ["bogus line"]);
        assert_eq!(tail, "");
    }

    #[test]
    fn same_events_at_every_cut_and_each_stamped_when_completed() {
        let (whole, _) = decode(&[STREAM]);
        for i in 0..=STREAM.len() {
            let (g, tail) = decode(&[&STREAM[..i], &STREAM[i..]]);
            let data: Vec<&String> = g.events.iter().map(|e| &e.1).collect();
            let want: Vec<&String> = whole.events.iter().map(|e| &e.1).collect();
            assert_eq!(data, want, "cut at {i}");
            assert_eq!(g.invalid, whole.invalid);
            assert_eq!(tail, "");
            // An event completed by the second piece carries its time.
            let ends: Vec<usize> = [b"\r\n\r\n".as_slice(), b"lines\n\n", b"[DONE]\n\n"].iter().map(|n| crate::framing::http1::find(STREAM, n).unwrap() + n.len()).collect();
            for (k, e) in g.events.iter().enumerate() {
                assert_eq!(e.0, if ends[k] <= i { 0 } else { 1 }, "event {k} cut at {i}");
            }
        }
        let singles: Vec<&[u8]> = STREAM.chunks(1).collect();
        assert_eq!(decode(&singles).0.events.iter().map(|e| &e.1).collect::<Vec<_>>(), whole.events.iter().map(|e| &e.1).collect::<Vec<_>>());
    }

    #[test]
    fn a_cut_event_is_the_tail() {
        assert_eq!(decode(&[b"data: {\"a\":1}\n\ndata: {\"b\""]).1, "{\"b\"");
        assert_eq!(decode(&[b"data: one\ndata: tw"]).1, "one\ntw");
        assert_eq!(decode(&[b"data: one\n"]).1, "one");
    }
}
