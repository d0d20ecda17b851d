package gql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/Khan/genqlient/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// classify maps what a call returned to one of the package's errors. The API
// names what happened in extensions.code; transport failures and answers we
// cannot read mean the service is unavailable.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var list gqlerror.List
	if errors.As(err, &list) && len(list) > 0 {
		e := list[0]
		code, _ := e.Extensions["code"].(string)
		switch code {
		case "authentication failed":
			return ErrBadCredentials
		case "invalid token":
			return ErrInvalidToken
		case "instance not unique":
			return ErrNotUnique
		case "permission denied":
			return ErrPermission
		case "validation failed":
			return &ValidationError{Message: e.Message}
		case "TOO_MANY_REQUESTS":
			secs, _ := e.Extensions["retryAfter"].(float64)
			return &ThrottledError{RetryAfter: time.Duration(max(secs, 1)) * time.Second}
		case "unavailable":
			return fmt.Errorf("%w: %s", ErrUnavailable, e.Message)
		}
		return fmt.Errorf("%w: API error %q: %v", ErrUnavailable, code, err)
	}
	var httpErr *graphql.HTTPError
	var netErr net.Error
	switch {
	case errors.As(err, &httpErr):
		return fmt.Errorf("%w: HTTP %d", ErrUnavailable, httpErr.StatusCode)
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}
