package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
	"shopkeeper/handlers/session"
	"shopkeeper/rules"
)

// storeAPI is what the store pages need of the API. Every call carries the
// session's token, so the API's access rules are the only guard: another
// owner's store is simply not found.
type storeAPI interface {
	OwnerName(ctx context.Context, id string) (string, error)
	Store(ctx context.Context, id string) (gql.StoreDetail, error)
	CreateStore(ctx context.Context, ownerID string, in gql.StoreInput) (string, error)
	UpdateStore(ctx context.Context, ownerID, id string, in gql.StoreInput) error
	DeleteStore(ctx context.Context, id string) error
}

// msgDraftRestored tells the user the form holds what they typed before logging in again.
const msgDraftRestored = "We kept the changes you had not saved yet. Check them and save."

// requireLogin sends visitors without a live session to the login page,
// coming back afterwards to the page they asked for. A store form posted
// after the session ended is kept as a draft and shown again after login.
func requireLogin(sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := session.Current(c); ok {
			c.Next()
			return
		}
		c.Abort()
		toLogin(c, sm)
	}
}

// toLogin sends the visitor to the login page, to come back afterwards to
// the page they asked for or the one whose form they posted. A store form is
// kept as a draft and shown again after login.
func toLogin(c *gin.Context, sm *session.Manager) {
	next := c.Request.URL.RequestURI()
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		next = "/"
		if strings.HasPrefix(c.FullPath(), accountPath) {
			next = accountPath // its forms hold passwords: nothing is kept
		}
		if formPage := storeFormPath(c); formPage != "" {
			next = formPage
			if values, bad := readForm(c); bad == 0 {
				sm.KeepDraft(c, formPage, storeFormFrom(values, c.Param("id")))
			}
		}
	}
	redirect(c, loginURL(next))
}

// storeFormPath is the page holding the form a store write came from.
func storeFormPath(c *gin.Context) string {
	switch c.FullPath() {
	case "/stores":
		return "/stores/new"
	case "/stores/:id":
		if c.Request.Method == http.MethodPost || c.Request.Method == http.MethodPut {
			return "/stores/" + c.Param("id") + "/edit"
		}
	}
	return ""
}

// newStorePage shows an empty store form, or a draft kept from before a login.
func newStorePage(api storeAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		login, _ := session.Current(c)
		name, err := api.OwnerName(c.Request.Context(), login.OwnerID)
		if err != nil {
			fail(c, sm, err, nil)
			return
		}
		page := components.Page{Title: "Add a store", User: navUser(c, name), Flash: sm.TakeFlash(c)}
		var form components.StoreForm
		if sm.TakeDraft(c, "/stores/new", &form) {
			page.Flash = msgDraftRestored
		}
		render(c, http.StatusOK, components.StoreFormPage(page, form))
	}
}

// showStore shows one of the owner's stores.
func showStore(api storeAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		s, err := api.Store(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, sm, err, nil)
			return
		}
		page := components.Page{Title: s.Name, User: navUser(c, s.Owner.Name), Flash: sm.TakeFlash(c)}
		render(c, http.StatusOK, components.StorePage(page, s))
	}
}

// editStorePage shows the store form filled with the store, or with the
// draft kept from before a login.
func editStorePage(api storeAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		s, err := api.Store(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, sm, err, nil)
			return
		}
		page := components.Page{Title: "Edit " + s.Name, User: navUser(c, s.Owner.Name), Flash: sm.TakeFlash(c)}
		var form components.StoreForm
		if sm.TakeDraft(c, c.Request.URL.Path, &form) {
			form.ID = s.ID
			page.Flash = msgDraftRestored
		} else {
			form = components.EditStoreForm(s)
		}
		render(c, http.StatusOK, components.StoreFormPage(page, form))
	}
}

// saveStore creates a store (no id in the path) or updates one, then goes to
// the store's page. Invalid input is shown inline and nothing is stored.
func saveStore(api storeAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, bad := readForm(c)
		if bad != 0 {
			badForm(c, bad)
			return
		}
		login, _ := session.Current(c)
		ctx := c.Request.Context()
		id := c.Param("id")
		form := storeFormFrom(values, id)
		form.Errors = components.FieldErrors{}
		reply := &formReply{errors: form.Errors, alert: &form.Alert, show: func(status int) {
			title := "Add a store"
			if id != "" {
				title = "Edit store"
			}
			if confirmLogin(c, api, sm) { // the form was refused before any API call
				sessionEnded(c, sm)
				return
			}
			respond(c, status,
				components.StoreFormPage(components.Page{Title: title, User: navUser(c, "")}, form),
				components.StoreFormView(form))
		}}
		fields, fe := validateStore(&form)
		if len(fe) > 0 {
			reply.invalid(fe)
			return
		}
		var err error
		if id == "" {
			id, err = api.CreateStore(ctx, login.OwnerID, fields)
		} else {
			err = api.UpdateStore(ctx, login.OwnerID, id, fields)
		}
		if err != nil {
			fail(c, sm, err, reply)
			return
		}
		redirect(c, "/stores/"+id)
	}
}

// deleteStoreAPI is what deleting a store needs of the API: the delete, and
// for a dashboard row the first page of the dashboard, to tell what the
// list holds once the row is gone.
type deleteStoreAPI interface {
	storeAPI
	dashboardAPI
}

// deleteStore deletes a store. A dashboard row deleted with htmx goes in
// place: the answer holds only out-of-band swaps (components.RowDeleted),
// the message the plain path flashes, and either the empty state or where
// the focus goes now that the row is gone. Otherwise the browser goes to
// the dashboard, with the message.
func deleteStore(api deleteStoreAPI, sm *session.Manager) gin.HandlerFunc {
	const msg = "Store deleted."
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		id := c.Param("id")
		inPlace := isHTMX(c) && c.Query("from") == "dashboard"
		// The rows around this one, read before it goes. Reading them is
		// best effort: without them the answer still has the message and
		// the focus goes to the list's heading; the delete decides the outcome.
		var before gql.OwnerDashboard
		if inPlace {
			login, _ := session.Current(c)
			before, _ = api.Dashboard(ctx, login.Email, "", dashboardPageSize)
		}
		if err := api.DeleteStore(ctx, id); err != nil {
			fail(c, sm, err, nil)
			return
		}
		if !inPlace {
			sm.Flash(c, msg)
			redirect(c, "/")
			return
		}
		answer := components.RowDeleted{Message: msg}
		rows := before.Stores.Data
		for i := range rows {
			if rows[i].ID != id {
				continue
			}
			next := -1
			switch {
			case i+1 < len(rows):
				next = i + 1
			case i > 0:
				next = i - 1
			case before.Stores.After == "":
				answer.Empty = true // it was the only store
			}
			if next >= 0 {
				answer.Next = &rows[next]
			}
			break
		}
		c.Header("Vary", "HX-Request")
		render(c, http.StatusOK, components.RowDeletedSwaps(answer))
	}
}

// storeFormFrom reads the store form as typed, trimmed.
func storeFormFrom(values map[string][]string, id string) components.StoreForm {
	get := func(k string) string {
		if v := values[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	return components.StoreForm{
		ID: id, Name: get("name"), Email: get("email"),
		PaymentMethods: get("paymentMethods"), Categories: get("categories"),
	}
}

// validateStore checks the form with the rules the API holds, cleaning it,
// and returns what to send to the API and the messages of the fields at
// fault.
func validateStore(form *components.StoreForm) (gql.StoreInput, fieldErrors) {
	fe := fieldErrors{}
	form.Name = fe.clean("name", rules.StoreName, form.Name)
	form.Email = fe.clean("email", rules.Email, form.Email)
	payment, msg := rules.CommaList(form.PaymentMethods)
	fe.add("paymentMethods", msg)
	categories, msg := rules.CommaList(form.Categories)
	fe.add("categories", msg)
	return gql.StoreInput{Name: form.Name, Email: form.Email, PaymentMethods: payment, Categories: categories}, fe
}
