package handlers

import (
	"context"
	"net/http"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
	"shopkeeper/handlers/session"
	"shopkeeper/rules"
)

// accountAPI is what the account page needs of the API. Every call carries
// the session's token: the API lists and ends only the caller's sessions.
type accountAPI interface {
	authAPI
	OwnerName(ctx context.Context, id string) (string, error)
	Sessions(ctx context.Context) ([]gql.AccountSession, error)
	RevokeSession(ctx context.Context, id string) error
	LogoutOthers(ctx context.Context) error
	ChangePassword(ctx context.Context, current, next string) (gql.Session, error)
	DeleteOwner(ctx context.Context, password string) error
}

// Messages of the account page.
const (
	msgSessionRevoked      = "Session ended."
	msgOthersEnded         = "Your other sessions have ended."
	msgPasswordChanged     = "Your password has been changed."
	msgAccountDeleted      = "Your account has been deleted."
	msgLoggedOutEverywhere = "You have logged out of every session."
	accountTitle           = "Your account"
	accountPath            = "/account"
)

// passwordAPIFields names the change-password form's fields as the API
// names its arguments in extensions.field.
var passwordAPIFields = map[string]string{"currentPassword": "current_password", "newPassword": "new_password"}

// accountPage shows the profile, the owner's sessions, and the forms to
// change the password and delete the account.
func accountPage(api accountAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := accountView(c, api)
		if err != nil {
			fail(c, sm, err, nil)
			return
		}
		page := components.Page{Title: accountTitle, User: navUser(c, v.Name), Flash: sm.TakeFlash(c)}
		render(c, http.StatusOK, components.AccountPage(page, v))
	}
}

// accountView reads what the account page shows: the owner's name (kept in
// the session; asked of the API for a session made before it was) and
// their sessions.
func accountView(c *gin.Context, api accountAPI) (components.AccountView, error) {
	ctx := c.Request.Context()
	login, _ := session.Current(c)
	v := components.AccountView{Name: login.Name, Email: login.Email}
	if v.Name == "" {
		name, err := api.OwnerName(ctx, login.OwnerID)
		if err != nil {
			return v, err
		}
		v.Name = name
	}
	sessions, err := api.Sessions(ctx)
	if err != nil {
		return v, err
	}
	v.Sessions = sessionRows(sessions)
	return v, nil
}

func sessionRows(sessions []gql.AccountSession) []components.SessionRow {
	rows := make([]components.SessionRow, len(sessions))
	for i, s := range sessions {
		rows[i] = components.SessionRow{
			ID: s.ID, Device: deviceName(s.UserAgent), Current: s.Current,
			Started: s.CreatedAt, LastUsed: s.LastUsedAt, Expires: s.ExpiresAt,
		}
	}
	return rows
}

// endSession ends one of the owner's other sessions. With htmx (DELETE) its
// row goes in place: the answer holds only out-of-band swaps
// (components.SessionEndedSwaps), the message the plain path flashes and
// where the focus goes now. A plain post goes back to the account page with
// the message. An id that is not one of the owner's live sessions is a 404,
// and nothing is ended; this browser's own session is a logout.
func endSession(api accountAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		id := c.Param("id")
		sessions, err := api.Sessions(ctx)
		if err != nil {
			fail(c, sm, err, nil)
			return
		}
		at := -1
		for i, s := range sessions {
			if s.ID == id {
				at = i
			}
		}
		if at < 0 {
			showError(c, http.StatusNotFound, notFoundView)
			return
		}
		if sessions[at].Current {
			logout(api, sm)(c)
			return
		}
		if err := api.RevokeSession(ctx, id); err != nil {
			fail(c, sm, err, nil)
			return
		}
		if !isHTMX(c) || c.Request.Method != http.MethodDelete {
			sm.Flash(c, msgSessionRevoked)
			redirect(c, accountPath)
			return
		}
		answer := components.SessionEnded{Message: msgSessionRevoked, Next: focusAfter(sessionRows(sessions), at)}
		c.Header("Vary", "HX-Request")
		render(c, http.StatusOK, components.SessionEndedSwaps(answer))
	}
}

// focusAfter is the row focus moves to once row at is gone: the nearest
// other session below it, else the nearest above; nil when none is left.
func focusAfter(rows []components.SessionRow, at int) *components.SessionRow {
	for i := at + 1; i < len(rows); i++ {
		if !rows[i].Current {
			return &rows[i]
		}
	}
	for i := at - 1; i >= 0; i-- {
		if !rows[i].Current {
			return &rows[i]
		}
	}
	return nil
}

// logoutOthers ends every session of the owner but this one, in one API
// call however many there are.
func logoutOthers(api accountAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := api.LogoutOthers(c.Request.Context()); err != nil {
			fail(c, sm, err, nil)
			return
		}
		sm.Flash(c, msgOthersEnded)
		redirect(c, accountPath)
	}
}

// changePassword sets a new password once the current one is proven. The
// API ends every session of the owner and returns a fresh token, which
// this session goes on with; a wrong current password reads as a failed
// login does, and is throttled as one.
func changePassword(api accountAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, bad := readForm(c)
		if bad != 0 {
			badForm(c, bad)
			return
		}
		login, _ := session.Current(c)
		form := components.PasswordForm{Errors: components.FieldErrors{}}
		reply := &formReply{errors: form.Errors, alert: &form.Alert, fields: passwordAPIFields, show: func(status int) {
			accountForm(c, api, status, func(v *components.AccountView) { v.Password = form }, components.PasswordFormView(form))
		}}
		current, next := values.Get("current_password"), values.Get("new_password")
		fe := fieldErrors{}
		fe.add("current_password", rules.LoginPassword(current))
		fe.add("new_password", rules.NewPassword(next))
		if len(fe) > 0 {
			reply.invalid(fe)
			return
		}
		fresh, err := api.ChangePassword(c.Request.Context(), current, next)
		if err != nil {
			fail(c, sm, err, reply)
			return
		}
		fresh.Name = login.Name
		if err := sm.Start(c, fresh, msgPasswordChanged); err != nil {
			logUnexpected(c, "saving the session after a password change failed", err)
			revoke(c, api, fresh.Secret, "revoking the unsaved login failed")
			showError(c, http.StatusServiceUnavailable, unavailableView)
			return
		}
		redirect(c, accountPath)
	}
}

// deleteAccount removes the owner, their stores and every session, once
// the password is proven, and forgets this browser's session.
func deleteAccount(api accountAPI, sm *session.Manager, devs *devices) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, bad := readForm(c)
		if bad != 0 {
			badForm(c, bad)
			return
		}
		form := components.DeleteAccountForm{Errors: components.FieldErrors{}}
		reply := &formReply{errors: form.Errors, alert: &form.Alert, show: func(status int) {
			accountForm(c, api, status, func(v *components.AccountView) { v.Delete = form }, components.DeleteAccountFormView(form))
		}}
		password := values.Get("password")
		if msg := rules.LoginPassword(password); msg != "" {
			reply.invalid(map[string]string{"password": msg})
			return
		}
		if err := api.DeleteOwner(c.Request.Context(), password); err != nil {
			fail(c, sm, err, reply)
			return
		}
		sm.End(c, msgAccountDeleted)
		devs.forget(c)
		redirect(c, "/")
	}
}

// accountForm answers a failed account form: for htmx the form alone
// (fragment), otherwise the whole account page with the form filled in by
// fill. The page's other parts are best effort: without them the form is
// still shown.
func accountForm(c *gin.Context, api accountAPI, status int, fill func(*components.AccountView), fragment templ.Component) {
	var v components.AccountView
	if !isHTMX(c) {
		var err error
		if v, err = accountView(c, api); err != nil {
			logUnexpected(c, "reading the account page around a form's errors failed", err)
		}
	}
	fill(&v)
	page := components.Page{Title: accountTitle, User: navUser(c, v.Name)}
	respond(c, status, components.AccountPage(page, v), fragment)
}
