// Package conformance checks /graphql against the GraphQL over HTTP spec
// with graphql-http's server audit (audit.mjs, whose header says what it
// checks), run by Node against the real binary.
package conformance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopkeeper/internal/serverproc"
)

// TestServerAudit builds and starts the shopkeeper binary on a loopback
// port, with a fresh data directory, and runs audit.mjs against its
// /graphql. Without Node or the graphql-http package (npm ci installs it)
// the test is skipped, except under CI, where that is a failure.
func TestServerAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "node is not installed", "install Node.js 20+ and run npm ci")
	}
	check := exec.Command(node, "-e", "require.resolve('graphql-http')")
	if out, err := check.CombinedOutput(); err != nil {
		unavailable(t, "graphql-http is not installed", "run npm ci (make generate does); node said: "+errorLine(out))
	}

	tmp := t.TempDir()
	bin, err := serverproc.Build(tmp, "shopkeeper/cmd/shopkeeper", "shopkeeper")
	if err != nil {
		t.Fatal(err)
	}
	server, err := serverproc.Start(bin, serverproc.Options{
		Args:    []string{"-data-dir", filepath.Join(tmp, "data")},
		Env:     serverproc.Environ("SHOP_"), // a developer's settings must not change what is audited
		LogFile: filepath.Join(tmp, "server.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := server.Stop(20 * time.Second); err != nil {
			t.Errorf("stopping the server: %v", err)
		}
	})

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "audit.mjs", server.URL+"/graphql").CombinedOutput()
	if err != nil {
		t.Fatalf("the audit failed (%v):\n%s\nserver log:\n%s", err, out, server.Log())
	}
	t.Logf("graphql-http's server audit of /graphql:\n%s", out)
}

// unavailable skips t for a missing tool, or fails it under CI, where every
// suite must run.
func unavailable(t *testing.T, what, how string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(what + ": the GraphQL over HTTP audit must run under CI; " + how)
	}
	t.Skip(what + ": the GraphQL over HTTP audit is skipped; " + how)
}

// errorLine is the line of Node's output that names the error.
func errorLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		if strings.Contains(l, "Error") {
			return strings.TrimSpace(l)
		}
	}
	return lines[0]
}
