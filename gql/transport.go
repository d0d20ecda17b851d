package gql

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

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

// forwardedTransport names the visitor the context carries for an API in
// another process: the address in X-Forwarded-For, and a device cookie the
// web checked in visitor.DeviceHeader, still sealed, so the API checks it
// again. That API believes both only from its SHOP_TRUSTED_PROXIES.
type forwardedTransport struct{ base http.RoundTripper }

func (t forwardedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	v, _ := visitor.FromContext(req.Context())
	device, hasDevice := v.CheckedDevice()
	if v.Addr == "" && !hasDevice {
		return t.base.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	if v.Addr != "" {
		req.Header.Set("X-Forwarded-For", v.Addr)
	}
	if hasDevice && device.Seal != "" {
		req.Header.Set(visitor.DeviceHeader, device.Seal)
	}
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

// Executor runs GraphQL requests inside this process: *api.Server. secret
// is the caller's bearer secret, "" for none.
type Executor interface {
	Execute(ctx context.Context, secret, query, operationName string, variables map[string]any) (data json.RawMessage, errs gqlerror.List, extensions map[string]any)
}

// executorClient is a genqlient client that hands each request to an
// Executor. The variables and the data still go through JSON, which is how
// genqlient's typed values and gqlgen's arguments are read, but no HTTP
// request, header or envelope is made for them.
type executorClient struct{ api Executor }

func (c executorClient) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	vars, err := asJSONObject(req.Variables)
	if err != nil {
		return err
	}
	// The token goes as the bearer secret, as bearerTransport's header would.
	data, errs, ext := c.api.Execute(ctx, secretFrom(ctx), req.Query, req.OpName, vars)
	resp.Extensions = ext
	if len(data) > 0 && resp.Data != nil {
		if err := json.Unmarshal(data, resp.Data); err != nil {
			return err
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// The errors are read as they would be from a remote API, so their
	// extensions hold what JSON makes of them (numbers as float64) however
	// they came.
	b, err := json.Marshal(errs)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &resp.Errors); err != nil {
		return err
	}
	return resp.Errors
}

// asJSONObject is v as the API reads a request's variables from JSON: an
// object, with numbers as json.Number.
func asJSONObject(v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}
