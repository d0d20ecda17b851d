// Package gql is the web app's typed client for Shopkeeper's GraphQL API.
// Operations and the fragments the pages show live in operations.graphql,
// checked by genqlient against the schema the API serves; generated.go holds
// the types it makes of them, which the components take as they are. This
// file calls the operations, turning a null answer into ErrNotFound, and
// errors.go reads the API's error codes for the handlers.
package gql

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/Khan/genqlient/graphql"

	"shopkeeper/rules"
)

// Session is what login returns and the web keeps in its cookie, with the
// owner's name for the pages to greet them by.
type Session struct {
	Secret  string
	TTL     time.Time
	Email   string
	OwnerID string
	Name    string
}

// Client calls the API. The caller's secret travels in the context (WithSecret).
type Client struct {
	gql graphql.Client
}

// New returns a client for the API at endpoint, sending requests with hc.
// The secret in each call's context is added as a bearer token.
func New(endpoint string, hc *http.Client) *Client {
	authed := *hc
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	authed.Transport = bearerTransport{base: base}
	return &Client{gql: replyClient{graphql.NewClient(endpoint, &authed)}}
}

// NewInProcess returns a client for the API in this process: each request
// goes straight to its executor, with no HTTP in between.
func NewInProcess(api Executor) *Client {
	return &Client{gql: replyClient{executorClient{api}}}
}

// NewHandler returns a client that hands each request to an http.Handler
// in this process, as a remote client would send it: no socket, but the
// whole HTTP path. Tests serve stand-ins for the API with it.
func NewHandler(h http.Handler) *Client {
	return New("http://in-process/graphql", &http.Client{Transport: handlerTransport{h}})
}

// NewRemote returns a client for an API on another host, with timeouts. It
// names the visitor in X-Forwarded-For, which that API believes when this
// instance is among its SHOP_TRUSTED_PROXIES.
func NewRemote(endpoint string) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 10 * time.Second
	return New(endpoint, &http.Client{Transport: forwardedTransport{t}, Timeout: 15 * time.Second})
}

// Login exchanges an email and password for a session, and asks for the
// owner's name with the new token, once, so pages need not.
func (c *Client) Login(ctx context.Context, email, password string) (Session, error) {
	resp, err := Login(ctx, c.gql, email, password)
	if err != nil {
		return Session{}, classify(err)
	}
	t := resp.Login
	if t.Secret == "" {
		return Session{}, errors.New("gql: the API answered login with no token")
	}
	s := Session{Secret: t.Secret, TTL: t.Ttl, Email: t.Email, OwnerID: t.OwnerId}
	if s.Name, err = c.OwnerName(WithSecret(ctx, s.Secret), s.OwnerID); err != nil {
		// A login the caller never gets must not stay live.
		_ = c.Logout(WithSecret(context.WithoutCancel(ctx), s.Secret))
		return Session{}, err
	}
	return s, nil
}

// Register creates an owner account.
func (c *Client) Register(ctx context.Context, name, email, password string) error {
	_, err := RegisterOwner(ctx, c.gql, name, email, password)
	return classify(err)
}

// Logout revokes the token in ctx.
// A token the API no longer knows is revoked already: that is success.
func (c *Client) Logout(ctx context.Context) error {
	_, err := Logout(ctx, c.gql)
	if err = classify(err); Code(err) == rules.CodeInvalidToken {
		return nil
	}
	return err
}

// LogoutEverywhere revokes every token of the owner whose token is in ctx,
// that one included.
func (c *Client) LogoutEverywhere(ctx context.Context) error {
	_, err := LogoutEverywhere(ctx, c.gql)
	if err = classify(err); Code(err) == rules.CodeInvalidToken {
		return nil
	}
	return err
}

// LogoutOthers revokes every token of the owner whose token is in ctx but
// that one, in one call however many there are.
func (c *Client) LogoutOthers(ctx context.Context) error {
	_, err := LogoutOthers(ctx, c.gql)
	return classify(err)
}

// Sessions returns the caller's live sessions, newest first.
func (c *Client) Sessions(ctx context.Context) ([]AccountSession, error) {
	resp, err := MySessions(ctx, c.gql)
	if err != nil {
		return nil, classify(err)
	}
	return resp.MySessions, nil
}

// RevokeSession ends one of the caller's sessions by its id; ErrNotFound
// when it is not one of them (unknown, ended, or another owner's).
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	resp, err := RevokeSession(ctx, c.gql, id)
	if err != nil {
		return classify(err)
	}
	if !resp.RevokeSession {
		return ErrNotFound
	}
	return nil
}

// ChangePassword replaces the caller's password. The API ends every
// session of the owner and returns a fresh login for this client; its Name
// is left for the caller to keep.
func (c *Client) ChangePassword(ctx context.Context, current, next string) (Session, error) {
	resp, err := ChangePassword(ctx, c.gql, current, next)
	if err != nil {
		return Session{}, classify(err)
	}
	t := resp.ChangePassword
	if t.Secret == "" {
		return Session{}, errors.New("gql: the API answered changePassword with no token")
	}
	return Session{Secret: t.Secret, TTL: t.Ttl, Email: t.Email, OwnerID: t.OwnerId}, nil
}

// DeleteOwner removes the caller's account, its stores and its sessions,
// once password proves it is the owner.
func (c *Client) DeleteOwner(ctx context.Context, password string) error {
	resp, err := DeleteOwner(ctx, c.gql, password)
	if err != nil {
		return classify(err)
	}
	if !resp.DeleteOwner {
		return errors.New("gql: the API answered deleteOwner with false")
	}
	return nil
}

// RequestPasswordReset asks the API to mail a reset link to the account
// with email. The API answers the same whether or not there is one, and
// when it throttles the request, so this tells the caller nothing either.
func (c *Client) RequestPasswordReset(ctx context.Context, email string) error {
	resp, err := RequestPasswordReset(ctx, c.gql, email)
	if err != nil {
		return classify(err)
	}
	if !resp.RequestPasswordReset {
		return errors.New("gql: the API answered requestPasswordReset with false")
	}
	return nil
}

// ResetPassword sets a new password with a token from a reset mail; an
// unknown, used or expired token is rules.CodeInvalidResetToken.
func (c *Client) ResetPassword(ctx context.Context, token, newPassword string) error {
	resp, err := ResetPassword(ctx, c.gql, token, newPassword)
	if err != nil {
		return classify(err)
	}
	if !resp.ResetPassword {
		return errors.New("gql: the API answered resetPassword with false")
	}
	return nil
}

// Dashboard returns the owner with email and a page of their stores, starting
// at cursor ("" for the first page).
func (c *Client) Dashboard(ctx context.Context, email, cursor string, size int) (OwnerDashboard, error) {
	resp, err := Dashboard(ctx, c.gql, email, size, cursor)
	return found(resp.FindOwnerByEmail, err)
}

// OwnerName returns the name of the owner with id.
func (c *Client) OwnerName(ctx context.Context, id string) (string, error) {
	resp, err := OwnerName(ctx, c.gql, id)
	owner, err := found(resp.FindOwnerByID, err)
	return owner.Name, err
}

// Store returns one of the caller's stores, or ErrNotFound.
func (c *Client) Store(ctx context.Context, id string) (StoreDetail, error) {
	resp, err := FindStore(ctx, c.gql, id)
	return found(resp.FindStoreByID, err)
}

// CreateStore creates a store owned by ownerID (it sets in.Owner) and
// returns its id.
func (c *Client) CreateStore(ctx context.Context, ownerID string, in StoreInput) (string, error) {
	in.Owner = StoreOwnerRelation{Connect: ownerID}
	resp, err := CreateStore(ctx, c.gql, in)
	if err != nil {
		return "", classify(err)
	}
	return resp.CreateStore.Id, nil
}

// UpdateStore replaces the fields of one of the caller's stores, owned by
// ownerID (it sets in.Owner).
func (c *Client) UpdateStore(ctx context.Context, ownerID, id string, in StoreInput) error {
	in.Owner = StoreOwnerRelation{Connect: ownerID}
	resp, err := UpdateStore(ctx, c.gql, id, in)
	_, err = found(resp.UpdateStore, err)
	return err
}

// DeleteStore deletes one of the caller's stores.
func (c *Client) DeleteStore(ctx context.Context, id string) error {
	resp, err := DeleteStore(ctx, c.gql, id)
	_, err = found(resp.DeleteStore, err)
	return err
}

// found is what a call answered, the API's error, or ErrNotFound when it
// answered null: a record that is missing or another owner's. genqlient
// returns its response even with an error, so reading a field of it is safe.
func found[T any](answer *T, err error) (T, error) {
	var none T
	if err != nil {
		return none, classify(err)
	}
	if answer == nil {
		return none, ErrNotFound
	}
	return *answer, nil
}
