package llmstream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of Request.
const (
	DefaultMaxBodyBytes = 64 << 10
	readBufSize         = 32 << 10
)

// Request is one exchange. Headers are set exactly as given (canonicalised by net/http).
type Request struct {
	Method       string
	URL          string
	Body         string
	Headers      map[string]string
	Timeout      time.Duration // whole exchange including the stream; 0 = none
	NoReuse      bool          // use a fresh connection and close it afterwards
	MaxBodyBytes int           // cap for Result.Body; <= 0 means DefaultMaxBodyBytes
	UserAgent    string        // used when Headers has no User-Agent
	Classify     bool          // set Result.Kinds: classify each event as an OpenAI-compatible chunk
}

// Result is what post() returns to JS (see llmstream.d.ts). Durations are float ms.
type Result struct {
	Status      int
	StartUnixMs float64
	ConnectMs   float64
	Reused      bool
	HeadersMs   float64
	FirstByteMs float64
	Times       []float64
	Data        []string
	Names       []string
	Invalid     []string
	Tail        string
	EndMs       float64
	Bytes       int64
	Body        string
	ContentType string
	Error       string
	ErrorKind   string
	Kinds       []int // per event, Chunk* flags (only with Request.Classify)
}

// Error kinds, as in Result.ErrorKind.
const (
	KindConnect  = "connect"
	KindTimeout  = "timeout"
	KindReset    = "reset"
	KindEOF      = "eof"
	KindAborted  = "aborted"
	KindTLS      = "tls"
	KindProtocol = "protocol"
	KindOther    = "other"
)

// DialFunc matches lib.DialContexter.DialContext (k6's dialer) and net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Client holds the connection pools of one VU (or one test).
type Client struct {
	pooled *http.Transport // keep-alive pool, reused across requests
	fresh  *http.Transport // keep-alives off: every request dials and then closes
}

// NewClient builds HTTP/1.1-only transports on dial and a clone of tlsConf (may be nil).
func NewClient(dial DialFunc, tlsConf *tls.Config) *Client {
	if tlsConf == nil {
		tlsConf = &tls.Config{} //nolint:gosec // defaults, as k6 without options
	} else {
		tlsConf = tlsConf.Clone()
	}
	tlsConf.NextProtos = []string{"http/1.1"}
	mk := func(keepAlive bool) *http.Transport {
		return &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dial,
			TLSClientConfig:     tlsConf,
			TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // no HTTP/2
			DisableCompression:  true,                                                   // report wire bytes, never gunzip behind the caller's back
			DisableKeepAlives:   !keepAlive,
			MaxIdleConnsPerHost: 1024, // one per concurrent stream; the default 2 would redial
			IdleConnTimeout:     90 * time.Second,
		}
	}
	return &Client{pooled: mk(true), fresh: mk(false)}
}

// CloseIdle drops pooled connections.
func (c *Client) CloseIdle() { c.pooled.CloseIdleConnections() }

// ms converts a duration to float ms.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// msSince is the monotonic duration since t in float ms.
func msSince(t time.Time) float64 { return ms(time.Since(t)) }

// unixMs is t as ms since the Unix epoch with µs resolution.
func unixMs(t time.Time) float64 { return float64(t.UnixMicro()) / 1000 }

// traceTimes collects httptrace hooks; firstByte is set on the transport's read goroutine.
type traceTimes struct {
	mu        sync.Mutex
	getConn   time.Time
	gotConn   time.Time
	reused    bool
	firstByte time.Time
}

// Do runs the exchange (no redirects are followed). It never returns an error: failures
// are described in the Result.
// ctx is the VU context: its cancellation means the test is ending ("aborted").
func (c *Client) Do(ctx context.Context, r Request) *Result {
	res := &Result{HeadersMs: -1, FirstByteMs: -1, Times: []float64{}, Data: []string{}, Names: []string{}, Invalid: []string{}}
	callTime := time.Now()

	reqCtx, cancel := ctx, context.CancelFunc(func() {})
	if r.Timeout > 0 {
		reqCtx, cancel = context.WithTimeout(ctx, r.Timeout)
	}
	defer cancel()

	tt := &traceTimes{}
	reqCtx = httptrace.WithClientTrace(reqCtx, &httptrace.ClientTrace{
		GetConn: func(string) { tt.mu.Lock(); tt.getConn = time.Now(); tt.mu.Unlock() },
		// The request is written right after this: it is the start of the clock, so
		// connection setup is reported in ConnectMs and never lands inside TTFT.
		GotConn: func(info httptrace.GotConnInfo) {
			tt.mu.Lock()
			tt.gotConn, tt.reused = time.Now(), info.Reused
			tt.mu.Unlock()
		},
		GotFirstResponseByte: func() { tt.mu.Lock(); tt.firstByte = time.Now(); tt.mu.Unlock() },
	})
	// start is read lazily: GotConn may fire again if the transport retries on a new conn.
	start := func() (time.Time, bool) {
		tt.mu.Lock()
		defer tt.mu.Unlock()
		if tt.gotConn.IsZero() {
			return callTime, false
		}
		return tt.gotConn, true
	}
	fail := func(err error) *Result {
		s, connected := start()
		res.StartUnixMs = unixMs(s)
		res.EndMs = msSince(s)
		res.Error = err.Error()
		res.ErrorKind = classify(ctx, reqCtx, err, connected)
		return res
	}

	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body) // sets GetBody, so a stale pooled conn is retried safely
	}
	req, err := http.NewRequestWithContext(reqCtx, method, r.URL, body)
	if err != nil {
		res.ErrorKind = KindOther
		res.Error = err.Error()
		res.StartUnixMs = unixMs(callTime)
		return res
	}
	if r.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "text/event-stream")
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}

	transport := c.pooled
	if r.NoReuse {
		transport = c.fresh
	}
	resp, err := transport.RoundTrip(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close() //nolint:errcheck // read errors are reported instead

	s, _ := start()
	tt.mu.Lock()
	res.Reused = tt.reused
	if !tt.reused && !tt.getConn.IsZero() {
		res.ConnectMs = ms(tt.gotConn.Sub(tt.getConn))
	}
	if !tt.firstByte.IsZero() {
		res.FirstByteMs = ms(tt.firstByte.Sub(s))
	}
	tt.mu.Unlock()
	res.StartUnixMs = unixMs(s)
	res.HeadersMs = msSince(s)
	res.Status = resp.StatusCode
	res.ContentType = resp.Header.Get("Content-Type")

	err = readBody(resp.Body, res, s, r.MaxBodyBytes)
	res.EndMs = msSince(s)
	if err != nil {
		res.Error = err.Error()
		res.ErrorKind = classify(ctx, reqCtx, err, true)
	}
	return res
}

// readBody reads the whole body: as an event stream when the server says so, otherwise
// into Result.Body (capped; the rest is counted and discarded so the connection can be reused).
func readBody(body io.Reader, res *Result, start time.Time, maxBody int) error {
	mt, _, _ := mime.ParseMediaType(res.ContentType)
	sse := strings.EqualFold(mt, "text/event-stream")
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	var p *sseParser
	var kept []byte
	if sse {
		p = newSSEParser(res)
	}
	buf := make([]byte, readBufSize)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			res.Bytes += int64(n)
			if sse {
				p.feed(buf[:n], msSince(start))
			} else if len(kept) < maxBody {
				kept = append(kept, buf[:min(n, maxBody-len(kept))]...)
			}
		}
		if err != nil {
			if sse {
				p.finish()
			} else {
				res.Body = string(kept)
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// classify maps an error to a Result.ErrorKind. Context state is checked first because
// net/http reports cancellation in many shapes ("request canceled", "use of closed conn", ...).
func classify(vuCtx, reqCtx context.Context, err error, connected bool) string {
	switch {
	case vuCtx.Err() != nil:
		return KindAborted
	case reqCtx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return KindTimeout
	case isTLS(err):
		return KindTLS
	case !connected:
		// Nothing was written: DNS, blocked host, refused, unreachable...
		return KindConnect
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED):
		return KindReset
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return KindEOF
	case isProtocol(err):
		return KindProtocol
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return KindConnect
	}
	return KindOther
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLS(err error) bool {
	var (
		rh   tls.RecordHeaderError
		al   tls.AlertError
		cv   *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		hn   x509.HostnameError
		ci   x509.CertificateInvalidError
		echo *tls.ECHRejectionError
	)
	return errors.As(err, &rh) || errors.As(err, &al) || errors.As(err, &cv) || errors.As(err, &ua) ||
		errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &echo) ||
		strings.Contains(err.Error(), "tls: ")
}

func isProtocol(err error) bool {
	var pe textproto.ProtocolError
	if errors.As(err, &pe) {
		return true
	}
	// net/http's parse errors are unexported string types: match their wording.
	msg := err.Error()
	for _, s := range []string{"malformed", "invalid", "bad ", "unsupported transfer encoding"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
