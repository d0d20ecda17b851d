// Package storage defines Shopkeeper's persistent data (owners, their stores
// and login tokens) and the DB interface through which the API reaches it.
// Backends live in subpackages (storage/sqlite, storage/postgres) and share
// one migration runner (storage/migrate); storage/storagetest holds the
// conformance suite every backend must pass. Store always means a shop.
package storage

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	// ErrNotFound means no record matched, including when the id is malformed
	// or the record belongs to another owner.
	ErrNotFound = errors.New("store: not found")
	// ErrDuplicate means an owner with the same (normalised) email exists.
	ErrDuplicate = errors.New("store: duplicate")
	// ErrInvalidCursor means a page cursor was not one this store issued.
	ErrInvalidCursor = errors.New("store: invalid cursor")
	// ErrLimitReached means the owner already has as many shops as the
	// limit CreateStore was given allows.
	ErrLimitReached = errors.New("store: limit reached")
	// ErrUnavailable marks a failure to reach the database (refused or lost
	// connection, server shutting down, too many connections) as opposed to
	// a bug. Backends wrap it together with the driver's error, so
	// errors.Is(err, ErrUnavailable) holds and the log still has the cause.
	ErrUnavailable = errors.New("store: database unavailable")
)

// Owner is a person who signs in and owns shops.
type Owner struct {
	ID    string
	Name  string
	Email string // normalised with NormalizeEmail: trimmed and lower-case
	// PasswordHash is the encoded argon2id hash (see package password).
	PasswordHash string
	UpdatedAt    time.Time // set by the store on every write
}

// Store is one of an owner's stores (shops), as the GraphQL schema has it.
type Store struct {
	ID      string
	OwnerID string
	Name    string
	Email   string
	// The lists keep nil (never set) apart from empty, as Fauna did.
	PaymentMethods []string
	Categories     []string
	UpdatedAt      time.Time // set by the store on every write
}

// StoreChange names the fields of a shop that an update sets; a nil field is
// left as it is.
type StoreChange struct {
	Name, Email *string
	// A non-nil list pointer sets the list to what it points to; pointing to
	// a nil list clears it (never set).
	PaymentMethods, Categories *[]string
}

// Token is a login token. Only the SHA-256 of its secret is stored, so a
// leaked database does not leak usable bearer secrets.
type Token struct {
	Hash []byte // SHA-256 of the secret
	// ID is the token's public name, for listing and revoking sessions: a
	// random id like an owner's, unrelated to the secret or its hash.
	// CreateToken assigns a fresh one when it is empty.
	ID        string
	OwnerID   string
	ExpiresAt time.Time
	// CreatedAt is when the login made it: its absolute lifetime counts
	// from there. CreateToken stores the current time if it is zero.
	CreatedAt time.Time
	// LastUsedAt is when its expiry last slid (SlideToken), or CreatedAt.
	LastUsedAt time.Time
	// UserAgent is the User-Agent of the client that logged in, cut to
	// MaxUserAgent bytes; "" when it sent none.
	UserAgent string
	// Owner is the token's owner, read with it by Store.Token: every
	// authenticated request needs both, in one query. CreateToken ignores it.
	Owner Owner
}

// ResetToken is a password reset token. Like a login token, only the
// SHA-256 of its secret is stored.
type ResetToken struct {
	Hash      []byte // SHA-256 of the secret
	OwnerID   string
	ExpiresAt time.Time
	// CreatedAt is when it was asked for; CreateResetToken stores the
	// current time if it is zero.
	CreatedAt time.Time
}

// StorePage is one page of an owner's shops, oldest first.
type StorePage struct {
	Stores []Store
	// Next is the opaque cursor of the following page, or "" on the last page.
	Next string
}

// DB is the API's only way to the data. Every shop method is scoped by
// owner id: another owner's shop is reported as ErrNotFound, exactly like a
// shop that does not exist.
type DB interface {
	// CreateOwner stores o with a fresh ID and returns it. o.Email is
	// normalised; ErrDuplicate if it is taken.
	CreateOwner(ctx context.Context, o Owner) (Owner, error)
	Owner(ctx context.Context, id string) (Owner, error)
	// OwnerByEmail looks email up after normalising it.
	OwnerByEmail(ctx context.Context, email string) (Owner, error)
	// SetPasswordHash replaces the owner's hash. It is not a change the owner
	// made, so UpdatedAt stays as it was.
	SetPasswordHash(ctx context.Context, ownerID, hash string) error

	// CreateToken stores t; ErrNotFound if its owner does not exist. In the
	// same transaction it ends the owner's least recently used live tokens
	// (by LastUsedAt, then CreatedAt) past MaxSessions, t included in the
	// count and never ended, so an owner never has more than MaxSessions.
	CreateToken(ctx context.Context, t Token) error
	// Token returns the token with this hash, and its Owner, if it expires
	// after now; otherwise (unknown, revoked or expired) ErrNotFound.
	Token(ctx context.Context, hash []byte, now time.Time) (Token, error)
	// SlideToken moves the expiry of the token with this hash to expires,
	// and records now as its last use, if at now it is live and expires
	// sooner than expires; otherwise it changes nothing. It is one
	// conditional statement, so concurrent slides never move an expiry
	// backwards. It reports whether it moved it.
	SlideToken(ctx context.Context, hash []byte, now, expires time.Time) (bool, error)
	// DeleteToken revokes one token. Deleting an unknown token is not an error.
	DeleteToken(ctx context.Context, hash []byte) error
	// DeleteOwnerTokens revokes every token of the owner but the one whose
	// hash is keep (nil keeps none), in one statement, however many there
	// are.
	DeleteOwnerTokens(ctx context.Context, ownerID string, keep []byte) error
	// OwnerTokens returns up to limit of the owner's tokens that expire after
	// now, newest first (by CreatedAt, then ID). Their Owner is left empty.
	// A malformed owner id has none.
	OwnerTokens(ctx context.Context, ownerID string, now time.Time, limit int) ([]Token, error)
	// DeleteOwnerToken revokes the owner's token whose public ID is id and
	// reports whether there was one: another owner's token, or an unknown or
	// malformed id, is false and nothing is deleted.
	DeleteOwnerToken(ctx context.Context, ownerID, id string) (bool, error)
	// ChangePassword, in one transaction, replaces the owner's password hash,
	// revokes every token of the owner, deletes its reset tokens and stores
	// t (a token of the owner), as CreateToken does.
	// ErrNotFound if the owner does not exist. UpdatedAt stays as it was.
	ChangePassword(ctx context.Context, ownerID, hash string, t Token) error
	// DeleteOwner removes the owner, its shops and its tokens (reset tokens
	// too) in one
	// transaction; its email is free again afterwards. ErrNotFound if the
	// owner does not exist.
	DeleteOwner(ctx context.Context, ownerID string) error
	// PurgeExpiredTokens deletes tokens and reset tokens that expired at or
	// before now and returns how many it deleted.
	PurgeExpiredTokens(ctx context.Context, now time.Time) (int64, error)

	// CreateResetToken stores t and, in the same transaction, deletes every
	// earlier reset token of its owner, so only the newest one works.
	// ErrNotFound if the owner does not exist.
	CreateResetToken(ctx context.Context, t ResetToken) error
	// UseResetToken, in one transaction, takes the reset token with this
	// hash if it expires after now: it sets the owner's password hash to
	// passwordHash, revokes every login token of the owner and deletes the
	// owner's reset tokens, this one included, so it works once. It returns
	// the owner. An unknown, used or expired token is ErrNotFound and
	// changes nothing. UpdatedAt stays as it was.
	UseResetToken(ctx context.Context, hash []byte, now time.Time, passwordHash string) (Owner, error)

	// CreateStore stores s with a fresh ID; ErrNotFound if s.OwnerID does
	// not exist, ErrLimitReached if the owner has limit shops already
	// (limit <= 0: no limit). The count and the insert are one transaction
	// that concurrent creates for the owner wait for, so however many race,
	// the owner ends with at most limit.
	CreateStore(ctx context.Context, s Store, limit int) (Store, error)
	Store(ctx context.Context, ownerID, id string) (Store, error)
	// UpdateStore sets the fields ch names of the shop id owned by ownerID,
	// and only those, in one statement, and returns the stored result: a
	// field ch leaves out keeps what it holds, even when a concurrent update
	// has just changed it. UpdatedAt moves forward whatever ch names.
	UpdateStore(ctx context.Context, ownerID, id string, ch StoreChange) (Store, error)
	// DeleteStore deletes the shop and returns it as it was.
	DeleteStore(ctx context.Context, ownerID, id string) (Store, error)
	// Stores returns up to size of the owner's shops, oldest first, starting
	// after cursor ("" = from the start). size <= 0 means DefaultPageSize.
	Stores(ctx context.Context, ownerID string, size int, cursor string) (StorePage, error)
	CountStores(ctx context.Context, ownerID string) (int, error)

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// MaxSessions is how many live tokens an owner has at most: a login past
// it ends the least recently used one (see CreateToken).
const MaxSessions = 100

// MaxUserAgent is how many bytes of a User-Agent a token keeps.
const MaxUserAgent = 256

// TruncateUserAgent cuts ua to at most MaxUserAgent bytes, at a rune
// boundary, and drops invalid UTF-8 and control characters, so what is
// stored is safe to store and show.
func TruncateUserAgent(ua string) string {
	var b strings.Builder
	for _, r := range ua {
		if r == utf8.RuneError || unicode.IsControl(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > MaxUserAgent {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// DefaultPageSize is Fauna's default page size.
const DefaultPageSize = 64

// PoolStats describes one connection pool of a backend, for metrics.
type PoolStats struct {
	Name         string // e.g. "read", "write", "postgres"
	Open, InUse  int
	MaxOpen      int
	WaitCount    int64         // connections that had to be waited for
	WaitDuration time.Duration // total time spent waiting for them
}
