package main

import (
	"context"
	"fmt"
	"os"

	"hailong/server/loadtest"
	"hailong/survey/store"
)

// usage describes the commands; keep it in step with the table below.
const usage = `usage:
  hailong                          run the service (configuration from the environment)
  hailong demo --responses N       add N realistic demo responses over the last 24 months
  hailong demo --total N           add demo responses until N are stored
  hailong rollups rebuild          recompute every report rollup and comment page exactly from the responses
        [--baseline]               first read the same responses with a plain cursor and print the ratio
  hailong load [flags]             drive the service with concurrent clients (see hailong load -h)
  hailong keys list|rotate|retire N  list, rotate or retire the keys that sign invitation links
`

// commands are the commands other than serving, by name, each given the
// arguments after its name. Those that work on the database open it first
// (withStore): with the embedded database, stop the service before.
var commands = map[string]func(ctx context.Context, args []string) error{
	"help":   help,
	"-h":     help,
	"--help": help,
	"load": func(ctx context.Context, args []string) error {
		return loadtest.Main(ctx, args, os.Stdout)
	},
	"demo": func(ctx context.Context, args []string) error {
		return withStore(ctx, func(st *store.Store) error { return demo(ctx, st, args) })
	},
	"keys": func(ctx context.Context, args []string) error {
		return withStore(ctx, func(st *store.Store) error { return keysCommand(ctx, st, args, os.Stdout) })
	},
	"rollups": rollupsCommand,
}

// help prints the usage.
func help(context.Context, []string) error {
	fmt.Print(usage)
	return nil
}
