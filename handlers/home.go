package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
	"shopkeeper/handlers/session"
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

// navUser is the logged-in owner for the nav bar. name, when a page asked
// the API for it, is the freshest; otherwise the session's is shown, or the
// email for a session made before the name was kept in it.
func navUser(c *gin.Context, name string) *components.User {
	login, ok := session.Current(c)
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
