package api

import (
	"context"
	"errors"
	"log/slog"
	"time"
	"unicode/utf8"

	"shopkeeper/api/internal/graph"
	"shopkeeper/api/internal/graph/model"
	"shopkeeper/password"
	"shopkeeper/rules"
	"shopkeeper/storage"
)

// resolver implements the generated graph.ResolverRoot. Every entry point
// that needs a login calls s.authenticate and scopes its store call by the
// caller's owner id, so another owner's records are indistinguishable from
// missing ones.
type resolver struct{ s *Server }

func (r *resolver) Query() graph.QueryResolver       { return queryResolver{r.s} }
func (r *resolver) Mutation() graph.MutationResolver { return mutationResolver{r.s} }
func (r *resolver) Owner() graph.OwnerResolver       { return ownerResolver{r.s} }
func (r *resolver) Store() graph.StoreResolver       { return storeResolver{r.s} }

type (
	queryResolver    struct{ s *Server }
	mutationResolver struct{ s *Server }
	ownerResolver    struct{ s *Server }
	storeResolver    struct{ s *Server }
)

// Queries.

// FindOwnerByEmail answers only for the caller's own email: anyone else's
// is null, exactly like an unknown one.
func (q queryResolver) FindOwnerByEmail(ctx context.Context, email *string) (*storage.Owner, error) {
	c, err := q.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if email == nil || storage.NormalizeEmail(*email) != c.owner.Email {
		return nil, nil
	}
	return &c.owner, nil
}

func (q queryResolver) FindOwnerByID(ctx context.Context, id string) (*storage.Owner, error) {
	c, err := q.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if id != c.owner.ID {
		return nil, nil
	}
	return &c.owner, nil
}

func (q queryResolver) FindStoreByID(ctx context.Context, id string) (*storage.Store, error) {
	c, err := q.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	return nilIfNotFound(q.s.db.Store(ctx, c.owner.ID, id))
}

// ListOwners lists the owners the caller may see: itself.
func (q queryResolver) ListOwners(ctx context.Context) ([]*storage.Owner, error) {
	c, err := q.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	return []*storage.Owner{&c.owner}, nil
}

func (q queryResolver) CountStores(ctx context.Context) (*int, error) {
	c, err := q.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	n, err := q.s.db.CountStores(ctx, c.owner.ID)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// Account mutations.

func (m mutationResolver) RegisterOwner(ctx context.Context, email, pw, name string) (*storage.Owner, error) {
	var (
		v   invalid
		msg string
	)
	name, msg = rules.OwnerName(name)
	v.check("name", msg)
	email, msg = rules.Email(email)
	v.check("email", msg)
	v.check("password", rules.NewPassword(pw))
	if err := v.err(ctx); err != nil {
		return nil, err
	}
	if err := m.s.throttle(ctx, "signup", email, m.s.signupCounters(ctx)...); err != nil {
		return nil, err
	}
	hash, err := m.s.hasher.Hash(ctx, pw)
	if err != nil {
		return nil, hasherError(err)
	}
	o, err := m.s.db.CreateOwner(ctx, storage.Owner{Name: name, Email: email, PasswordHash: hash})
	if errors.Is(err, storage.ErrDuplicate) {
		return nil, errEmailTaken
	}
	if err != nil {
		return nil, err
	}
	m.s.audit(ctx, EventSignupSuccess, slog.String("email", o.Email))
	return &o, nil
}

// Login spends one argon2id verification whether or not the email exists,
// and fails with one error either way, so neither the answer nor its timing
// tells whether an account exists. Attempts are counted per client address
// and per account before anything is checked, so parallel guesses count
// too; the account's count starts again after a successful login. Input is
// refused only when nothing was typed (rules.LoginEmail, LoginPassword).
func (m mutationResolver) Login(ctx context.Context, email, pw string) (*model.Token, error) {
	var (
		v   invalid
		msg string
	)
	email, msg = rules.LoginEmail(email)
	v.check("email", msg)
	v.check("password", rules.LoginPassword(pw))
	if err := v.err(ctx); err != nil {
		return nil, err
	}
	email = storage.NormalizeEmail(email)
	if err := m.s.throttle(ctx, "login", email, m.s.loginCounters(ctx, email)...); err != nil {
		return nil, err
	}
	// A password over the limit is on no account: it is answered as an
	// unknown email is, after the same dummy work.
	o, err := storage.Owner{}, storage.ErrNotFound
	if utf8.RuneCountInString(pw) <= rules.MaxPassword {
		o, err = m.s.db.OwnerByEmail(ctx, email)
	}
	if errors.Is(err, storage.ErrNotFound) {
		if err := m.s.hasher.VerifyDummy(ctx, pw); err != nil {
			return nil, hasherError(err)
		}
		m.s.audit(ctx, EventLoginFailure, slog.String("email", email))
		return nil, errLogin
	}
	if err != nil {
		return nil, err
	}
	ok, rehash, err := m.s.hasher.Verify(ctx, o.PasswordHash, pw)
	if err != nil {
		return nil, hasherError(err)
	}
	if !ok {
		m.s.audit(ctx, EventLoginFailure, slog.String("email", email))
		return nil, errLogin
	}
	m.s.loginSucceeded(ctx, email)
	if rehash {
		m.rehash(ctx, o.ID, pw)
	}

	// Only the secret's hash is stored; the secret goes back to the caller.
	secret, hash := newSecret()
	// Whole seconds: the ttl is shown to clients at that precision, and a
	// token must not outlive the ttl it was announced with.
	now := m.s.now().UTC()
	expires := now.Add(m.s.tokenTTL).Truncate(time.Second)
	if err := m.s.db.CreateToken(ctx, storage.Token{Hash: hash, OwnerID: o.ID, ExpiresAt: expires, CreatedAt: now, UserAgent: userAgent(ctx)}); err != nil {
		return nil, err
	}
	m.s.audit(ctx, EventLoginSuccess, slog.String("email", o.Email))
	return &model.Token{TTL: expires, Secret: secret, Email: o.Email, OwnerID: o.ID}, nil
}

// rehash upgrades a hash made with older parameters. Failing only means
// trying again at the next login, so it does not fail this one.
func (m mutationResolver) rehash(ctx context.Context, ownerID, pw string) {
	hash, err := m.s.hasher.Hash(ctx, pw)
	if err == nil {
		err = m.s.db.SetPasswordHash(ctx, ownerID, hash)
	}
	if err != nil {
		m.s.logError(ctx, "api: rehash password", err)
	}
}

func hasherError(err error) error {
	if errors.Is(err, password.ErrBusy) {
		return errBusy
	}
	return err
}

// Logout revokes the caller's token; with allTokens every token of the
// owner, and with keepCurrent too every one but the caller's, in one
// statement however many there are.
func (m mutationResolver) Logout(ctx context.Context, allTokens, keepCurrent *bool) (*bool, error) {
	c, err := m.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	all, keep := allTokens != nil && *allTokens, keepCurrent != nil && *keepCurrent
	switch {
	case keep && !all:
		return nil, validationError("keepCurrent", "keepCurrent goes with allTokens: true, to end every other session.")
	case keep:
		err = m.s.db.DeleteOwnerTokens(ctx, c.owner.ID, c.token.Hash)
	case all:
		err = m.s.db.DeleteOwnerTokens(ctx, c.owner.ID, nil)
	default:
		err = m.s.db.DeleteToken(ctx, c.token.Hash)
	}
	if err != nil {
		return nil, err
	}
	m.s.audit(ctx, EventLogout, slog.String("email", c.owner.Email), slog.Bool("all_tokens", all), slog.Bool("keep_current", keep))
	ok := true
	return &ok, nil
}

// Store mutations.

// connectsCaller reports whether rel links the store to the caller (or to
// nobody in particular, which means the caller).
func connectsCaller(rel *model.StoreOwnerRelation, ownerID string) bool {
	return rel == nil || rel.Connect == nil || *rel.Connect == ownerID
}

func (m mutationResolver) CreateStore(ctx context.Context, data model.StoreInput) (*storage.Store, error) {
	c, err := m.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if !connectsCaller(data.Owner, c.owner.ID) {
		return nil, errPermissionDenied
	}
	sh, err := storeFromInput(ctx, data)
	if err != nil {
		return nil, err
	}
	if err := m.s.throttleStoreWrite(ctx, c); err != nil {
		return nil, err
	}
	sh.OwnerID = c.owner.ID
	sh, err = m.s.db.CreateStore(ctx, sh, m.s.storeCap)
	if errors.Is(err, storage.ErrLimitReached) {
		return nil, errTooManyStores(m.s.storeCap)
	}
	if err != nil {
		return nil, err
	}
	return listsNeverNull(&sh), nil
}

// UpdateStore is a partial update whose name and email are required: a
// list left out keeps what the store has, as Fauna's update did, and an
// explicit null clears it.
func (m mutationResolver) UpdateStore(ctx context.Context, id string, data model.StoreInput) (*storage.Store, error) {
	return m.updateStore(ctx, id, partial(data))
}

// PartialUpdateStore is Fauna's preview of a partial update: only the
// fields sent change.
func (m mutationResolver) PartialUpdateStore(ctx context.Context, id string, data model.PartialUpdateStoreInput) (*storage.Store, error) {
	return m.updateStore(ctx, id, data)
}

// updateStore changes the fields in sets, in one write, so an update of
// other fields running at the same time is not lost. It answers null for a
// store that is not the caller's, as for one that does not exist, and
// cannot move a store to another owner.
func (m mutationResolver) updateStore(ctx context.Context, id string, in model.PartialUpdateStoreInput) (*storage.Store, error) {
	c, err := m.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if !connectsCaller(in.Owner.Value(), c.owner.ID) {
		return nil, errPermissionDenied
	}
	ch, err := storeChange(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := m.s.throttleStoreWrite(ctx, c); err != nil {
		return nil, err
	}
	return nilIfNotFound(m.s.db.UpdateStore(ctx, c.owner.ID, id, ch))
}

func (m mutationResolver) DeleteStore(ctx context.Context, id string) (*storage.Store, error) {
	c, err := m.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.s.throttleStoreWrite(ctx, c); err != nil {
		return nil, err
	}
	return nilIfNotFound(m.s.db.DeleteStore(ctx, c.owner.ID, id))
}

func nilIfNotFound(sh storage.Store, err error) (*storage.Store, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return listsNeverNull(&sh), nil
}

// listsNeverNull gives sh an empty list for each list that was never set:
// the API answers [] for those, never null, so clients may read every list
// without a null check (the workshop's pages call .join on them). Every
// store the API answers with passes through here.
func listsNeverNull(sh *storage.Store) *storage.Store {
	if sh.PaymentMethods == nil {
		sh.PaymentMethods = []string{}
	}
	if sh.Categories == nil {
		sh.Categories = []string{}
	}
	return sh
}

// Fields of Owner and Store.

func (o ownerResolver) Ts(_ context.Context, obj *storage.Owner) (int64, error) {
	return obj.UpdatedAt.UnixMicro(), nil
}

func (o ownerResolver) Stores(ctx context.Context, obj *storage.Owner, size *int, cursor *string) (*model.StorePage, error) {
	c, err := o.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if obj.ID != c.owner.ID {
		// Unreachable today: every path to an Owner is the caller's own.
		return nil, errPermissionDenied
	}
	n := storage.DefaultPageSize
	if size != nil {
		if *size < 1 || *size > maxPageSize {
			return nil, validationError("_size", pageSizeMessage)
		}
		n = *size
	}
	after := ""
	if cursor != nil {
		after = *cursor
	}
	page, err := o.s.db.Stores(ctx, c.owner.ID, n, after)
	if errors.Is(err, storage.ErrInvalidCursor) {
		return nil, validationError("_cursor", "Use a cursor from an earlier page of stores.")
	}
	if err != nil {
		return nil, err
	}
	out := &model.StorePage{Data: make([]*storage.Store, len(page.Stores))}
	for i := range page.Stores {
		out.Data[i] = listsNeverNull(&page.Stores[i])
	}
	if page.Next != "" {
		out.After = &page.Next
	}
	return out, nil
}

func (s storeResolver) Ts(_ context.Context, obj *storage.Store) (int64, error) {
	return obj.UpdatedAt.UnixMicro(), nil
}

// Owner is the caller, whom authenticate has already loaded: every store
// reachable here is the caller's, so no query per store is needed.
func (s storeResolver) Owner(ctx context.Context, obj *storage.Store) (*storage.Owner, error) {
	c, err := s.s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	if obj.OwnerID != c.owner.ID {
		return nil, errPermissionDenied
	}
	return &c.owner, nil
}
