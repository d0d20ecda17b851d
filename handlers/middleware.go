package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
	"shopkeeper/requestid"
	"shopkeeper/visitor"
)

// validRequestID limits what an upstream proxy may pass as a request id, so
// logs cannot be forged with newlines or flooded with long values.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestLog gives every request an id (kept from a trusted upstream, else new),
// sends it back as X-Request-Id, and logs one line when the request ends.
func requestLog(logger *slog.Logger, rec Recorder, trustUpstream func(*gin.Context) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader(requestid.Header)
		if !validRequestID.MatchString(id) || !trustUpstream(c) {
			id = requestid.New()
		}
		c.Header(requestid.Header, id)
		// The API counts login attempts against the visitor's address, and
		// records the browser's User-Agent with the tokens it makes.
		ctx := visitor.NewContext(requestid.NewContext(c.Request.Context(), id), visitorOf(c))
		c.Request = c.Request.WithContext(ctx)
		c.Set(loggerKey, logger) // logger(c) adds the id, when a handler logs
		c.Set(recorderKey, rec)
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		if errors.Is(c.Request.Context().Err(), context.Canceled) {
			// net/http cancels the context when the client goes away;
			// whatever the handler made of that, nobody got the answer.
			// (A body cut off for arriving too slowly also ends it; the
			// handlers that answer such a client carry on without.)
			status = statusClientClosed
		}
		end := time.Now()
		d := end.Sub(start)
		rec.Request(route, c.Request.Method, status, d)
		if !logger.Enabled(c.Request.Context(), slog.LevelInfo) {
			return
		}
		// The record is made here rather than by Logger.LogAttrs, which
		// looks up its caller for a source the log does not show: that
		// was about a fifth of the line's cost.
		r := slog.NewRecord(end, slog.LevelInfo, "request", 0)
		r.AddAttrs(
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", d),
			slog.String("request_id", id),
		)
		_ = logger.Handler().Handle(c.Request.Context(), r)
	}
}

// visitorOf is who c comes from, as the API is told: the connection's
// address, or what SHOP_TRUSTED_PROXIES said it was (gin's ClientIP), and
// the browser's User-Agent header. The device is added once its cookie is
// checked (devices.load, devices.fromProxy).
func visitorOf(c *gin.Context) visitor.Visitor {
	return visitor.Visitor{Addr: c.ClientIP(), UserAgent: c.Request.UserAgent()}
}

// statusClientClosed is what the request log and metrics say of a request
// whose client went away before the answer: nginx's 499 "client closed
// request", so a client hanging up is not counted as a server error.
const statusClientClosed = 499

// recoverPanics turns a panic into a plain 500 page that reveals nothing,
// and logs the panic with its stack through the request's logger, which
// carries the request id; gin writes no log of its own. gin takes
// http.ErrAbortHandler for a broken connection and swallows it: it is
// panicked again, so net/http aborts the answer as the panic asked rather
// than ending a half-written one as if it were whole.
func recoverPanics() gin.HandlerFunc {
	recovery := gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, v any) {
		logger(c).ErrorContext(c.Request.Context(), "panic", "panic", v, "stack", string(debug.Stack()))
		c.Abort()
		if !c.Writer.Written() {
			showError(c, http.StatusInternalServerError, internalErrorView)
		}
	})
	return func(c *gin.Context) {
		recovery(c)
		if last := c.Errors.Last(); last != nil && errors.Is(last.Err, http.ErrAbortHandler) {
			panic(http.ErrAbortHandler)
		}
	}
}

// securityHeaders are sent on every answer: pages, fragments, errors, assets.
// The values are made once and shared: a handler that changes one sets a
// new slice (Header.Set), and Add appends to a full one, which copies.
func securityHeaders(https func(*gin.Context) bool) gin.HandlerFunc {
	var (
		csp      = []string{"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"}
		nosniff  = []string{"nosniff"}
		referrer = []string{"strict-origin-when-cross-origin"}
		opener   = []string{"same-origin"}
		hsts     = []string{"max-age=63072000; includeSubDomains"}
	)
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h["Content-Security-Policy"] = csp
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = referrer
		h["Cross-Origin-Opener-Policy"] = opener
		if https(c) {
			h["Strict-Transport-Security"] = hsts
		}
		c.Next()
	}
}

var internalErrorView = components.ErrorView{
	Status:  http.StatusInternalServerError,
	Title:   "Something went wrong",
	Message: "Something went wrong on our side. Please try again.",
}

const loggerKey = "shopkeeper.logger"

// logger returns the request's logger, which carries its request id. It is
// made here rather than for every request: most requests log one line only,
// in requestLog.
func logger(c *gin.Context) *slog.Logger {
	if v, ok := c.Get(loggerKey); ok {
		return v.(*slog.Logger).With(slog.String("request_id", requestid.FromContext(c.Request.Context())))
	}
	return slog.Default()
}

// Recorder is what the web front reports to metrics; *metrics.Metrics has it.
type Recorder interface {
	Request(route, method string, status int, d time.Duration)
	Event(name string)
}

// noRecorder records nothing, when no metrics are wanted.
type noRecorder struct{}

func (noRecorder) Request(string, string, int, time.Duration) {}
func (noRecorder) Event(string)                               {}

const recorderKey = "shopkeeper.recorder"
