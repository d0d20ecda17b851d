package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
	"shopkeeper/handlers/session"
	"shopkeeper/rules"
)

// dashboardAPI is what the home page needs of the API.
type dashboardAPI interface {
	Dashboard(ctx context.Context, email, cursor string, size int) (gql.OwnerDashboard, error)
}

// dashboardPageSize is how many stores the dashboard lists at once.
const dashboardPageSize = 50

// home shows the owner's dashboard, or a prompt to log in or sign up. The
// dashboard is one API query: the owner and a page of their stores.
func home(api dashboardAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		login, ok := session.Current(c)
		if !ok {
			page := components.Page{Title: "Welcome", Flash: sm.TakeFlash(c)}
			render(c, http.StatusOK, components.HomePage(page, nil))
			return
		}
		owner, err := api.Dashboard(c.Request.Context(), login.Email, c.Query("after"), dashboardPageSize)
		if err != nil {
			fail(c, sm, err, nil)
			return
		}
		page := components.Page{
			Title: "Your stores",
			User:  &components.User{Name: owner.Name, Email: owner.Email},
			Flash: sm.TakeFlash(c),
		}
		render(c, http.StatusOK, components.HomePage(page, &owner))
	}
}

// navUser is the logged-in owner for the nav bar, shown only once the API
// has accepted the session's token in this request (session.Confirmed): a
// cookie copied before a logout shows nobody. name, when a page asked the
// API for it, is the freshest; otherwise the session's is shown, or the
// email for a session made before the name was kept in it.
func navUser(c *gin.Context, name string) *components.User {
	login, ok := session.Confirmed(c)
	if !ok {
		return nil
	}
	if name == "" {
		name = login.Name
	}
	if name == "" {
		name = login.Email
	}
	return &components.User{Name: name, Email: login.Email}
}

// ownerNameAPI is how a page that asks the API nothing else learns whether
// the visitor's session still lives: one query, the owner's name.
type ownerNameAPI interface {
	OwnerName(ctx context.Context, id string) (string, error)
}

// liveNav lets the page after it show who is logged in (navUser): for a
// visitor with a session, it asks the API whether the token still lives.
// A token the API no longer knows ends the session, and its cookie, and the
// page shows the logged-out nav; so does an API that does not answer, for
// this page only. A visitor without a session, and htmx (its fragments have
// no nav), cost nothing.
func liveNav(api ownerNameAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		confirmLogin(c, api, sm)
		c.Next()
	}
}

// confirmLogin is liveNav's check, for a page that needs it only on some
// paths (a form shown again). ended reports a session it ended because
// the API no longer knows its token.
func confirmLogin(c *gin.Context, api ownerNameAPI, sm *session.Manager) (ended bool) {
	login, ok := session.Current(c)
	if !ok || isHTMX(c) {
		return false
	}
	if _, confirmed := session.Confirmed(c); confirmed {
		return false
	}
	_, err := api.OwnerName(c.Request.Context(), login.OwnerID)
	switch {
	case err == nil, errors.Is(err, gql.ErrNotFound):
		// The token lives (the answer carried its expiry).
	case gql.Code(err) == rules.CodeInvalidToken:
		sm.End(c, "")
		return true
	default:
		logUnexpected(c, "checking the session for the nav failed", err)
	}
	return false
}
