package handlers

import (
	"log/slog"

	"github.com/gin-gonic/gin"

	"shopkeeper/audit"
)

// auditEvent logs a security event the web itself decides (a cross-origin
// rejection; the API audits logins and throttling) in the API's line shape,
// and counts it. The request id comes from the request's context, so the
// request's logger is taken without the id logger(c) adds.
func auditEvent(c *gin.Context, event string, attrs ...slog.Attr) {
	log := slog.Default()
	if v, ok := c.Get(loggerKey); ok {
		log = v.(*slog.Logger)
	}
	audit.Log(c.Request.Context(), log, event, c.ClientIP(), attrs...)
	if rec, ok := c.Get(recorderKey); ok {
		rec.(Recorder).Event(event)
	}
}
