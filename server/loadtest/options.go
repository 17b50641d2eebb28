package loadtest

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Bounds that keep every run finite.
const (
	maxClients     = 4096
	maxRuns        = 100
	maxDuration    = time.Hour
	requestsCapDur = 10 * time.Minute // how long a -requests run may take at most
	defaultDur     = 10 * time.Second
)

// options are the parsed command-line flags.
type options struct {
	target     string // base URL of a running service, no trailing slash
	self       bool   // start the service in-process instead
	clients    []int
	duration   time.Duration // stop issuing requests after this long
	requests   int64         // stop after this many requests (0: duration only)
	scenario   string
	runs       int
	baseline   bool
	mongoURI   string // for the baseline against -target
	database   string
	agency     string  // only this agency (default: every active one)
	area       string  // only this area (default: every one it serves)
	path       string  // the page the dashboard or export scenario reads
	comments   float64 // share of submissions that carry a comment
	user       string  // staff login for the dashboard and export scenarios
	password   string
	timeout    time.Duration
	cpuProfile string
	demo       int // with -self: demo responses stored before the run
	// memory, when set, samples the service's resident size from its
	// /metrics at this interval during each run (memory.go).
	memory       time.Duration
	metricsToken string
}

// scenarios lists the accepted scenario names.
var scenarios = []string{"form", "submit", "api-submit", "dashboard", "export"}

// parseOptions reads the flags; usage and errors go to out.
func parseOptions(args []string, out io.Writer) (options, error) {
	var o options
	var clients string
	fs := flag.NewFlagSet("hailong load", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.target, "target", "", "base URL of a running service, e.g. http://127.0.0.1:8080")
	fs.BoolVar(&o.self, "self", false, "start the service in-process over a fresh embedded FerretDB in a temporary folder")
	fs.StringVar(&clients, "clients", "16", "concurrent clients; a comma list (16,64,256) runs each in turn")
	fs.DurationVar(&o.duration, "duration", 0, "how long each run issues requests (default 10s; with -requests, an upper bound)")
	fs.Int64Var(&o.requests, "requests", 0, "requests per run (instead of a duration)")
	fs.StringVar(&o.scenario, "scenario", "api-submit", "what to drive: "+strings.Join(scenarios, "|"))
	fs.IntVar(&o.runs, "runs", 1, "runs per client count; the median of the runs is printed last")
	fs.BoolVar(&o.baseline, "baseline", false, "also measure raw driver insertOne and cursor read rates on the same database")
	fs.StringVar(&o.mongoURI, "mongodb-uri", "", "the service's database, with -target: for -baseline and to check that every acknowledged submission is stored")
	fs.StringVar(&o.database, "database", "hailong", "database name, for -baseline with -target")
	fs.StringVar(&o.agency, "agency", "", "drive only this agency code")
	fs.StringVar(&o.area, "area", "", "drive only this area code")
	fs.StringVar(&o.path, "path", "", "page read by the dashboard or export scenario (default /dashboard, or /api/v1/exports/responses as CSV over the last 25 months)")
	fs.Float64Var(&o.comments, "comments", 0.25, "share of submissions (0 to 1) that carry a comment")
	fs.StringVar(&o.user, "user", "", "staff user name for the dashboard and export scenarios (with -self: a fresh admin)")
	fs.StringVar(&o.password, "password", os.Getenv("HAILONG_LOAD_PASSWORD"), "that user's password (default $HAILONG_LOAD_PASSWORD)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (with -self: service and database too) to the file")
	fs.IntVar(&o.demo, "demo", 0, "with -self: store this many demo responses (last 24 months) and rebuild the rollups before the run, for the dashboard and export scenarios")
	fs.DurationVar(&o.memory, "memory", 0, "sample the service's resident memory from its /metrics at this interval during each run (e.g. 5s) and print its growth after warm-up")
	fs.StringVar(&o.metricsToken, "metrics-token", os.Getenv("HAILONG_METRICS_TOKEN"), "bearer token of /metrics for -memory (default $HAILONG_METRICS_TOKEN; otherwise -user must be an administrator)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.clients, err = parseClients(clients); err != nil {
		return options{}, err
	}
	return o, o.check()
}

// check validates the combination of flags and fills in the defaults.
func (o *options) check() error {
	switch {
	case o.self == (o.target != ""):
		return errors.New("give exactly one of -target URL and -self")
	case o.requests < 0 || o.duration < 0:
		return errors.New("-requests and -duration must not be negative")
	case o.duration > maxDuration:
		return fmt.Errorf("-duration must be at most %s", maxDuration)
	case o.runs < 1 || o.runs > maxRuns:
		return fmt.Errorf("-runs must be between 1 and %d", maxRuns)
	case o.comments < 0 || o.comments > 1:
		return errors.New("-comments must be between 0 and 1")
	case o.timeout <= 0:
		return errors.New("-timeout must be positive")
	case o.demo < 0 || o.demo > 10_000_000 || (o.demo > 0 && !o.self):
		return errors.New("-demo takes 0 to 10000000 responses, with -self only")
	case o.memory < 0 || (o.memory > 0 && o.memory < 100*time.Millisecond):
		return errors.New("-memory must be at least 100ms")
	case o.baseline && !o.self && o.mongoURI == "":
		return errors.New("-baseline with -target needs -mongodb-uri (the service's database)")
	}
	if !validScenario(o.scenario) {
		return fmt.Errorf("-scenario %q: want one of %s", o.scenario, strings.Join(scenarios, ", "))
	}
	if o.duration == 0 {
		o.duration = defaultDur
		if o.requests > 0 {
			o.duration = requestsCapDur
		}
	}
	if o.target != "" {
		u, err := url.Parse(o.target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("-target %q: want an http(s) URL such as http://127.0.0.1:8080", o.target)
		}
		o.target = strings.TrimRight(u.String(), "/")
	}
	return nil
}

func validScenario(name string) bool {
	for _, s := range scenarios {
		if s == name {
			return true
		}
	}
	return false
}

// parseClients reads "16" or "16,64,256".
func parseClients(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > maxClients {
			return nil, fmt.Errorf("-clients %q: want numbers from 1 to %d, comma separated", s, maxClients)
		}
		out = append(out, n)
	}
	return out, nil
}
