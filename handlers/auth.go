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

// authAPI is what logging in, signing up and out need of the API.
type authAPI interface {
	Login(ctx context.Context, email, password string) (gql.Session, error)
	Register(ctx context.Context, name, email, password string) error
	Logout(ctx context.Context) error
	LogoutEverywhere(ctx context.Context) error
}

// loginPage shows the login form; a logged-in visitor goes home instead.
func loginPage(sm *session.Manager) gin.HandlerFunc {
	blank := prerendered(components.LoginPage(components.Page{Title: "Log in"}, components.LoginForm{}))
	return func(c *gin.Context) {
		if _, ok := session.Current(c); ok {
			redirect(c, "/")
			return
		}
		form := components.LoginForm{Next: nextParam(c.Query("next"))}
		page := components.Page{Title: "Log in", Flash: sm.TakeFlash(c)}
		if form.Next == "" && page.Flash == "" {
			blank(c)
			return
		}
		render(c, http.StatusOK, components.LoginPage(page, form))
	}
}

// login checks the credentials with the API and starts a fresh session.
// The API throttles attempts per client address and per account, whichever
// door they come through; this shows its refusal as a 429.
func login(api authAPI, sm *session.Manager, devs *devices) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, bad := readForm(c)
		if bad != 0 {
			badForm(c, bad)
			return
		}
		form := components.LoginForm{Next: nextParam(values.Get("next")), Errors: components.FieldErrors{}}
		reply := &formReply{errors: form.Errors, alert: &form.Alert, show: func(status int) {
			respond(c, status, components.LoginPage(components.Page{Title: "Log in"}, form), components.LoginFormView(form))
		}}
		password := values.Get("password")
		fe := fieldErrors{}
		form.Email = fe.clean("email", rules.LoginEmail, values.Get("email"))
		fe.add("password", rules.LoginPassword(password))
		if len(fe) > 0 {
			reply.invalid(fe)
			return
		}
		// The context names the visitor (requestLog, devices.load): the API
		// counts the attempt against it and keeps its User-Agent with the token.
		login, err := api.Login(c.Request.Context(), form.Email, password)
		if err != nil {
			fail(c, sm, err, reply)
			return
		}
		signIn(c, api, sm, devs, login, "Welcome back, "+login.Name+".", form.Next)
	}
}

// signupPage shows the signup form; a logged-in visitor goes home instead.
func signupPage(sm *session.Manager) gin.HandlerFunc {
	blank := prerendered(components.SignupPage(components.Page{Title: "Sign up"}, components.SignupForm{}))
	return func(c *gin.Context) {
		if _, ok := session.Current(c); ok {
			redirect(c, "/")
			return
		}
		page := components.Page{Title: "Sign up", Flash: sm.TakeFlash(c)}
		if page.Flash == "" {
			blank(c)
			return
		}
		render(c, http.StatusOK, components.SignupPage(page, components.SignupForm{}))
	}
}

// signup registers an owner, then logs them in exactly as login does. The
// API throttles sign-ups per client address.
func signup(api authAPI, sm *session.Manager, devs *devices) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, bad := readForm(c)
		if bad != 0 {
			badForm(c, bad)
			return
		}
		form := components.SignupForm{Errors: components.FieldErrors{}}
		reply := &formReply{errors: form.Errors, alert: &form.Alert, show: func(status int) {
			respond(c, status, components.SignupPage(components.Page{Title: "Sign up"}, form), components.SignupFormView(form))
		}}
		password := values.Get("password")
		fe := fieldErrors{}
		form.Name = fe.clean("name", rules.OwnerName, values.Get("name"))
		form.Email = fe.clean("email", rules.Email, values.Get("email"))
		fe.add("password", rules.NewPassword(password))
		if len(fe) > 0 {
			reply.invalid(fe)
			return
		}
		ctx := c.Request.Context()
		err := api.Register(ctx, form.Name, form.Email, password)
		var login gql.Session
		if err == nil {
			login, err = api.Login(ctx, form.Email, password)
		}
		if err != nil {
			fail(c, sm, err, reply)
			return
		}
		signIn(c, api, sm, devs, login, "Welcome to Shopkeeper, "+form.Name+".", "/")
	}
}

// signIn replaces any session the browser held with the new login, revoking
// the old token so a copy of the old cookie is dead, marks the browser as a
// device of the account, and goes to next with flash for the page there.
func signIn(c *gin.Context, api authAPI, sm *session.Manager, devs *devices, login gql.Session, flash, next string) {
	if old, replaced := session.Current(c); replaced {
		revoke(c, api, old.Secret, "revoking the previous session failed")
	}
	if err := sm.Start(c, login, flash); err != nil { // the token goes into the session cookie
		// Only a server-side store (Redis) can fail here: the login is not
		// kept, so its token goes too.
		logUnexpected(c, "saving the session failed", err)
		revoke(c, api, login.Secret, "revoking the unsaved login failed")
		showError(c, http.StatusServiceUnavailable, unavailableView)
		return
	}
	devs.issue(c, login.Email)
	redirect(c, safeNext(next))
}

// logout revokes the token at the API, then drops the cookie, so a copy of
// the cookie made before is dead too. With everywhere=1 it revokes every
// token of the owner (logout(allTokens: true)); that one is not dropped
// quietly when it fails: the owner is told, and stays logged in to try again.
func logout(api authAPI, sm *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		values, _ := readForm(c) // a logout goes ahead whatever its body
		flash := ""
		if login, ok := session.Current(c); ok {
			if values.Get("everywhere") == "1" {
				ctx := gql.WithSecret(context.WithoutCancel(c.Request.Context()), login.Secret)
				if err := api.LogoutEverywhere(ctx); err != nil {
					fail(c, sm, err, nil)
					return
				}
				flash = msgLoggedOutEverywhere
			} else {
				// The cookie goes anyway; a token the API failed to revoke dies at its ttl.
				revoke(c, api, login.Secret, "revoking the token at logout failed")
			}
		}
		// Only the session cookie goes: the device cookie stays, so this
		// browser keeps its own login budget (no Clear-Site-Data "cookies").
		// Pages behind a login are never cached, so no "cache" either.
		sm.End(c, flash)
		redirect(c, "/")
	}
}

// revoke ends the token secret at the API, even if the visitor has gone
// away meanwhile. A token the API no longer accepts is already ended.
func revoke(c *gin.Context, api authAPI, secret, failure string) {
	ctx := gql.WithSecret(context.WithoutCancel(c.Request.Context()), secret)
	if err := api.Logout(ctx); err != nil {
		logUnexpected(c, failure, err)
	}
}

// nextParam keeps a local next path for the login form, dropping anything else.
func nextParam(next string) string {
	if next = safeNext(next); next == "/" {
		return ""
	}
	return next
}

var badFormView = components.ErrorView{
	Status: http.StatusBadRequest, Title: "Bad request",
	Message: "The form could not be read. Please go back and try again.",
}
