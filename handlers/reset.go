package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/gql"
	"shopkeeper/handlers/session"
	"shopkeeper/rules"
)

// resetAPI is what the forgotten-password pages need of the API. Neither
// call takes a login: they go out without the session's token.
type resetAPI interface {
	authAPI
	ownerNameAPI
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, token, newPassword string) error
}

// Messages of the forgotten-password pages.
const (
	msgResetSent = "If an account exists for that email, we have sent a link to reset its password."
	msgResetDone = "Your password has been changed. Log in with the new one."
	forgotTitle  = "Forgot your password?"
	resetTitle   = "Choose a new password"
)

// resetAPIFields names the reset form's fields as the API names its
// arguments in extensions.field.
var resetAPIFields = map[string]string{"newPassword": "new_password"}

// resetInvalidStatus answers an unusable reset link, as a page or fragment.
const resetInvalidStatus = http.StatusBadRequest

// forgotPage shows the form that asks for a reset link.
func forgotPage(sm *session.Manager) gin.HandlerFunc {
	blank := prerendered(components.ForgotPage(components.Page{Title: forgotTitle}, components.ForgotForm{}))
	return func(c *gin.Context) {
		page := components.Page{Title: forgotTitle, User: navUser(c, ""), Flash: sm.TakeFlash(c)}
		if page.Flash == "" && page.User == nil {
			blank(c)
			return
		}
		render(c, http.StatusOK, components.ForgotPage(page, components.ForgotForm{}))
	}
}

// forgot asks the API to mail a reset link. Whether or not the account
// exists, and whether or not the API throttled the request, the answer is
// the same: the web makes the one call either way, and the API answers true.
func forgot(api resetAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, bad := readForm(c)
		if bad != 0 {
			badForm(c, bad)
			return
		}
		form := components.ForgotForm{Errors: components.FieldErrors{}}
		reply := &formReply{errors: form.Errors, alert: &form.Alert, show: func(status int) {
			confirmLogin(c, api, sm)
			respond(c, status, components.ForgotPage(components.Page{Title: forgotTitle, User: navUser(c, "")}, form), components.ForgotFormView(form))
		}}
		fe := fieldErrors{}
		form.Email = fe.clean("email", rules.Email, values.Get("email"))
		if len(fe) > 0 {
			reply.invalid(fe)
			return
		}
		if err := api.RequestPasswordReset(anonymous(c), form.Email); err != nil && gql.Code(err) != rules.CodeTooManyRequests {
			fail(c, sm, err, reply)
			return
		}
		sm.Flash(c, msgResetSent)
		redirect(c, "/login")
	}
}

// resetPage shows the form to choose a new password. The token is not
// checked here: checking it would be a side effect of a GET (link scanners
// in mail clients follow links), and the API has no read-only check; an
// unusable token is told on submit. The page keeps the token from other
// sites (no Referer) and from caches.
func resetPage(sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		page := components.Page{Title: resetTitle, User: navUser(c, ""), Flash: sm.TakeFlash(c)}
		token := c.Query("token")
		if token == "" {
			respond(c, resetInvalidStatus, components.ResetInvalidPage(page), components.ResetInvalidView())
			return
		}
		render(c, http.StatusOK, components.ResetPage(page, components.ResetForm{Token: token}))
	}
}

// reset sets the new password with the token. On success the browser's
// session, whoever's it was, is ended (the API has ended every session of
// the owner), and the person logs in with the new password.
func reset(api resetAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, bad := readForm(c)
		if bad != 0 {
			badForm(c, bad)
			return
		}
		page := func() components.Page {
			confirmLogin(c, api, sm)
			return components.Page{Title: resetTitle, User: navUser(c, "")}
		}
		invalid := func() {
			respond(c, resetInvalidStatus, components.ResetInvalidPage(page()), components.ResetInvalidView())
		}
		form := components.ResetForm{Token: values.Get("token"), Errors: components.FieldErrors{}}
		reply := &formReply{errors: form.Errors, alert: &form.Alert, fields: resetAPIFields, show: func(status int) {
			respond(c, status, components.ResetPage(page(), form), components.ResetFormView(form))
		}}
		if form.Token == "" {
			invalid()
			return
		}
		password := values.Get("new_password")
		if msg := rules.NewPassword(password); msg != "" {
			reply.invalid(map[string]string{"new_password": msg})
			return
		}
		err := api.ResetPassword(anonymous(c), form.Token, password)
		switch {
		case gql.Code(err) == rules.CodeInvalidResetToken,
			gql.Code(err) == rules.CodeValidationFailed && gql.FieldErrors(err)["token"] != "":
			invalid()
			return
		case err != nil:
			fail(c, sm, err, reply)
			return
		}
		if login, ok := session.Current(c); ok {
			revoke(c, api, login.Secret, "revoking the session after a password reset failed")
		}
		sm.End(c, msgResetDone)
		redirect(c, "/login")
	}
}

// noReferrer keeps the address of a page, which holds a secret, from the
// sites its links lead to; it overrides the site-wide policy.
func noReferrer(c *gin.Context) {
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// anonymous is the request's context without the visitor's token: calls
// that need no login do not send one.
func anonymous(c *gin.Context) context.Context {
	return gql.WithSecret(c.Request.Context(), "")
}
