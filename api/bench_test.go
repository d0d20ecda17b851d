package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"shopkeeper/api"
	"shopkeeper/password"
)

// benchServer returns the API handler over a fresh database, with one
// registered owner (ann@example.com / "password-Ann") and their secret.
func benchServer(b *testing.B, hasher *password.Hasher, limits api.Limits) (http.Handler, string) {
	b.Helper()
	db := openDB(b, newDatabase(b))
	h := api.New(api.Options{DB: db, Hasher: hasher, Limits: limits, Logger: slog.New(slog.DiscardHandler)})
	call(b, h, "", registerMutation, map[string]any{"email": "ann@example.com", "password": "password-Ann", "name": "Ann"})
	var d struct{ Login token }
	decodeData(b, call(b, h, "", loginMutation, map[string]any{"email": "ann@example.com", "password": "password-Ann"}), &d)
	return h, d.Login.Secret
}

// call runs one GraphQL request through the handler, without a socket.
func call(b *testing.B, h http.Handler, secret, query string, vars map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out, _ := io.ReadAll(rec.Result().Body)
	if rec.Code != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		b.Fatalf("status %d: %s", rec.Code, out)
	}
	return out
}

func decodeData(b *testing.B, raw []byte, v any) {
	var r struct{ Data json.RawMessage }
	if err := json.Unmarshal(raw, &r); err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLogin measures a login with the production argon2id parameters,
// which dominate its cost by design. Every login is the same account's from
// the same address, so throttling is off, as in the load benchmark.
func BenchmarkLogin(b *testing.B) {
	h, _ := benchServer(b, password.New(password.Options{}), api.Limits{Off: true})
	vars := map[string]any{"email": "ann@example.com", "password": "password-Ann"}
	b.ReportAllocs()
	for b.Loop() {
		call(b, h, "", loginMutation, vars)
	}
}

// BenchmarkFindOwnerByEmail measures the workshop's home-page query for an
// owner with 10 stores: token lookup, owner and one page of stores.
func BenchmarkFindOwnerByEmail(b *testing.B) {
	h, secret := benchServer(b, password.New(password.Options{Params: cheapParams}), api.Limits{})
	for i := range 10 {
		call(b, h, secret, `mutation($name: String!) { createStore(data: { name: $name, email: "s@shop.test", categories: ["food", "drinks"] }) { _id } }`,
			map[string]any{"name": fmt.Sprint("store ", i)})
	}
	const q = `query { findOwnerByEmail(email: "ann@example.com") { _id name email stores { data { _id name email paymentMethods categories } } } }`
	var check struct {
		FindOwnerByEmail struct{ Stores struct{ Data []any } }
	}
	decodeData(b, call(b, h, secret, q, nil), &check)
	if n := len(check.FindOwnerByEmail.Stores.Data); n != 10 {
		b.Fatalf("%d stores, want 10", n)
	}
	b.ReportAllocs()
	for b.Loop() {
		call(b, h, secret, q, nil)
	}
}

// BenchmarkLargeDocuments sends 1 MiB documents of awkward shapes, each a
// new one (a cache hit would measure nothing). Every one must be answered
// in well under 100 ms: the limits refuse the large ones before validation,
// and a long comment costs only its reading.
func BenchmarkLargeDocuments(b *testing.B) {
	h, secret := benchServer(b, password.New(password.Options{Params: cheapParams}), api.Limits{})
	const size = 1<<20 - 64 // leaves room for the JSON around it
	fill := func(prefix, unit, suffix string) string {
		return prefix + strings.Repeat(unit, (size-len(prefix)-len(suffix))/len(unit)) + suffix
	}
	shapes := map[string]string{
		"same field": fill("{ ", "__typename ", "}"),
		"distinct aliases": func() string {
			var s strings.Builder
			s.WriteString("{ ")
			for i := 0; s.Len() < size-16; i++ {
				fmt.Fprintf(&s, "a%d: __typename ", i)
			}
			return s.String() + "}"
		}(),
		"nested lists":     fill(`{ findOwnerByEmail(email: `, "[", ""),
		"one string":       fill(`{ findOwnerByEmail(email: "`, "x", `") { _id } }`),
		"comment":          fill("{ __typename } #", "x", ""),
		"fragment spreads": fill("{ ...A } fragment A on Query { __typename } fragment B on Query { ", "...A ", "}"),
		"directives":       fill("{ __typename ", "@skip(if: false) ", "}"),
		"unused fragments": func() string {
			var s strings.Builder
			s.WriteString("{ __typename } ")
			for i := 0; s.Len() < size-64; i++ {
				fmt.Fprintf(&s, "fragment F%d on Query { __typename } ", i)
			}
			return s.String()
		}(),
	}
	for name, doc := range shapes {
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				body, _ := json.Marshal(map[string]string{"query": doc[:len(doc)-len(strconv.Itoa(i))-2] + "#" + strconv.Itoa(i) + "\n"})
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+secret)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					b.Fatalf("status %d: %.300s", rec.Code, rec.Body)
				}
			}
		})
	}
}
