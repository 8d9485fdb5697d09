package llmstream

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newTestClient() *Client { return NewClient((&net.Dialer{}).DialContext, nil) }

// sseHandler writes n events, sleeping gap before each, flushing every event.
func sseHandler(n int, gap time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for i := range n {
			time.Sleep(gap)
			fmt.Fprintf(w, "data: {\"i\":%d}\n\n", i)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}
}

func TestStreamTiming(t *testing.T) {
	t.Parallel()
	const gap = 50 * time.Millisecond
	srv := httptest.NewServer(sseHandler(6, gap))
	defer srv.Close()

	before := NowUnixMs()
	r := newTestClient().Do(context.Background(), Request{URL: srv.URL, Body: `{}`})
	if r.Error != "" || r.Status != 200 || len(r.Times) != 7 || r.Data[6] != "[DONE]" || r.Tail != "" {
		t.Fatalf("bad result: %+v", r)
	}
	if r.StartUnixMs < before || r.StartUnixMs > NowUnixMs() {
		t.Errorf("startUnixMs %.3f not within the call (%.3f..)", r.StartUnixMs, before)
	}
	if !(r.HeadersMs >= 0 && r.FirstByteMs >= 0 && r.FirstByteMs <= r.HeadersMs && r.HeadersMs <= r.Times[0] && r.Times[6] <= r.EndMs) {
		t.Errorf("order broken: firstByte %.3f headers %.3f first event %.3f end %.3f", r.FirstByteMs, r.HeadersMs, r.Times[0], r.EndMs)
	}
	// Gaps between events should match the server's sleeps. The machine is shared: be loose
	// per gap, tighter on the mean.
	var sum float64
	for i := 1; i < 6; i++ {
		g := r.Times[i] - r.Times[i-1]
		if g < 0 {
			t.Fatalf("times not monotonic: %v", r.Times)
		}
		if g < 0.8*50 || g > 3*50 {
			t.Errorf("gap %d = %.2f ms, want ~50", i, g)
		}
		sum += g
	}
	if mean := sum / 5; mean < 48 || mean > 65 {
		t.Errorf("mean gap %.2f ms, want ~50 (times %v)", mean, r.Times)
	}
	if first := r.Times[0] - r.HeadersMs; first < 40 || first > 150 {
		t.Errorf("first event %.2f ms after headers, want ~50", first)
	}
	if r.Bytes <= 0 {
		t.Errorf("bytes = %d", r.Bytes)
	}
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	bodies := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- string(b)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	r := newTestClient().Do(context.Background(), Request{
		URL: srv.URL, Body: `{"x":1}`, UserAgent: "k6-test",
		Headers: map[string]string{"Authorization": "Bearer k", "accept": "application/json", "Host": "example.test"},
	})
	req := <-got
	if req.Method != "POST" || req.Header.Get("Content-Type") != "application/json" || req.Header.Get("Accept") != "application/json" ||
		req.Header.Get("Authorization") != "Bearer k" || req.UserAgent() != "k6-test" || req.Host != "example.test" || req.Proto != "HTTP/1.1" {
		t.Errorf("request: %s %s %v host=%s", req.Method, req.Proto, req.Header, req.Host)
	}
	if b := <-bodies; b != `{"x":1}` {
		t.Errorf("body sent %q", b)
	}
	// A non-SSE response is a body, never events.
	if r.Body != `{"ok":true}` || len(r.Times) != 0 || r.ContentType != "application/json" || r.Error != "" {
		t.Errorf("result %+v", r)
	}

	r = newTestClient().Do(context.Background(), Request{Method: "GET", URL: srv.URL})
	if req := <-got; req.Method != "GET" || req.Header.Get("Content-Type") != "" || req.Header.Get("Accept") != "text/event-stream" {
		t.Errorf("GET request: %v", req.Header)
	}
	<-bodies
	if r.Status != 200 {
		t.Errorf("GET result %+v", r)
	}
}

func TestNonSSEBodyCap(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 100_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, big)
	}))
	defer srv.Close()
	c := newTestClient()
	r := c.Do(context.Background(), Request{URL: srv.URL, Body: "{}"})
	if len(r.Body) != DefaultMaxBodyBytes || r.Bytes != 100_000 || r.Error != "" {
		t.Errorf("default cap: body %d bytes %d err %q", len(r.Body), r.Bytes, r.Error)
	}
	r = c.Do(context.Background(), Request{URL: srv.URL, Body: "{}", MaxBodyBytes: 10})
	if r.Body != "xxxxxxxxxx" || r.Bytes != 100_000 || !r.Reused {
		t.Errorf("cap 10: body %q bytes %d reused %v", r.Body, r.Bytes, r.Reused)
	}
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":{"message":"slow down","type":"rate_limit"}}`)
	}))
	defer srv.Close()
	r := newTestClient().Do(context.Background(), Request{URL: srv.URL, Body: "{}"})
	if r.Status != 429 || !strings.Contains(r.Body, "slow down") || r.Error != "" || r.ErrorKind != "" || len(r.Data) != 0 {
		t.Errorf("429: %+v", r)
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := newTestClient().Do(context.Background(), Request{URL: "http://" + addr + "/v1", Body: "{}"})
	if r.Status != 0 || r.ErrorKind != KindConnect || r.HeadersMs != -1 || r.FirstByteMs != -1 || r.StartUnixMs == 0 {
		t.Errorf("refused: %+v", r)
	}
}

// rawServer accepts one connection at a time and hands it to fn (for broken HTTP).
func rawServer(t *testing.T, fn func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				// Read the request head and body ("{}") before answering.
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				_, _ = br.Discard(2)
				fn(c)
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/"
}

func TestCutStreams(t *testing.T) {
	t.Parallel()
	t.Run("chunked cut mid-event -> eof + tail", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(c net.Conn) {
			fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
			body := "data: a\n\ndata: {\"par"
			fmt.Fprintf(c, "%x\r\n%s\r\n", len(body), body)
			c.Close()
		})
		r := newTestClient().Do(context.Background(), Request{URL: url, Body: "{}"})
		if r.ErrorKind != KindEOF || r.Tail != `{"par` || len(r.Data) != 1 || r.Status != 200 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("close-delimited body cut -> tail only", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(c net.Conn) {
			fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\ndata: a\n\ndata: b\n")
			c.Close()
		})
		r := newTestClient().Do(context.Background(), Request{URL: url, Body: "{}"})
		if r.Error != "" || r.Tail != "b" || len(r.Data) != 1 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("reset mid-stream", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(c net.Conn) {
			fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
			fmt.Fprint(c, "9\r\ndata: a\n\n\r\n")
			time.Sleep(20 * time.Millisecond)
			c.(*net.TCPConn).SetLinger(0) // close with RST
			c.Close()
		})
		r := newTestClient().Do(context.Background(), Request{URL: url, Body: "{}"})
		if r.ErrorKind != KindReset || len(r.Data) != 1 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("closed before any response -> eof", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(c net.Conn) { c.Close() })
		r := newTestClient().Do(context.Background(), Request{URL: url, Body: "{}"})
		if r.ErrorKind != KindEOF || r.Status != 0 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("garbage response -> protocol", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(c net.Conn) {
			fmt.Fprint(c, "SOMETHING ELSE\r\n\r\n")
			c.Close()
		})
		r := newTestClient().Do(context.Background(), Request{URL: url, Body: "{}"})
		if r.ErrorKind != KindProtocol || r.Status != 0 {
			t.Errorf("%+v", r)
		}
	})
}

func TestTimeoutAndAbort(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(sseHandler(100, 20*time.Millisecond))
	t.Cleanup(srv.Close) // not defer: the parallel subtests run after this function returns

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		r := newTestClient().Do(context.Background(), Request{URL: srv.URL, Body: "{}", Timeout: 150 * time.Millisecond})
		if r.ErrorKind != KindTimeout || r.Status != 200 || len(r.Data) == 0 || len(r.Data) > 8 || r.EndMs < 140 || r.EndMs > 1000 {
			t.Errorf("events %d end %.1f kind %q err %q", len(r.Data), r.EndMs, r.ErrorKind, r.Error)
		}
	})
	t.Run("timeout before headers", func(t *testing.T) {
		t.Parallel()
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }))
		defer slow.Close()
		r := newTestClient().Do(context.Background(), Request{URL: slow.URL, Body: "{}", Timeout: 50 * time.Millisecond})
		if r.ErrorKind != KindTimeout || r.Status != 0 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("aborted", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		r := newTestClient().Do(ctx, Request{URL: srv.URL, Body: "{}", Timeout: time.Minute})
		if r.ErrorKind != KindAborted || len(r.Data) == 0 || r.EndMs > 1000 {
			t.Errorf("events %d end %.1f kind %q err %q", len(r.Data), r.EndMs, r.ErrorKind, r.Error)
		}
	})
}

func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(sseHandler(2, 0))
	defer srv.Close()
	c := newTestClient()
	r1 := c.Do(context.Background(), Request{URL: srv.URL, Body: "{}"})
	r2 := c.Do(context.Background(), Request{URL: srv.URL, Body: "{}"})
	if r1.Reused || r1.ConnectMs <= 0 || !r2.Reused || r2.ConnectMs != 0 {
		t.Errorf("pooled: r1 reused=%v connect=%.3f, r2 reused=%v connect=%.3f", r1.Reused, r1.ConnectMs, r2.Reused, r2.ConnectMs)
	}
	r3 := c.Do(context.Background(), Request{URL: srv.URL, Body: "{}", NoReuse: true})
	r4 := c.Do(context.Background(), Request{URL: srv.URL, Body: "{}", NoReuse: true})
	if r3.Reused || r4.Reused || r3.ConnectMs <= 0 || r4.ConnectMs <= 0 || r3.Error != "" {
		t.Errorf("fresh: r3 %+v r4 %+v", r3, r4)
	}
	// The pool is still there after the fresh ones.
	if r5 := c.Do(context.Background(), Request{URL: srv.URL, Body: "{}"}); !r5.Reused {
		t.Errorf("r5 not reused")
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(sseHandler(2, 0))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshake is expected
	srv.StartTLS()
	defer srv.Close()
	// Unknown CA -> tls.
	r := newTestClient().Do(context.Background(), Request{URL: srv.URL, Body: "{}"})
	if r.ErrorKind != KindTLS {
		t.Errorf("unknown CA: %+v", r)
	}
	// Trusted -> works, over HTTP/1.1, and the handshake is in connectMs.
	c := NewClient((&net.Dialer{}).DialContext, srv.Client().Transport.(*http.Transport).TLSClientConfig)
	r = c.Do(context.Background(), Request{URL: srv.URL, Body: "{}"})
	if r.Error != "" || len(r.Data) != 3 || r.ConnectMs <= 0 {
		t.Errorf("trusted: %+v", r)
	}
}
