package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"shopkeeper/requestid"
)

// isHTMX reports whether htmx sent the request, in which case it wants a
// fragment and redirects as HX-Redirect rather than full pages and 303s.
func isHTMX(c *gin.Context) bool {
	return c.GetHeader("HX-Request") == "true"
}

// respond renders fragment for htmx and page for everyone else, with status.
// The answer depends on HX-Request, so caches are told so.
func respond(c *gin.Context, status int, page, fragment templ.Component) {
	c.Header("Vary", "HX-Request")
	if isHTMX(c) {
		render(c, status, fragment)
		return
	}
	render(c, status, page)
}

// redirect sends the browser to target: HX-Redirect for htmx (which ignores
// 3xx answers), 303 See Other for a plain form post or link.
func redirect(c *gin.Context, target string) {
	c.Header("Vary", "HX-Request")
	if isHTMX(c) {
		c.Header("HX-Redirect", target)
		c.Status(http.StatusOK)
		return
	}
	c.Redirect(http.StatusSeeOther, target)
}

// render writes component with status. templ renders into a buffer first, so
// a failed render still gets a clean 500 instead of half a page.
func render(c *gin.Context, status int, component templ.Component) {
	templ.Handler(component,
		templ.WithStatus(status),
		templ.WithErrorHandler(func(r *http.Request, err error) http.Handler {
			slog.ErrorContext(r.Context(), "render failed", "err", err, "request_id", requestid.FromContext(r.Context()))
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
			})
		}),
	).ServeHTTP(c.Writer, c.Request)
}

// prerendered serves a page that is the same for every visitor (the login
// form with nothing typed, say) from bytes rendered once, on first use.
func prerendered(component templ.Component) gin.HandlerFunc {
	body := sync.OnceValues(func() ([]byte, error) {
		var b bytes.Buffer
		err := component.Render(context.Background(), &b)
		return b.Bytes(), err
	})
	return func(c *gin.Context) {
		b, err := body()
		if err != nil {
			render(c, http.StatusOK, component) // renders again and reports the failure
			return
		}
		c.Data(http.StatusOK, "text/html; charset=utf-8", b)
	}
}
