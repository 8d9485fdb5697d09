// Package llmstream is the k6 extension k6/x/llmstream: streamed (SSE) HTTP requests for LLM
// load tests with Go-side per-event timestamps, per-VU keep-alive pools, a non-blocking
// variant, a precise clock and process-wide histograms. The JS API is declared in
// src/k6/llmstream.d.ts of k6-llm-replay.
package llmstream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/grafana/sobek"
	"go.k6.io/k6/js/common"
	"go.k6.io/k6/js/modules"
)

func init() {
	modules.Register("k6/x/llmstream", new(RootModule))
}

// RootModule is the global module object; one ModuleInstance is made per VU.
//
// It owns the connection pools, shared by every VU of the process: an open-loop replay has many
// VUs that each send only a few requests, so per-VU pools would dial for almost every request
// and put connection setup inside TTFT; one pool keeps the connections of finished streams for
// whichever VU sends next (as one aiohttp session does for `vllm bench serve`).
type RootModule struct {
	once   sync.Once
	client *Client
}

// sharedClient makes the process-wide pools on first use, with k6's dialer and TLS settings
// (the same options for every VU; the VU state does not exist in init code).
func (r *RootModule) sharedClient(dial DialFunc, tlsConf *tls.Config) *Client {
	r.once.Do(func() { r.client = NewClient(dial, tlsConf) })
	return r.client
}

// ModuleInstance is the per-VU state.
type ModuleInstance struct {
	vu   modules.VU
	root *RootModule
}

var (
	_ modules.Module   = &RootModule{}
	_ modules.Instance = &ModuleInstance{}
)

// NewModuleInstance implements modules.Module.
func (r *RootModule) NewModuleInstance(vu modules.VU) modules.Instance {
	return &ModuleInstance{vu: vu, root: r}
}

// Exports implements modules.Instance.
func (mi *ModuleInstance) Exports() modules.Exports {
	fns := map[string]any{
		"post":           mi.post,
		"postAsync":      mi.postAsync,
		"nowUnixMs":      NowUnixMs,
		"sleepUntil":     mi.sleepUntil,
		"waitUntil":      mi.waitUntil,
		"record":         mi.record,
		"snapshot":       mi.snapshot,
		"histogramNames": func() *sobek.Object { return stringsToJS(mi.vu.Runtime(), registry.Names()) },
	}
	return modules.Exports{Default: fns, Named: fns}
}

func (mi *ModuleInstance) post(call sobek.FunctionCall) sobek.Value {
	client, req := mi.prepare(call, "post")
	return resultToJS(mi.vu.Runtime(), exchange(mi.vu.Context(), client, req))
}

// exchange runs the request and, when asked, classifies its events (off the JS thread).
func exchange(ctx context.Context, client *Client, req Request) *Result {
	res := client.Do(ctx, req)
	if req.Classify {
		ClassifyEvents(res)
	}
	return res
}

// postAsync runs the exchange on its own goroutine; only the callback, which runs on the
// VU's event loop, touches the JS runtime.
func (mi *ModuleInstance) postAsync(call sobek.FunctionCall) sobek.Value {
	client, req := mi.prepare(call, "postAsync")
	rt, ctx := mi.vu.Runtime(), mi.vu.Context()
	promise, resolve, _ := rt.NewPromise()
	enqueue := mi.vu.RegisterCallback()
	go func() {
		res := exchange(ctx, client, req)
		enqueue(func() error { return resolve(resultToJS(rt, res)) })
	}()
	return rt.ToValue(promise)
}

func (mi *ModuleInstance) sleepUntil(unixMs float64) bool {
	return SleepUntil(mi.vu.Context(), unixMs)
}

func (mi *ModuleInstance) waitUntil(unixMs float64) *sobek.Promise {
	ctx := mi.vu.Context()
	promise, resolve, _ := mi.vu.Runtime().NewPromise()
	enqueue := mi.vu.RegisterCallback()
	go func() {
		SleepUntil(ctx, unixMs)
		enqueue(func() error { return resolve(sobek.Undefined()) })
	}()
	return promise
}

func (mi *ModuleInstance) record(name string, values sobek.Value) {
	var vs []float64
	if err := mi.vu.Runtime().ExportTo(values, &vs); err != nil {
		common.Throw(mi.vu.Runtime(), fmt.Errorf("llmstream.record(%q): values must be an array of numbers: %w", name, err))
	}
	registry.Get(name, true).Record(vs)
}

func (mi *ModuleInstance) snapshot(name string) sobek.Value {
	rt := mi.vu.Runtime()
	h := registry.Get(name, false)
	if h == nil {
		return sobek.Null()
	}
	s := h.Snapshot(name)
	buckets := rt.NewObject()
	for i, c := range s.Buckets {
		_ = buckets.Set(strconv.Itoa(i), c)
	}
	return object(rt,
		"name", s.Name, "count", s.Count, "sum", s.Sum, "sumSq", s.SumSq, "min", s.Min, "max", s.Max,
		"zeroCount", s.ZeroCount, "minValue", s.MinValue, "growth", s.Growth, "buckets", buckets)
}

// object builds a JS object from key, value pairs, keeping their order (JSON.stringify shows it).
func object(rt *sobek.Runtime, kv ...any) *sobek.Object {
	o := rt.NewObject()
	for i := 0; i+1 < len(kv); i += 2 {
		_ = o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// prepare validates the arguments of post/postAsync and returns the shared client.
func (mi *ModuleInstance) prepare(call sobek.FunctionCall, fn string) (*Client, Request) {
	rt := mi.vu.Runtime()
	state := mi.vu.State()
	if state == nil {
		common.Throw(rt, fmt.Errorf("llmstream.%s() cannot be called in the init context: call it from a VU function "+
			"(default, a scenario exec function, setup or teardown)", fn))
	}
	client := mi.root.sharedClient(state.Dialer.DialContext, state.TLSConfig)
	if len(call.Arguments) < 2 {
		common.Throw(rt, fmt.Errorf("llmstream.%s(url, body, params?) needs at least 2 arguments", fn))
	}
	req := Request{
		URL:       call.Argument(0).String(),
		NoReuse:   state.Options.NoConnectionReuse.Bool,
		UserAgent: state.Options.UserAgent.String,
	}
	if b := call.Argument(1); !common.IsNullish(b) {
		req.Body = b.String()
	}
	if err := parseParams(rt, call.Argument(2), &req); err != nil {
		common.Throw(rt, fmt.Errorf("llmstream.%s(): %w", fn, err))
	}
	return client, req
}

func parseParams(rt *sobek.Runtime, v sobek.Value, req *Request) error {
	if common.IsNullish(v) {
		return nil
	}
	o := v.ToObject(rt)
	for _, k := range o.Keys() {
		f := o.Get(k)
		if common.IsNullish(f) {
			continue
		}
		switch k {
		case "method":
			req.Method = f.String()
		case "headers":
			h := f.ToObject(rt)
			req.Headers = map[string]string{}
			for _, hk := range h.Keys() {
				req.Headers[hk] = h.Get(hk).String()
			}
		case "timeoutMs":
			ms := f.ToFloat()
			if math.IsNaN(ms) || ms < 0 {
				return fmt.Errorf("params.timeoutMs must be a number >= 0, got %v", f)
			}
			req.Timeout = time.Duration(ms * float64(time.Millisecond))
		case "reuseConnections":
			req.NoReuse = !f.ToBoolean()
		case "classify":
			switch f.String() {
			case "openai":
				req.Classify = true
			case "", "none":
			default:
				return fmt.Errorf("params.classify must be \"openai\" or \"none\", got %q", f.String())
			}
		case "maxBodyBytes":
			n := f.ToInteger()
			if n < 0 {
				return errors.New("params.maxBodyBytes must be >= 0")
			}
			req.MaxBodyBytes = int(n)
		default:
			return fmt.Errorf("unknown params field %q (known: method, headers, timeoutMs, reuseConnections, maxBodyBytes, classify)", k)
		}
	}
	return nil
}

// resultToJS builds a plain JS object with real arrays, so JS code reads it at native
// speed (a wrapped Go struct would go through reflection on every access).
func resultToJS(rt *sobek.Runtime, r *Result) sobek.Value {
	times := make([]any, len(r.Times))
	for i, t := range r.Times {
		times[i] = t
	}
	return object(rt,
		"status", r.Status, "startUnixMs", r.StartUnixMs, "connectMs", r.ConnectMs, "reused", r.Reused,
		"headersMs", r.HeadersMs, "firstByteMs", r.FirstByteMs,
		"times", rt.NewArray(times...), "data", stringsToJS(rt, r.Data), "names", stringsToJS(rt, r.Names),
		"invalid", stringsToJS(rt, r.Invalid), "tail", r.Tail, "endMs", r.EndMs, "bytes", r.Bytes,
		"body", r.Body, "contentType", r.ContentType, "error", r.Error, "errorKind", r.ErrorKind,
		"kinds", intsToJS(rt, r.Kinds))
}

func intsToJS(rt *sobek.Runtime, xs []int) *sobek.Object {
	a := make([]any, len(xs))
	for i, x := range xs {
		a[i] = x
	}
	return rt.NewArray(a...)
}

func stringsToJS(rt *sobek.Runtime, ss []string) *sobek.Object {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return rt.NewArray(a...)
}
