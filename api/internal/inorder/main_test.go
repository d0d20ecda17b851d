package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	p := write("generated.go", "a := "+concurrent+"\n\treturn nil\n})\nb := "+concurrent+"\n")
	if err := rewrite(p); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if strings.Count(string(got), inOrder) != 2 || strings.Contains(string(got), "MarshalSliceConcurrently") {
		t.Errorf("rewritten:\n%s", got)
	}

	// Nothing to rewrite, or a call in another form, is an error: the
	// generated code has changed under the rewrite.
	for name, src := range map[string]string{
		"none.go":  "package graph\n",
		"other.go": concurrent + "\ngraphql.MarshalSliceConcurrently(ctx, len(v), 8, false, f)\n",
	} {
		if err := rewrite(write(name, src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
