package server

import (
	"math"
	"sync"
	"time"
)

// A token bucket per client and class, in memory: each instance limits on
// its own (DESIGN.md §2: rate limits safe per instance). Clients are known
// by a keyed hash of their address only. Memory is bounded: buckets that
// have refilled are forgotten (a full bucket is the same as none), and when
// a shard still reaches its share of maxBuckets, arbitrary buckets go.

// rateClass is a kind of request with its own limit.
type rateClass uint8

const (
	classRead rateClass = iota
	classSubmit
	classLogin
	numClasses
)

var classNames = [numClasses]string{"read", "submit", "login"}

func (k rateClass) String() string { return classNames[k] }

const (
	limiterShards = 16
	maxBuckets    = 100_000         // all shards; about 5 MB at most
	sweepEvery    = 1 * time.Minute // forget full buckets this often
)

type bucketKey struct {
	class  rateClass
	client [16]byte // keyed hash of the client address
}

type bucket struct {
	tokens float64
	at     int64 // unix nanoseconds of the last update
}

type limiter struct {
	rates  [numClasses]Rate
	now    func() time.Time
	shards [limiterShards]limiterShard
}

type limiterShard struct {
	mu    sync.Mutex
	m     map[bucketKey]bucket
	swept int64
}

func newLimiter(r RateLimits) *limiter {
	l := &limiter{now: time.Now}
	l.rates[classRead], l.rates[classSubmit], l.rates[classLogin] = r.Read, r.Submit, r.Login
	for i := range l.shards {
		l.shards[i].m = map[bucketKey]bucket{}
	}
	return l
}

// on reports whether the class is limited at all.
func (l *limiter) on(k rateClass) bool { return l.rates[k].on() }

// allow takes a token from the client's bucket of the class. When there is
// none it returns false and how long until there is one.
func (l *limiter) allow(k bucketKey) (bool, time.Duration) {
	r := l.rates[k.class]
	if !r.on() {
		return true, 0
	}
	perNano := float64(r.N) / float64(r.Per) // tokens per nanosecond
	now := l.now().UnixNano()
	sh := &l.shards[k.client[0]%limiterShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if now-sh.swept > int64(sweepEvery) || len(sh.m) >= maxBuckets/limiterShards {
		l.sweep(sh, now)
	}
	b, ok := sh.m[k]
	if !ok {
		b = bucket{tokens: float64(r.N), at: now}
	} else if now > b.at {
		b.tokens = math.Min(float64(r.N), b.tokens+float64(now-b.at)*perNano)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		sh.m[k] = b
		return true, 0
	}
	sh.m[k] = b
	return false, time.Duration((1 - b.tokens) / perNano)
}

// sweep forgets the shard's full buckets, then, if it is still at its
// share of maxBuckets, a quarter of it (map order: arbitrary buckets).
func (l *limiter) sweep(sh *limiterShard, now int64) {
	sh.swept = now
	for k, b := range sh.m {
		r := l.rates[k.class]
		if !r.on() || b.tokens+float64(now-b.at)*float64(r.N)/float64(r.Per) >= float64(r.N) {
			delete(sh.m, k)
		}
	}
	limit := maxBuckets / limiterShards
	if len(sh.m) < limit {
		return
	}
	for k := range sh.m {
		if len(sh.m) <= limit*3/4 {
			break
		}
		delete(sh.m, k)
	}
}

// size is the number of buckets held.
func (l *limiter) size() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
