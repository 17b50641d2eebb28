// Package loadtest is the load tool of Hài Lòng (`hailong load`): it drives
// the real HTTP endpoints with N concurrent clients for a duration or a
// count of requests and prints throughput, p50/p95/p99 latency and errors by
// status. With -baseline it also measures, on the same database in the same
// run, the raw driver's insertOne rate and cursor read rate, so that a
// submission rate is given as a ratio to what the database itself can do.
//
// Latency is measured on the client (request written → body read), so it
// includes the loopback network and, with -self, the CPU the tool itself
// takes from the service on the same machine.
package loadtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"time"
)

// Main runs the load tool with the command-line arguments after "load".
func Main(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseOptions(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = run(ctx, o, stdout)
	return err
}

// runRow is one measured run.
type runRow struct {
	clients, run int
	res          result
	created      int64 // responses the run added to the database, -1 when not counted
	countErr     error // why they were not counted
	flush        time.Duration
	server       *histogram    // server time, with -self
	cpu          time.Duration // CPU the process used during the run, with -self
	inserts      *result
	reads        *readResult
	readsBefore  *readResult // export scenario: one raw pass before the run
	memory       *memReport  // with -memory
}

// summary is everything measured, for the tests.
type summary struct {
	notAvailable bool
	rows         []runRow
}

// run measures as the options say, printing as it goes.
func run(ctx context.Context, o options, out io.Writer) (*summary, error) {
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	base, where := o.target, o.target
	var self *selfService
	if o.self {
		var err error
		if self, err = startSelf(ctx, o.demo); err != nil {
			return nil, fmt.Errorf("start the service: %w", err)
		}
		defer self.close()
		base, where = self.url, self.url+" (in-process, embedded FerretDB in "+self.dir+")"
		o.user, o.password = "admin", self.adminPassword
	}
	setup := &http.Client{Timeout: o.timeout, CheckRedirect: noRedirect}
	sc, ts, err := newScenario(ctx, setup, o, base)
	if errors.Is(err, errNotAvailable) {
		fmt.Fprintf(out, "hailong load: %v\n", err)
		return &summary{notAvailable: true}, nil
	}
	if err != nil {
		return nil, err
	}
	// The tool's own connection to the database: for the baseline, and to
	// check that every acknowledged submission is stored.
	var bl *baseline
	if self != nil || o.mongoURI != "" {
		uri, db := o.mongoURI, o.database
		if self != nil {
			uri, db = self.store.URI(), self.store.DatabaseName()
		}
		if bl, err = openBaseline(ctx, uri, db, self == nil, ts[0], o.timeout); err != nil {
			return nil, err
		}
		defer bl.close(context.WithoutCancel(ctx))
	}
	var mem *metricsAccess
	if o.memory > 0 {
		if mem, err = newMetricsAccess(ctx, o, base, o.timeout); err != nil {
			return nil, err
		}
	}
	printHeader(out, o, where, sc)
	sum := &summary{}
	for _, n := range o.clients {
		tr := &http.Transport{MaxIdleConns: 2 * n, MaxIdleConnsPerHost: 2 * n, IdleConnTimeout: time.Minute}
		client := &http.Client{Transport: tr, Jar: sc.jar, Timeout: o.timeout, CheckRedirect: noRedirect}
		var rows []runRow
		for i := 1; i <= o.runs; i++ {
			row := runRow{clients: n, run: i, created: -1}
			before, cerr := countResponses(ctx, bl, sc.writes)
			var readBefore *readResult
			if o.baseline && sc.rows {
				// One raw pass before the exports too: the caches they warm
				// must not favour the read after them. Neither pass is
				// bounded by -timeout, which bounds each export request
				// alone: a whole pass over a million responses takes
				// minutes, and must neither be cut nor eat into the export.
				r := bl.reads(ctx, 1, 0, -1)
				readBefore = &r
			}
			var cpu0 time.Duration
			if self != nil {
				self.timed.take()
				cpu0 = cpuTime()
			}
			var watch *memWatch
			if mem != nil {
				watch = mem.watch(ctx, o.memory)
			}
			row.res = drive(ctx, n, o.duration, o.requests, client, sc.do)
			if watch != nil {
				r := watch.stop()
				row.memory = &r
			}
			if self != nil {
				row.server, row.cpu = self.timed.take(), cpuTime()-cpu0
				// Let the rollup writer catch up, untimed, so its backlog
				// neither runs into the baseline nor into the next run.
				t0 := time.Now()
				if err := self.store.FlushRollups(ctx); err != nil {
					return sum, fmt.Errorf("flush rollups: %w", err)
				}
				row.flush = time.Since(t0)
			}
			after, err := countResponses(ctx, bl, sc.writes)
			if row.countErr = errors.Join(cerr, err); row.countErr == nil {
				row.created = after - before
			}
			switch {
			case o.baseline && sc.rows:
				// As many documents as the exports gave rows, read raw by
				// as many clients.
				reads := bl.reads(ctx, n, 0, max(row.res.items, 1))
				row.reads, row.readsBefore = &reads, readBefore
			case o.baseline:
				ins := bl.inserts(ctx, n, o.duration, o.requests)
				reads := bl.reads(ctx, n, o.duration, o.requests)
				row.inserts, row.reads = &ins, &reads
			}
			printRun(out, o, sc, row)
			rows = append(rows, row)
			if err := ctx.Err(); err != nil {
				return sum, err
			}
		}
		tr.CloseIdleConnections()
		printMedians(out, sc, rows)
		sum.rows = append(sum.rows, rows...)
	}
	return sum, nil
}

// noRedirect keeps the tool on the URL it was given: a redirect is an answer.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// errNotCounted: the scenario stores nothing, or the tool has no
// connection to the database (-target without -mongodb-uri).
var errNotCounted = errors.New("not counted")

// countResponses counts the stored responses for a scenario that writes.
func countResponses(ctx context.Context, bl *baseline, writes bool) (int64, error) {
	if !writes || bl == nil {
		return 0, errNotCounted
	}
	return bl.countResponses(ctx)
}
