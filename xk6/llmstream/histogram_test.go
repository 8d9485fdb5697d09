package llmstream

import (
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
)

func TestBucketIndex(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]int{0.0010001: 0, 0.00101: 0, 0.0010102: 1, 1: 694, 1000: 1388, 3.6e6: 2211} {
		if got := BucketIndex(v); got != want {
			t.Errorf("BucketIndex(%v) = %d, want %d", v, got, want)
		}
	}
	for _, v := range []float64{0.001, 0, -5, math.NaN()} {
		if BucketIndex(v) != -1 {
			t.Errorf("BucketIndex(%v) should be the zero bucket", v)
		}
	}
	// Every value lies in (upper(i-1), upper(i)], up to float rounding at the bounds.
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		v := math.Exp(r.Float64()*30 - 6.9) // ~0.001 .. 1e10
		i := BucketIndex(v)
		if i < 0 {
			continue
		}
		lo, hi := BucketUpper(i-1), BucketUpper(i)
		if v < lo*(1-1e-12) || v > hi*(1+1e-12) {
			t.Fatalf("v=%v in bucket %d (%v, %v]", v, i, lo, hi)
		}
	}
}

func TestHistogramRecordSnapshot(t *testing.T) {
	t.Parallel()
	var h Histogram
	h.Record([]float64{math.NaN(), math.Inf(1), math.Inf(-1)})
	if s := h.Snapshot("x"); s.Count != 0 || s.Min != 0 || s.Max != 0 || len(s.Buckets) != 0 {
		t.Fatalf("non-finite values were recorded: %+v", s)
	}
	h.Record([]float64{0, 0.0005, 1, 1, 2.5, 1000})
	s := h.Snapshot("itl")
	if s.Name != "itl" || s.Count != 6 || s.ZeroCount != 2 || s.Min != 0 || s.Max != 1000 || s.MinValue != 0.001 || s.Growth != 1.01 {
		t.Fatalf("snapshot %+v", s)
	}
	if math.Abs(s.Sum-1004.5005) > 1e-9 || math.Abs(s.SumSq-(0.0005*0.0005+1+1+6.25+1e6)) > 1e-6 {
		t.Errorf("sum %v sumSq %v", s.Sum, s.SumSq)
	}
	if s.Buckets[694] != 2 || s.Buckets[BucketIndex(2.5)] != 1 || s.Buckets[1388] != 1 || len(s.Buckets) != 3 {
		t.Errorf("buckets %v", s.Buckets)
	}
}

// quantile mirrors what the TS side does: walk the buckets to rank q*count, report the
// bucket's upper bound.
func quantile(s Snapshot, q float64) float64 {
	rank := uint64(math.Ceil(q * float64(s.Count)))
	seen := s.ZeroCount
	if seen >= rank {
		return s.MinValue
	}
	idx := make([]int, 0, len(s.Buckets))
	for i := range s.Buckets {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		seen += s.Buckets[i]
		if seen >= rank {
			return min(BucketUpper(i), s.Max)
		}
	}
	return s.Max
}

func TestHistogramQuantilesConcurrent(t *testing.T) {
	t.Parallel()
	var h Histogram
	r := rand.New(rand.NewPCG(3, 4))
	all := make([]float64, 0, 80_000)
	var wg sync.WaitGroup
	for g := range 8 {
		vs := make([]float64, 10_000)
		for i := range vs {
			vs[i] = r.ExpFloat64() * 20 // ITL-like, ms
		}
		all = append(all, vs...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < len(vs); i += 250 { // like one record() per request
				h.Record(vs[i : i+250])
			}
			_ = g
		}()
	}
	wg.Wait()
	sort.Float64s(all)
	s := h.Snapshot("q")
	if s.Count != uint64(len(all)) {
		t.Fatalf("count %d, want %d", s.Count, len(all))
	}
	for _, q := range []float64{0.25, 0.5, 0.9, 0.99, 0.999} {
		exact := all[int(math.Ceil(q*float64(len(all))))-1]
		if got := quantile(s, q); math.Abs(got-exact)/exact > 0.0101 {
			t.Errorf("p%v: histogram %.4f, exact %.4f", q*100, got, exact)
		}
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	var r Registry
	if r.Get("a", false) != nil || len(r.Names()) != 0 {
		t.Fatal("empty registry not empty")
	}
	r.Get("b", true).Record([]float64{1})
	r.Get("a", true)
	if r.Get("b", true) != r.Get("b", false) {
		t.Error("Get returned a different histogram")
	}
	if n := r.Names(); len(n) != 2 || n[0] != "a" || n[1] != "b" {
		t.Errorf("names %v", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	vs := make([]float64, 300)
	for i := range vs {
		vs[i] = float64(i%50) + 0.5
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Record(vs)
		}
	})
}
