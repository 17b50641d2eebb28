package loadtest

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"
)

// printHeader says what is measured, where and how.
func printHeader(out io.Writer, o options, where string, sc *scenario) {
	bound := fmt.Sprintf("for %s", o.duration)
	if o.requests > 0 {
		bound = fmt.Sprintf("%d requests (at most %s)", o.requests, o.duration)
	}
	fmt.Fprintf(out, "hailong load: scenario %s (1 op = %s) against %s\n", sc.name, sc.note, where)
	fmt.Fprintf(out, "  clients %v, %s per run, %d run(s); %d CPU(s), %s; latency measured on the client, in ms\n",
		o.clients, bound, o.runs, runtime.NumCPU(), runtime.Version())
	switch {
	case o.baseline && sc.rows:
		fmt.Fprintln(out, "  baseline around each run: one raw cursor pass over \"responses\" before it, and after it as many documents as it exported rows (same goroutines); not decoded, and not bounded by -timeout")
	case o.baseline:
		fmt.Fprintf(out, "  baseline after each run: raw driver insertOne into %q (same goroutines, same bound), then cursor reads of \"responses\"\n", scratchName)
	}
	if o.self {
		fmt.Fprintln(out, "  with -self the service, its database and this tool share the machine's CPUs")
	}
}

// printRun prints one run.
func printRun(out io.Writer, o options, sc *scenario, r runRow) {
	h := r.res.hist
	fmt.Fprintf(out, "run %d/%d clients=%d: %d ops in %.2fs = %.1f ok/s; p50 %s p95 %s p99 %s max %s; errors: %s\n",
		r.run, o.runs, r.clients, r.res.ops, r.res.elapsed.Seconds(), r.res.throughput(),
		ms(h.quantile(.50)), ms(h.quantile(.95)), ms(h.quantile(.99)), ms(h.max), errorList(r.res.errors))
	if sh := r.server; sh != nil && sh.n > 0 {
		fmt.Fprintf(out, "  server time (in the handler) of %d requests: p50 %s p95 %s p99 %s max %s; process CPU %.2f ms per op\n",
			sh.n, ms(sh.quantile(.50)), ms(sh.quantile(.95)), ms(sh.quantile(.99)), ms(sh.max), msf(r.cpu)/float64(max(r.res.ops, 1)))
	}
	if r.memory != nil {
		printMemory(out, *r.memory)
	}
	if r.countErr != nil && !errors.Is(r.countErr, errNotCounted) {
		fmt.Fprintf(out, "  stored: could not count the responses: %v\n", r.countErr)
	}
	if r.created >= 0 {
		check := "every acknowledged submission is stored"
		if r.created != r.res.ok {
			check = fmt.Sprintf("MISMATCH: %d acknowledged", r.res.ok)
		}
		fmt.Fprintf(out, "  stored: +%d responses (%s); rollup backlog flushed in %s\n", r.created, check, ms(r.flush))
	}
	if sc.rows {
		fmt.Fprintf(out, "  exported %d rows in %.2fs = %.1f rows/s\n", r.res.items, r.res.elapsed.Seconds(), r.res.itemRate())
		for _, rd := range []*readResult{r.readsBefore, r.reads} {
			switch {
			case rd == nil:
			case rd.err != nil:
				fmt.Fprintf(out, "  baseline cursor read: error: %v\n", rd.err)
			default:
				fmt.Fprintf(out, "  baseline cursor read %s: %d docs in %.2fs = %.1f docs/s\n",
					map[bool]string{true: "before (one pass)", false: "after (as many documents)"}[rd == r.readsBefore],
					rd.docs, rd.elapsed.Seconds(), rd.rate())
			}
		}
		if rate := exportBaseline(r); rate > 0 {
			fmt.Fprintf(out, "  ratio export rows/s / raw cursor read (mean of before and after) = %.2f\n", ratio(r.res.itemRate(), rate))
		}
	}
	if r.inserts != nil {
		ih := r.inserts.hist
		fmt.Fprintf(out, "  baseline insertOne: %d docs in %.2fs = %.1f docs/s; p50 %s p99 %s; errors: %s\n",
			r.inserts.ok, r.inserts.elapsed.Seconds(), r.inserts.throughput(), ms(ih.quantile(.5)), ms(ih.quantile(.99)), errorList(r.inserts.errors))
		rd := r.reads
		if rd.err != nil {
			fmt.Fprintf(out, "  baseline cursor read: error: %v\n", rd.err)
		} else {
			fmt.Fprintf(out, "  baseline cursor read: %d docs in %.2fs = %.1f docs/s\n", rd.docs, rd.elapsed.Seconds(), rd.rate())
		}
		if sc.writes {
			fmt.Fprintf(out, "  ratio %s / raw insertOne = %.2f\n", sc.name, ratio(r.res.throughput(), r.inserts.throughput()))
		}
	}
}

// printMedians prints the median of each figure over the runs of one
// client count.
func printMedians(out io.Writer, sc *scenario, rows []runRow) {
	if len(rows) == 0 {
		return
	}
	var tput, p50, p95, p99, s99, ins, reads, ratios, items []float64
	for _, r := range rows {
		items = append(items, r.res.itemRate())
		if rate := exportBaseline(r); sc.rows && rate > 0 {
			reads = append(reads, rate)
			ratios = append(ratios, ratio(r.res.itemRate(), rate))
		}
		tput = append(tput, r.res.throughput())
		p50 = append(p50, msf(r.res.hist.quantile(.50)))
		p95 = append(p95, msf(r.res.hist.quantile(.95)))
		p99 = append(p99, msf(r.res.hist.quantile(.99)))
		if r.server != nil && r.server.n > 0 {
			s99 = append(s99, msf(r.server.quantile(.99)))
		}
		if r.inserts != nil {
			ins = append(ins, r.inserts.throughput())
			reads = append(reads, r.reads.rate())
			ratios = append(ratios, ratio(r.res.throughput(), r.inserts.throughput()))
		}
	}
	fmt.Fprintf(out, "MEDIAN of %d run(s), %s, clients=%d: %.1f ok/s; p50 %.2f p95 %.2f p99 %.2f ms",
		len(rows), sc.name, rows[0].clients, median(tput), median(p50), median(p95), median(p99))
	if len(s99) > 0 {
		fmt.Fprintf(out, "; server time p99 %.2f ms", median(s99))
	}
	if sc.rows {
		fmt.Fprintf(out, "; %.1f rows/s", median(items))
		if len(reads) > 0 {
			fmt.Fprintf(out, "; cursor read %.1f docs/s; ratio %.2f (median of the runs' ratios)", median(reads), median(ratios))
		}
	}
	if len(ins) > 0 {
		fmt.Fprintf(out, "; raw insertOne %.1f docs/s; cursor read %.1f docs/s", median(ins), median(reads))
		if sc.writes {
			fmt.Fprintf(out, "; ratio %.2f (median of the runs' ratios)", median(ratios))
		}
	}
	fmt.Fprintln(out)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", msf(d)) }

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// errorList formats the failures by reason, "none" when there are none.
func errorList(errs map[string]int64) string {
	if len(errs) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, errs[k])
	}
	return strings.Join(parts, ", ")
}

// exportBaseline is the raw read rate an export run is compared with: the
// mean of the reads before and after it (those that worked); 0 for none.
func exportBaseline(r runRow) float64 {
	var sum float64
	n := 0
	for _, rd := range []*readResult{r.readsBefore, r.reads} {
		if rd != nil && rd.err == nil && rd.docs > 0 {
			sum += rd.rate()
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
