package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxKeep is how much of an answer is kept to be parsed; the rest is only
// counted.
const maxKeep = 64 << 20

// reply is one answer to POST /graphql, as measured.
type reply struct {
	status   int
	size     int64 // body bytes as sent
	elapsed  time.Duration
	timedOut bool
	timeout  time.Duration
	err      error    // a transport failure other than the timeout
	text     string   // the start of a body that is not GraphQL JSON
	gql      *gqlBody // nil when the body was not GraphQL JSON
}

type gqlBody struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code any `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

// body is a JSON request body holding one query.
func body(query string) []byte {
	b, err := json.Marshal(map[string]string{"query": query})
	if err != nil {
		panic(err)
	}
	return b
}

// post sends query within the server's request timeout.
func (s *server) post(query, bearer string) reply {
	return s.postBody(body(query), bearer, s.timeout)
}

// postBody sends a JSON body and reads the whole answer within timeout.
func (s *server) postBody(b []byte, bearer string, timeout time.Duration) reply {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r := reply{timeout: timeout}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/graphql", bytes.NewReader(b))
	if err != nil {
		r.err = err
		return r
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	t0 := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		r.elapsed = time.Since(t0)
		r.setErr(err)
		return r
	}
	defer resp.Body.Close()
	r.status = resp.StatusCode
	var kept bytes.Buffer
	n, err := io.Copy(&kept, io.LimitReader(resp.Body, maxKeep))
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.Discard, resp.Body)
		n += rest
	}
	r.elapsed, r.size = time.Since(t0), n
	if err != nil {
		r.setErr(err)
		return r
	}
	var g gqlBody
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/") &&
		json.Unmarshal(kept.Bytes(), &g) == nil && (g.Data != nil || g.Errors != nil) {
		r.gql = &g
	} else if n <= maxKeep {
		r.text = strings.TrimSpace(string(kept.Bytes()[:min(kept.Len(), 60)]))
	}
	return r
}

func (r *reply) setErr(err error) {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		r.timedOut = true
		return
	}
	r.err = err
}

// fields are the top-level entries of data (one per alias); nil when data
// is null or missing.
func (r reply) fields() map[string]json.RawMessage {
	if r.gql == nil {
		return nil
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(r.gql.Data, &m)
	return m
}

// nonNull is how many top-level fields came back with a value.
func (r reply) nonNull() int {
	n := 0
	for _, v := range r.fields() {
		if !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			n++
		}
	}
	return n
}

// codes counts errors[].extensions.code; an error without a code counts
// under its quoted message.
func (r reply) codes() counts {
	c := counts{}
	if r.gql == nil {
		return c
	}
	for _, e := range r.gql.Errors {
		code, _ := e.Extensions.Code.(string)
		if code == "" {
			code = fmt.Sprintf("%q", shorten(e.Message, 50))
		}
		c[code]++
	}
	return c
}

// describe says in a few words what came back.
func (r reply) describe() string {
	switch {
	case r.timedOut:
		return "timed out after " + secs(r.timeout)
	case r.err != nil:
		return "failed: " + shorten(r.err.Error(), 80)
	case r.gql == nil && r.size > maxKeep:
		return fmt.Sprintf("HTTP %d, more than the %d MiB this client parses", r.status, maxKeep>>20)
	case r.gql == nil:
		return fmt.Sprintf("HTTP %d, not GraphQL: %q", r.status, r.text)
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("HTTP %d", r.status))
	if n := len(r.fields()); n > 0 {
		parts = append(parts, fmt.Sprintf("data (%d of %d fields non-null)", r.nonNull(), n))
	} else {
		parts = append(parts, "no data")
	}
	if c := r.codes(); len(c) > 0 {
		parts = append(parts, "errors "+c.String())
	} else {
		parts = append(parts, "no errors")
	}
	return strings.Join(parts, ", ")
}

// counts tallies strings (error codes, statuses).
type counts map[string]int

func (c counts) add(o counts) {
	for k, v := range o {
		c[k] += v
	}
}

func (c counts) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// String lists the entries, most frequent first: "A×3 B×1".
func (c counts) String() string {
	keys := slices.SortedFunc(maps.Keys(c), func(a, b string) int {
		return cmp.Or(cmp.Compare(c[b], c[a]), cmp.Compare(a, b))
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, c[k]))
	}
	return strings.Join(parts, " ")
}

// secs writes a duration in seconds: "60 s", "0.5 s".
func secs(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
