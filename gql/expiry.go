package gql

import (
	"context"
	"time"

	"github.com/Khan/genqlient/graphql"
)

// extensionTokenExpiresAt is the entry of an answer's extensions in which
// the API tells an authenticated caller when its token now expires
// (api.ExtensionTokenExpiresAt).
const extensionTokenExpiresAt = "tokenExpiresAt"

type expiryKey struct{}

// WithTokenExpiry returns ctx in which every call tells report the expiry
// the API gave for the token the call carried (WithSecret), so whoever
// keeps the expiry (the session cookie) follows the token as it slides,
// with no call of its own.
func WithTokenExpiry(ctx context.Context, report func(secret string, expires time.Time)) context.Context {
	return context.WithValue(ctx, expiryKey{}, report)
}

// expiryClient reads the token's expiry from each answer's extensions.
type expiryClient struct{ base graphql.Client }

func (c expiryClient) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	err := c.base.MakeRequest(ctx, req, resp)
	report, _ := ctx.Value(expiryKey{}).(func(string, time.Time))
	secret := secretFrom(ctx)
	if report == nil || secret == "" {
		return err
	}
	if v, ok := resp.Extensions[extensionTokenExpiresAt].(string); ok {
		if expires, perr := time.Parse(time.RFC3339Nano, v); perr == nil {
			report(secret, expires)
		}
	}
	return err
}
