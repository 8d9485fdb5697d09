package llmstream

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.k6.io/k6/js/modulestest"
	"go.k6.io/k6/lib"
)

// newJS returns a sobek runtime with the module bound to the global `llm`, in VU context
// unless initContext is set.
func newJS(t *testing.T, initContext bool) *modulestest.Runtime {
	t.Helper()
	rt := modulestest.NewRuntime(t)
	mi := new(RootModule).NewModuleInstance(rt.VU)
	if err := rt.VU.Runtime().Set("llm", mi.Exports().Default); err != nil {
		t.Fatal(err)
	}
	if !initContext {
		rt.MoveToVUContext(&lib.State{Dialer: &net.Dialer{}})
	}
	return rt
}

func TestJSInitContextThrows(t *testing.T) {
	t.Parallel()
	rt := newJS(t, true)
	_, err := rt.VU.Runtime().RunString(`llm.post("http://127.0.0.1:1/", "{}")`)
	if err == nil || !strings.Contains(err.Error(), "init context") {
		t.Fatalf("want an init context error, got %v", err)
	}
}

func TestJSPost(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(sseHandler(3, 5*time.Millisecond))
	defer srv.Close()
	rt := newJS(t, false)
	_, err := rt.RunOnEventLoop(fmt.Sprintf(`
		const r = llm.post(%q, JSON.stringify({stream: true}), {headers: {"X-A": "1"}, timeoutMs: 5000, reuseConnections: true});
		const keys = Object.keys(r).join(",");
		const want = "status,startUnixMs,connectMs,reused,headersMs,firstByteMs,times,data,names,invalid,tail,endMs,bytes,body,contentType,error,errorKind,kinds";
		if (keys !== want) throw new Error("keys " + keys);
		if (!Array.isArray(r.times) || !Array.isArray(r.data) || r.times.length !== 4 || r.data[3] !== "[DONE]") throw new Error(JSON.stringify(r));
		if (typeof r.times[0] !== "number" || r.status !== 200 || r.error !== "" || JSON.parse(r.data[0]).i !== 0) throw new Error(JSON.stringify(r));
		const r2 = llm.post(%q, null, {method: "GET", reuseConnections: false});
		if (r2.reused || r2.status !== 200) throw new Error(JSON.stringify(r2));
		let threw = false;
		try { llm.post(%q, "{}", {timeout: 5}); } catch (e) { threw = String(e).includes("unknown params field"); }
		if (!threw) throw new Error("unknown param accepted");
	`, srv.URL, srv.URL, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
}

func TestJSPostAsyncConcurrent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		time.Sleep(200 * time.Millisecond)
		fmt.Fprint(w, "data: x\n\n")
	}))
	defer srv.Close()
	rt := newJS(t, false)
	start := time.Now()
	_, err := rt.RunOnEventLoop(fmt.Sprintf(`
		globalThis.out = null;
		Promise.all([llm.postAsync(%q, "{}"), llm.postAsync(%q, "{}")]).then(([a, b]) => {
			if (a.data[0] !== "x" || b.data[0] !== "x") throw new Error("bad results");
			// Overlap: each started before the other ended.
			if (!(a.startUnixMs < b.startUnixMs + b.endMs && b.startUnixMs < a.startUnixMs + a.endMs)) throw new Error("no overlap");
			globalThis.out = "ok";
		});
	`, srv.URL, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.VU.Runtime().Get("out").String(); got != "ok" {
		t.Fatalf("promise did not resolve: %s", got)
	}
	if d := time.Since(start); d > 390*time.Millisecond {
		t.Errorf("two 200 ms requests took %v: not concurrent", d)
	}
}

func TestJSClockAndHistograms(t *testing.T) {
	t.Parallel()
	rt := newJS(t, false)
	// The registry is process-wide: a fresh name per run keeps -count=N runs apart.
	if err := rt.VU.Runtime().Set("H", fmt.Sprintf("js_test_itl_%d", time.Now().UnixNano())); err != nil {
		t.Fatal(err)
	}
	_, err := rt.RunOnEventLoop(`
		const t0 = llm.nowUnixMs();
		if (Math.abs(t0 - Date.now()) > 5) throw new Error("clock off: " + t0);
		if (llm.sleepUntil(t0 + 20) !== true) throw new Error("sleepUntil false");
		const late = llm.nowUnixMs() - (t0 + 20);
		if (late < 0 || late > 15) throw new Error("sleepUntil late by " + late);
		if (llm.sleepUntil(t0 - 1000) !== true) throw new Error("past target");

		llm.record(H, [1, 2, NaN, 3, Infinity]);
		llm.record(H, []);
		const s = llm.snapshot(H);
		if (s.count !== 3 || s.sum !== 6 || s.min !== 1 || s.max !== 3 || s.buckets["694"] !== 1 || s.growth !== 1.01) throw new Error(JSON.stringify(s));
		if (llm.snapshot("nope") !== null) throw new Error("snapshot of unknown name");
		if (!llm.histogramNames().includes(H)) throw new Error("names");

		globalThis.waited = -1;
		const target = llm.nowUnixMs() + 30;
		llm.waitUntil(target).then(() => { globalThis.waited = llm.nowUnixMs() - target; });
	`)
	if err != nil {
		t.Fatal(err)
	}
	if w := rt.VU.Runtime().Get("waited").ToFloat(); w < 0 || w > 15 {
		t.Errorf("waitUntil resolved %.3f ms after its target", w)
	}
}

func TestSleepUntilAborted(t *testing.T) {
	t.Parallel()
	rt := newJS(t, false)
	time.AfterFunc(50*time.Millisecond, rt.CancelContext)
	start := time.Now()
	if SleepUntil(rt.VU.Context(), NowUnixMs()+10_000) {
		t.Error("want false on abort")
	}
	if time.Since(start) > time.Second {
		t.Error("did not return early")
	}
}
