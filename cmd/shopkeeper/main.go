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
	if getenv("GOGC") == "" {
		// Every login allocates a 19 MiB argon2id block that is garbage a
		// moment later; at Go's default of 100 the collector runs after
		// nearly every login. 200 measured a third more logins a second for
		// about 40 MiB more peak memory (docs/performance.md). GOGC overrides.
		debug.SetGCPercent(200)
	}
	return app.Run(ctx, cfg, stdout)
}
