package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
)

// dashboardAPI is what the home page needs of the API.
type dashboardAPI interface {
	Dashboard(ctx context.Context, email, cursor string, size int) (gql.Owner, error)
}

// dashboardPageSize is how many stores the dashboard lists at once.
const dashboardPageSize = 50

// home shows the owner's dashboard, or a prompt to log in or sign up. The
// dashboard is one API query: the owner and a page of their stores.
func home(api dashboardAPI, sm sessionManager) gin.HandlerFunc {
	return func(c *gin.Context) {
		auth, ok := currentAuth(c)
		if !ok {
			page := components.Page{Title: "Welcome", Flash: sm.takeFlash(c, "")}
			render(c, http.StatusOK, components.HomePage(page, nil))
			return
		}
		owner, err := api.Dashboard(c.Request.Context(), auth.Email, c.Query("after"), dashboardPageSize)
		if err != nil {
			fail(c, sm, err, nil)
			return
		}
		d := &components.Dashboard{Name: owner.Name, Email: owner.Email, NextCursor: owner.NextCursor}
		for _, s := range owner.Stores {
			d.Stores = append(d.Stores, components.StoreSummary{ID: s.ID, Name: s.Name, Categories: s.Categories})
		}
		page := components.Page{
			Title: "Your stores",
			User:  &components.User{Name: owner.Name, Email: owner.Email},
			Flash: sm.takeFlash(c, owner.Name),
		}
		render(c, http.StatusOK, components.HomePage(page, d))
	}
}

// navUser is the logged-in owner for the nav bar; name may be unknown ("")
// on pages that did not ask the API, in which case the email stands in.
func navUser(c *gin.Context, name string) *components.User {
	a, ok := currentAuth(c)
	if !ok {
		return nil
	}
	if name == "" {
		name = a.Email
	}
	return &components.User{Name: name, Email: a.Email}
}
