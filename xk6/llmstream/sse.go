package llmstream

import (
	"bytes"
	"strings"
)

// maxInvalid caps Result.Invalid so a server spewing garbage cannot eat memory.
const maxInvalid = 100

// sseParser implements the WHATWG event-stream framing rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
//
// It is fed raw chunks as they come off the socket, together with the time the chunk
// was read, rather than driven by a line reader: a bufio ReadSlice('\n') would sit on a
// CR-terminated line until the next '\n' arrived and so delay (mis-time) the event.
// Every event dispatched from a chunk gets that chunk's read time.
type sseParser struct {
	res *Result

	line    []byte // bytes of a line not yet terminated (spans chunks)
	skipLF  bool   // the previous chunk ended in '\r': a leading '\n' completes that CRLF
	data    strings.Builder
	hasData bool // a data: field was seen (even an empty one)
	name    string
}

func newSSEParser(res *Result) *sseParser {
	return &sseParser{res: res}
}

// feed parses one chunk read at atMs (ms since the request start).
func (p *sseParser) feed(chunk []byte, atMs float64) {
	if p.skipLF && len(chunk) > 0 {
		p.skipLF = false
		if chunk[0] == '\n' {
			chunk = chunk[1:]
		}
	}
	for len(chunk) > 0 {
		i := bytes.IndexAny(chunk, "\r\n")
		if i < 0 {
			p.line = append(p.line, chunk...)
			return
		}
		var line []byte
		if len(p.line) > 0 {
			p.line = append(p.line, chunk[:i]...)
			line = p.line
		} else {
			line = chunk[:i]
		}
		// Skip the '\n' of a CRLF; if the '\r' is the last byte, the '\n' may start the next chunk.
		next := i + 1
		if chunk[i] == '\r' {
			if next < len(chunk) {
				if chunk[next] == '\n' {
					next++
				}
			} else {
				p.skipLF = true
			}
		}
		p.processLine(line, atMs)
		p.line = p.line[:0]
		chunk = chunk[next:]
	}
}

// finish handles the end of the body: an unterminated last line still counts as a
// field line, and an event left without its blank line becomes Result.Tail.
func (p *sseParser) finish() {
	if len(p.line) > 0 {
		p.processLine(p.line, -1)
		p.line = p.line[:0]
	}
	if p.hasData {
		p.res.Tail = p.data.String()
	}
}

func (p *sseParser) processLine(line []byte, atMs float64) {
	if len(line) == 0 {
		if atMs >= 0 {
			p.dispatch(atMs)
		}
		return
	}
	if line[0] == ':' {
		return // comment (keep-alive pings and the like)
	}
	field, value := line, []byte(nil)
	if c := bytes.IndexByte(line, ':'); c >= 0 {
		field, value = line[:c], line[c+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(field) { // no allocation: the compiler optimises string(b) in a switch
	case "data":
		if p.hasData {
			p.data.WriteByte('\n')
		}
		p.data.Write(value)
		p.hasData = true
	case "event":
		p.name = string(value)
	case "id", "retry":
		// Valid fields the result does not expose.
	default:
		// WHATWG ignores unknown fields; we report them, since an OpenAI-compatible
		// server never sends any and such lines are mostly garbage (e.g. bare JSON).
		if len(p.res.Invalid) < maxInvalid {
			p.res.Invalid = append(p.res.Invalid, string(line))
		}
	}
}

func (p *sseParser) dispatch(atMs float64) {
	if !p.hasData && p.name == "" {
		return
	}
	p.res.Times = append(p.res.Times, atMs)
	p.res.Data = append(p.res.Data, p.data.String())
	p.res.Names = append(p.res.Names, p.name)
	p.data.Reset()
	p.hasData = false
	p.name = ""
}
