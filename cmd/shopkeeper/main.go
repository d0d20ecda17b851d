// Command shopkeeper serves the store owners' web app and its GraphQL API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"shopkeeper/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "shopkeeper:", err)
		os.Exit(1)
	}
}

// run parses the configuration and serves until ctx is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := app.ParseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	// The live heap is small (a few MiB), so at Go's defaults the collector
	// runs every few dozen page views, and after nearly every login, each of
	// which leaves a 19 MiB argon2id block behind. Collecting at 400% growth
	// under a 160 MiB soft limit measured about 40% more pages and logins a
	// second with peak memory still under 200 MiB (docs/performance.md).
	// GOGC and GOMEMLIMIT override these.
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
	return app.Run(ctx, cfg, stdout)
}
