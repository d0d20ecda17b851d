// Command precompress writes brotli and gzip copies of the built assets in
// dist/ into compressed/, at the highest levels, once at build time, so the
// server never compresses an asset per request. Output is deterministic:
// gzip headers carry no name or time.
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/andybalholm/brotli"
)

// compressible are the text assets worth compressing; images like PNG are
// compressed already.
var compressible = map[string]bool{".css": true, ".js": true, ".svg": true}

func main() {
	if err := run("dist", "compressed"); err != nil {
		fmt.Fprintln(os.Stderr, "precompress:", err)
		os.Exit(1)
	}
}

func run(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !compressible[strings.ToLower(filepath.Ext(e.Name()))] {
			continue
		}
		body, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		var br, gz bytes.Buffer
		bw := brotli.NewWriterLevel(&br, brotli.BestCompression)
		if _, err := bw.Write(body); err != nil {
			return err
		}
		if err := bw.Close(); err != nil {
			return err
		}
		gw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // the level is valid
		if _, err := gw.Write(body); err != nil {
			return err
		}
		if err := gw.Close(); err != nil {
			return err
		}
		for ext, b := range map[string][]byte{".br": br.Bytes(), ".gz": gz.Bytes()} {
			if len(b) >= len(body) {
				continue // no gain: serve the original
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()+ext), b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
