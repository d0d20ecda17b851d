package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopkeeper/gql"
	"shopkeeper/handlers/session"
)

// loadSession reads the session on every page. A live login's token goes
// with the request to the API client, and its pages are not cached; an
// expired login is ended, with a notice for the next page; a session the
// store cannot read is a 503, not a logout that would lose it.
func loadSession(sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		switch err := sm.Load(c); {
		case errors.Is(err, session.ErrExpired):
			sm.End(c, msgSessionEnded)
		case err != nil:
			logUnexpected(c, "session store unavailable", err)
			showError(c, http.StatusServiceUnavailable, unavailableView)
			c.Abort()
			return
		}
		if login, ok := session.Current(c); ok {
			// Every API call of this request carries the cookie's token as
			// its bearer secret (gql's transports send it on).
			c.Request = c.Request.WithContext(gql.WithSecret(c.Request.Context(), login.Secret))
			// Pages behind a login must not be kept by browsers or proxies.
			c.Header("Cache-Control", "no-store")
		}
		c.Next()
	}
}
