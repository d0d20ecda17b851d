// Package static serves Shopkeeper's built assets (CSS, htmx, favicon) from
// files embedded at build time, under content-hashed URLs that browsers may
// cache forever.
//
// The files in dist/ are produced by `npm run build` and committed, so a Go
// build never needs Node.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var dist embed.FS

// compressed holds brotli (.br) and gzip (.gz) copies of the text assets,
// made by `go generate` (see generate.go).
//
//go:embed compressed
var compressed embed.FS

// Prefix is the URL path under which Handler serves assets.
const Prefix = "/static/"

type asset struct {
	name        string // as in dist/, e.g. "app.css"
	url         string // e.g. "/static/app.3f9a1c2b.css"
	etag        string
	contentType string
	body        []byte
	br, gz      []byte // nil when there is no smaller copy
}

type table struct {
	byName map[string]*asset // "app.css" -> asset
	byFile map[string]*asset // "app.3f9a1c2b.css" -> asset
}

// contentTypes is fixed here rather than taken from the system's MIME
// database, which varies between machines.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
	".map":   "application/json",
	".woff2": "font/woff2",
}

// assets hashes every embedded file once, on first use.
var assets = sync.OnceValue(func() table {
	t := table{byName: map[string]*asset{}, byFile: map[string]*asset{}}
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return t // cannot happen: dist is embedded
	}
	_ = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		file := fingerprint(name, hash[:8])
		ext := path.Ext(name)
		ct, ok := contentTypes[ext]
		if !ok {
			ct = mime.TypeByExtension(ext)
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		a := &asset{
			name:        name,
			url:         Prefix + file,
			etag:        `"` + hash[:32] + `"`,
			contentType: ct,
			body:        body,
		}
		a.br, _ = compressed.ReadFile("compressed/" + name + ".br")
		a.gz, _ = compressed.ReadFile("compressed/" + name + ".gz")
		t.byName[name] = a
		t.byFile[file] = a
		return nil
	})
	return t
})

// fingerprint puts hash before the last extension: "htmx.min.js" becomes
// "htmx.min.<hash>.js".
func fingerprint(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// Path returns the fingerprinted URL of the named asset, such as
// "/static/app.3f9a1c2b.css" for "app.css". It returns "" for a name that is
// not embedded; tests assert that every name the templates use resolves.
func Path(name string) string {
	if a, ok := assets().byName[name]; ok {
		return a.url
	}
	return ""
}

// Names lists the embedded asset names, such as "app.css".
func Names() []string {
	t := assets()
	names := make([]string, 0, len(t.byName))
	for name := range t.byName {
		names = append(names, name)
	}
	return names
}

// Handler serves the assets at their fingerprinted URLs under Prefix with
// long-lived immutable caching. Any other path, including an asset's plain
// name or a stale hash, is 404: an old page must not get new bytes under an
// old URL, nor be cached forever by mistake.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		file, ok := strings.CutPrefix(r.URL.Path, Prefix)
		a := assets().byFile[file]
		if !ok || a == nil {
			h.Set("Cache-Control", "no-store")
			http.NotFound(w, r)
			return
		}
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Add("Vary", "Accept-Encoding")
		body, etag := a.body, a.etag
		accept := r.Header.Get("Accept-Encoding")
		switch {
		case a.br != nil && accepts(accept, "br"):
			body, etag = a.br, strings.TrimSuffix(a.etag, `"`)+`-br"`
			h.Set("Content-Encoding", "br")
		case a.gz != nil && accepts(accept, "gzip"):
			body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
			h.Set("Content-Encoding", "gzip")
		}
		h.Set("ETag", etag)
		// ServeContent answers If-None-Match with 304, HEAD and Range.
		http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
	})
}

// accepts reports whether an Accept-Encoding header allows coding: named
// (or "*") without q=0.
func accepts(header, coding string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, coding) && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
