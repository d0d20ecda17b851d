package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"shopkeeper/storage"
)

// SQLSTATE codes this package acts on.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

func pgCode(err error) string {
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Code
	}
	return ""
}

// isPrimaryKeyViolation tells a taken random id (retry with another) from
// a taken email.
func isPrimaryKeyViolation(err error) bool {
	e, ok := errors.AsType[*pgconn.PgError](err)
	return ok && e.Code == uniqueViolation && strings.HasSuffix(e.ConstraintName, "_pkey")
}

// wrap prefixes err with the operation (if any) and, when the database
// could not be reached rather than refused the statement, marks it
// storage.ErrUnavailable.
func wrap(op string, err error) error {
	if op == "" {
		op = "postgres"
	} else {
		op = "postgres: " + op
	}
	if unavailable(err) {
		return fmt.Errorf("%s: %w: %w", op, storage.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable reports whether err means the database could not be reached
// or is not taking work: a failed connect, a lost connection, a server
// shutting down or out of connections, or the caller's deadline passing
// while waiting for it. A cancelled caller is not an outage.
func unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch {
		case strings.HasPrefix(e.Code, "08"): // connection exception
			return true
		case strings.HasPrefix(e.Code, "53"): // insufficient resources: too many connections, out of memory, disk full
			return true
		case e.Code == "57P01", e.Code == "57P02", e.Code == "57P03": // admin shutdown, crash shutdown, cannot connect now
			return true
		}
		return false
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
