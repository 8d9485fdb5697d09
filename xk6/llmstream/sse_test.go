package llmstream

import (
	"reflect"
	"testing"
)

// parse feeds chunks (one "read" each, read at time = chunk index) and finishes.
func parse(chunks ...string) *Result {
	res := &Result{}
	p := newSSEParser(res)
	for i, c := range chunks {
		p.feed([]byte(c), float64(i))
	}
	p.finish()
	return res
}

func TestSSEFraming(t *testing.T) {
	t.Parallel()
	type want struct {
		data, names, invalid []string
		times                []float64
		tail                 string
	}
	cases := map[string]struct {
		chunks []string
		want   want
	}{
		"LF": {
			[]string{"data: a\n\ndata: b\n\n"},
			want{data: []string{"a", "b"}, names: []string{"", ""}, times: []float64{0, 0}},
		},
		"CRLF": {
			[]string{"data: a\r\n\r\ndata: b\r\n\r\n"},
			want{data: []string{"a", "b"}, names: []string{"", ""}, times: []float64{0, 0}},
		},
		"CR only": {
			[]string{"data: a\r\rdata: b\r\r"},
			want{data: []string{"a", "b"}, names: []string{"", ""}, times: []float64{0, 0}},
		},
		"CRLF split across reads": {
			// The blank line's CR ends the event at once (read 1); its LF comes in read 2.
			[]string{"data: a\r\n\r", "\ndata: b\r", "\n\r\n"},
			want{data: []string{"a", "b"}, names: []string{"", ""}, times: []float64{0, 2}},
		},
		"line split across reads": {
			[]string{"da", "ta: hel", "lo\n", "\n"},
			want{data: []string{"hello"}, names: []string{""}, times: []float64{3}},
		},
		"multi-line data": {
			[]string{"data: a\ndata:b\ndata\ndata:  c\n\n"},
			want{data: []string{"a\nb\n\n c"}, names: []string{""}, times: []float64{0}},
		},
		"comments and id/retry ignored": {
			[]string{": ping\n\n:\nid: 7\nretry: 100\ndata: x\n\n"},
			want{data: []string{"x"}, names: []string{""}, times: []float64{0}},
		},
		"event names": {
			[]string{"event: delta\ndata: 1\n\nevent: done\n\nevent:error\ndata: {}\n\n"},
			want{data: []string{"1", "", "{}"}, names: []string{"delta", "done", "error"}, times: []float64{0, 0, 0}},
		},
		"empty data field dispatches": {
			[]string{"data:\n\n"},
			want{data: []string{""}, names: []string{""}, times: []float64{0}},
		},
		"garbage lines": {
			[]string{"data: a\n{\"oops\": 1}\nnot a field\n\ndata: b\n\n"},
			want{data: []string{"a", "b"}, names: []string{"", ""}, times: []float64{0, 0},
				invalid: []string{`{"oops": 1}`, "not a field"}},
		},
		"unterminated tail": {
			[]string{"data: a\n\ndata: {\"cho", "ices\n"},
			want{data: []string{"a"}, names: []string{""}, times: []float64{0}, tail: `{"choices`},
		},
		"no trailing blank line": {
			[]string{"data: a\n\ndata: [DONE]\n"},
			want{data: []string{"a"}, names: []string{""}, times: []float64{0}, tail: "[DONE]"},
		},
		"cut mid-line": {
			[]string{"data: a\n\ndata: [DO"},
			want{data: []string{"a"}, names: []string{""}, times: []float64{0}, tail: "[DO"},
		},
		"blank lines alone dispatch nothing": {
			[]string{"\n\n\r\n: c\n\n"},
			want{},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := parse(c.chunks...)
			w := c.want
			if !eq(r.Data, w.data) || !eq(r.Names, w.names) || !eq(r.Invalid, w.invalid) || !eq(r.Times, w.times) || r.Tail != w.tail {
				t.Fatalf("got data=%q names=%q invalid=%q times=%v tail=%q\nwant %+v", r.Data, r.Names, r.Invalid, r.Times, r.Tail, w)
			}
		})
	}
}

func TestSSEInvalidCapped(t *testing.T) {
	t.Parallel()
	chunks := make([]string, 0, 300)
	for range 300 {
		chunks = append(chunks, "junk\n")
	}
	if r := parse(chunks...); len(r.Invalid) != maxInvalid {
		t.Fatalf("invalid not capped: %d", len(r.Invalid))
	}
}

// eq compares slices treating nil and empty as equal.
func eq[T any](a, b []T) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func BenchmarkSSEParser(b *testing.B) {
	ev := []byte(`data: {"id":"cmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" token"}}]}` + "\n\n")
	chunk := make([]byte, 0, 100*len(ev))
	for range 100 {
		chunk = append(chunk, ev...)
	}
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		res := &Result{}
		p := newSSEParser(res)
		p.feed(chunk, 1)
		p.finish()
	}
}
