package gql

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"shopkeeper/visitor"
)

type secretKey struct{}

// WithSecret returns ctx carrying the caller's bearer secret.
func WithSecret(ctx context.Context, secret string) context.Context {
	return context.WithValue(ctx, secretKey{}, secret)
}

func secretFrom(ctx context.Context) string {
	s, _ := ctx.Value(secretKey{}).(string)
	return s
}

// bearerTransport adds the secret from the request's context as a bearer token.
type bearerTransport struct{ base http.RoundTripper }

func (t bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	secret := secretFrom(req.Context())
	if secret == "" {
		return t.base.RoundTrip(req)
	}
	req = req.Clone(req.Context()) // a RoundTripper must not change its argument
	req.Header.Set("Authorization", "Bearer "+secret)
	return t.base.RoundTrip(req)
}

// forwardedTransport names the visitor the context carries in
// X-Forwarded-For, for an API in another process.
type forwardedTransport struct{ base http.RoundTripper }

func (t forwardedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	addr, ok := visitor.FromContext(req.Context())
	if !ok {
		return t.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Header.Set("X-Forwarded-For", addr)
	return t.base.RoundTrip(req)
}

// handlerTransport serves requests with an in-process handler; the
// visitor travels in the context, which the API reads directly.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w := &responseBuffer{header: make(http.Header)}
	t.h.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(&w.body),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// responseBuffer is the http.ResponseWriter an in-process call writes into.
type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseBuffer) Header() http.Header { return w.header }

func (w *responseBuffer) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseBuffer) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}
