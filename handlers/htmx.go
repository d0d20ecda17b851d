package handlers

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"
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

// render writes component with status. It renders into a pooled buffer
// first, so a failed render still gets a clean 500 instead of half a page,
// and the answer goes out with its Content-Length in one write rather than
// chunked. A client that has gone away gets nothing.
func render(c *gin.Context, status int, component templ.Component) {
	if clientGone(c) {
		c.Status(statusClientClosed) // nobody is left to read a page
		return
	}
	buf := buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			buffers.Put(buf)
		}
	}()
	if err := component.Render(c.Request.Context(), buf); err != nil {
		logUnexpected(c, "render failed", err)
		c.String(http.StatusInternalServerError, "Something went wrong on our side.")
		return
	}
	writeHTML(c, status, buf.Bytes())
}

// writeHTML sends a whole HTML answer with its length.
func writeHTML(c *gin.Context, status int, body []byte) {
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Status(status)
	_, _ = c.Writer.Write(body) // a failed write means the client left
}

// buffers holds render buffers for reuse; pages are a few KiB.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps an unusually large page's buffer out of the pool.
const maxPooledBuffer = 64 << 10

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
		writeHTML(c, http.StatusOK, b)
	}
}
