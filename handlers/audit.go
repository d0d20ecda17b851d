package handlers

import (
	"log/slog"

	"github.com/gin-gonic/gin"
)

// audit logs a security event: logins, logouts, throttling, cross-origin
// rejections. Each line carries the event name, the request id (through the
// request's logger) and the client address. Callers pass only what identifies
// the event, never a password, token secret or cookie value.
func audit(c *gin.Context, event string, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.String("event", event), slog.String("client_ip", c.ClientIP())}, attrs...)
	logger(c).LogAttrs(c.Request.Context(), slog.LevelInfo, "audit", attrs...)
	if rec, ok := c.Get(recorderKey); ok {
		rec.(Recorder).Event(event)
	}
}
