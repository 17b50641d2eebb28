package loadtest

import (
	"math/bits"
	"time"
)

// The histogram is log-linear, like HdrHistogram: each power of two of
// nanoseconds is split into subBuckets linear buckets, so a quantile is
// exact to within 1/subBuckets (1.6 %) whatever the number of samples, in a
// fixed 18 KB per client.
const (
	subBits    = 6
	subBuckets = 1 << subBits
	maxShift   = 40 - subBits // values are clamped below 2^40 ns (18 minutes)
	numBuckets = (maxShift + 2) * subBuckets
	maxValue   = 1<<40 - 1
)

// histogram records latencies. It is not safe for concurrent use: each
// client has its own, merged at the end of a run.
type histogram struct {
	counts   [numBuckets]uint64
	n        uint64
	sum, max time.Duration
}

// bucketOf is the index of the bucket holding v nanoseconds.
func bucketOf(v int64) int {
	if v < subBuckets {
		return int(max(v, 0))
	}
	v = min(v, maxValue)
	shift := bits.Len64(uint64(v)) - subBits - 1
	return shift*subBuckets + int(v>>shift)
}

// upperOf is the largest value of a bucket, the value a quantile reports.
func upperOf(i int) int64 {
	if i < 2*subBuckets {
		return int64(i)
	}
	shift := i/subBuckets - 1
	m := int64(i%subBuckets + subBuckets)
	return (m+1)<<shift - 1
}

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(int64(d))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

// merge adds o's samples to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile is the latency below which a fraction q (0..1) of the samples
// fall; zero without samples.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(upperOf(i)), h.max)
		}
	}
	return h.max
}
