// Package password hashes and verifies account passwords with argon2id.
//
// Hashes are stored in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so the cost parameters travel with
// each hash and can be raised later: Verify reports when a stored hash was
// made with other parameters, and the caller rehashes on the next login.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// ErrBusy means every hashing slot stayed taken for longer than the wait
// allowed: the server is saturated and the caller should try again shortly.
var ErrBusy = errors.New("password: too many hashes in progress")

// ErrMalformed means an encoded hash could not be parsed.
var ErrMalformed = errors.New("password: malformed encoded hash")

// Params are the argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's minimum recommendation for argon2id
// (m=19 MiB, t=2, p=1).
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Options configure a Hasher. The zero value gives production defaults.
type Options struct {
	Params Params // zero = DefaultParams
	// MaxConcurrent caps how many hashes run at once; each holds Params.Memory
	// of RAM, so this bounds memory too. Zero = runtime.NumCPU().
	MaxConcurrent int
	// MaxWait is how long a caller waits for a free slot before ErrBusy.
	// Zero = 2s.
	MaxWait time.Duration
	// OnWait, if set, is told how long each caller waited for a slot
	// (ErrBusy included), for metrics.
	OnWait func(time.Duration)
}

// Hasher hashes and verifies passwords. It is safe for concurrent use.
type Hasher struct {
	params  Params
	slots   chan struct{}
	maxWait time.Duration
	dummy   string // a valid hash of nothing in particular, for VerifyDummy
	onWait  func(time.Duration)
}

// New returns a Hasher with opts applied over the defaults.
func New(opts Options) *Hasher {
	if opts.Params == (Params{}) {
		opts.Params = DefaultParams
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = runtime.NumCPU()
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = 2 * time.Second
	}
	h := &Hasher{
		params:  opts.Params,
		slots:   make(chan struct{}, opts.MaxConcurrent),
		maxWait: opts.MaxWait,
		onWait:  opts.OnWait,
	}
	// The dummy is computed without taking a slot: it runs once, at start-up.
	salt := randomSalt(h.params.SaltLen)
	h.dummy = encode(h.params, salt, h.key([]byte("dummy password"), salt, h.params))
	return h
}

// Hash returns the encoded argon2id hash of pw with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := randomSalt(h.params.SaltLen)
	return encode(h.params, salt, h.key([]byte(pw), salt, h.params)), nil
}

// Verify reports whether pw matches encoded, and whether encoded was made
// with parameters other than the Hasher's current ones (so the caller should
// store a fresh Hash). A wrong password is ok=false with a nil error.
func (h *Hasher) Verify(ctx context.Context, encoded, pw string) (ok, needsRehash bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	got := h.key([]byte(pw), salt, p)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != h.params, nil
}

// VerifyDummy spends the same time and memory as Verify against a real hash
// and always reports false. Call it when the account does not exist, so the
// response time does not reveal whether an email is registered.
func (h *Hasher) VerifyDummy(ctx context.Context, pw string) error {
	_, _, err := h.Verify(ctx, h.dummy, pw)
	return err
}

func (h *Hasher) key(pw, salt []byte, p Params) []byte {
	return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// acquire takes a hashing slot, waiting at most maxWait (or until ctx ends).
// A caller whose ctx is already done gets its error rather than a slot: no
// one is waiting for that hash.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.slots <- struct{}{}:
		h.waited(0)
		return nil
	default:
	}
	start := time.Now()
	defer func() { h.waited(time.Since(start)) }()
	timer := time.NewTimer(h.maxWait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

func (h *Hasher) waited(d time.Duration) {
	if h.onWait != nil {
		h.onWait(d)
	}
}

func randomSalt(n uint32) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Bounds on decoded parameters, so a corrupt or hostile stored hash cannot
// make Verify allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 100
	maxKeyLen  = 1024
	minSaltLen = 8
)

func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, ErrMalformed
	}
	var m, t, threads uint64
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, ErrMalformed
	}
	for i, dst := range []*uint64{&m, &t, &threads} {
		name := [...]string{"m=", "t=", "p="}[i]
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return p, nil, nil, ErrMalformed
		}
		if *dst, err = strconv.ParseUint(v, 10, 32); err != nil {
			return p, nil, nil, ErrMalformed
		}
	}
	if m == 0 || m > maxMemory || t == 0 || t > maxTime || threads == 0 || threads > 255 || m < 8*threads {
		return p, nil, nil, ErrMalformed
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minSaltLen {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 4 || len(key) > maxKeyLen {
		return p, nil, nil, ErrMalformed
	}
	p = Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(threads), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	return p, salt, key, nil
}
