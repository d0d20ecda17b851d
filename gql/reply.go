package gql

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"shopkeeper/rules"
)

// extensionTokenExpiresAt is the entry of an answer's extensions in which
// the API tells an authenticated caller when its token now expires
// (api.ExtensionTokenExpiresAt).
const extensionTokenExpiresAt = "tokenExpiresAt"

// Reply is what the API told back to the calls made with one context
// (WithReply), beside their data: when the token they carried now expires,
// and how long to wait after a throttled attempt. Both transports, the
// executor in this process and HTTP, fill it from the same parts of each
// answer, so the web reads it the same way whichever door it used.
type Reply struct {
	// Secret is the token TokenExpiresAt is about: the one the last call
	// the API told an expiry to carried (WithSecret); "" when it told none.
	Secret string
	// TokenExpiresAt is the latest expiry the API told for Secret
	// (extensions.tokenExpiresAt), so whoever keeps the expiry (the session
	// cookie) follows the token as it slides, with no call of its own.
	TokenExpiresAt time.Time
	// RetryAfter is how long to wait before trying again, as the API told
	// the last call it throttled (extensions.retryAfter, at least a
	// second); 0 when it throttled none.
	RetryAfter time.Duration
}

type replyKey struct{}

// replies is the Reply being filled in; calls may run concurrently.
type replies struct {
	mu    sync.Mutex
	reply Reply
}

// WithReply returns ctx in which every call records what the API tells
// back, for ReplyFrom to read.
func WithReply(ctx context.Context) context.Context {
	return context.WithValue(ctx, replyKey{}, &replies{})
}

// ReplyFrom returns what the API has told back so far to the calls made
// with ctx; the zero Reply when ctx has no WithReply.
func ReplyFrom(ctx context.Context) Reply {
	r, _ := ctx.Value(replyKey{}).(*replies)
	if r == nil {
		return Reply{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reply
}

// tokenExpires records what the API said of a token's expiry: the latest
// for the token told last.
func (r *replies) tokenExpires(secret string, expires time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if secret == r.reply.Secret && !expires.After(r.reply.TokenExpiresAt) {
		return
	}
	r.reply.Secret, r.reply.TokenExpiresAt = secret, expires
}

func (r *replies) retryAfter(wait time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reply.RetryAfter = wait
}

// replyClient records in the context's Reply what each answer tells back.
type replyClient struct{ base graphql.Client }

func (c replyClient) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	err := c.base.MakeRequest(ctx, req, resp)
	r, _ := ctx.Value(replyKey{}).(*replies)
	if r == nil {
		return err
	}
	if wait := retryAfter(err); wait > 0 {
		r.retryAfter(wait)
	}
	secret := secretFrom(ctx)
	if secret == "" {
		return err
	}
	if v, ok := resp.Extensions[extensionTokenExpiresAt].(string); ok {
		if expires, perr := time.Parse(time.RFC3339Nano, v); perr == nil {
			r.tokenExpires(secret, expires)
		}
	}
	return err
}

// retryAfter is how long err, a call's answer, says to wait: 0 unless its
// first error is a throttling, then at least a second.
func retryAfter(err error) time.Duration {
	list, ok := errors.AsType[gqlerror.List](err)
	if !ok || len(list) == 0 {
		return 0
	}
	if code, _ := list[0].Extensions["code"].(string); code != rules.CodeTooManyRequests {
		return 0
	}
	secs, _ := list[0].Extensions["retryAfter"].(float64)
	return time.Duration(max(secs, 1)) * time.Second
}
