package llmstream

import (
	"math"
	"sort"
	"sync"
)

// Histogram bucket scheme (the TS side computes percentiles from it; keep llmstream.d.ts in sync):
//
//	v <= MinValue                 -> ZeroCount
//	v >  MinValue                 -> bucket i = ceil(ln(v/MinValue) / ln(Growth)) - 1, i >= 0
//	bucket i covers the interval (MinValue*Growth^i, MinValue*Growth^(i+1)]
//
// So every bucket is 1% wide relative to its value: a percentile read as a bucket's upper
// bound (or its geometric middle) is within 1% (0.5%) of the true sample. A value lying
// exactly on a bound may land in either neighbouring bucket because of float rounding.
// 1 ms is bucket 694, 1 s is 1388, 1 h is 2211: memory stays a few KB per histogram.
const (
	MinValue = 0.001 // ms
	Growth   = 1.01
)

var logGrowth = math.Log(Growth)

// BucketIndex returns the bucket of v, or -1 when v <= MinValue (the zero bucket).
func BucketIndex(v float64) int {
	if !(v > MinValue) {
		return -1
	}
	return int(math.Ceil(math.Log(v/MinValue)/logGrowth)) - 1
}

// BucketUpper is the inclusive upper bound of bucket i.
func BucketUpper(i int) float64 { return MinValue * math.Pow(Growth, float64(i+1)) }

// Histogram is a process-wide, goroutine-safe log-linear histogram.
type Histogram struct {
	mu       sync.Mutex
	count    uint64
	sum      float64
	sumSq    float64
	min, max float64
	zero     uint64
	buckets  []uint64 // dense, index = bucket index; grows on demand
}

// Snapshot is a consistent copy of a Histogram.
type Snapshot struct {
	Name      string
	Count     uint64
	Sum       float64
	SumSq     float64
	Min, Max  float64 // 0 when Count is 0
	ZeroCount uint64
	MinValue  float64
	Growth    float64
	Buckets   map[int]uint64 // only non-empty buckets
}

const skip = -2 // marks a non-finite value in Record

// Record adds the finite values of vs.
func (h *Histogram) Record(vs []float64) {
	// Logs are computed outside the lock: VUs record a few hundred values at once.
	idx := make([]int, len(vs))
	maxIdx := -1
	for i, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			idx[i] = skip
			continue
		}
		idx[i] = BucketIndex(v)
		maxIdx = max(maxIdx, idx[i])
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if maxIdx >= len(h.buckets) {
		h.buckets = append(h.buckets, make([]uint64, maxIdx+1-len(h.buckets))...)
	}
	for i, v := range vs {
		if idx[i] == skip {
			continue
		}
		if h.count == 0 || v < h.min {
			h.min = v
		}
		if h.count == 0 || v > h.max {
			h.max = v
		}
		h.count++
		h.sum += v
		h.sumSq += v * v
		if idx[i] < 0 {
			h.zero++
		} else {
			h.buckets[idx[i]]++
		}
	}
}

// Snapshot copies the current state.
func (h *Histogram) Snapshot(name string) Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := Snapshot{
		Name: name, Count: h.count, Sum: h.sum, SumSq: h.sumSq, Min: h.min, Max: h.max,
		ZeroCount: h.zero, MinValue: MinValue, Growth: Growth, Buckets: map[int]uint64{},
	}
	for i, c := range h.buckets {
		if c > 0 {
			s.Buckets[i] = c
		}
	}
	return s
}

// Registry maps names to histograms; the package-level one is shared by all VUs of a process.
type Registry struct{ m sync.Map }

var registry Registry

// Get returns the named histogram, creating it when create is set (nil otherwise).
func (r *Registry) Get(name string, create bool) *Histogram {
	if h, ok := r.m.Load(name); ok {
		return h.(*Histogram)
	}
	if !create {
		return nil
	}
	h, _ := r.m.LoadOrStore(name, &Histogram{})
	return h.(*Histogram)
}

// Names lists the histograms, sorted.
func (r *Registry) Names() []string {
	names := []string{}
	r.m.Range(func(k, _ any) bool {
		names = append(names, k.(string))
		return true
	})
	sort.Strings(names)
	return names
}
