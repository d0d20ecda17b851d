// Package audit writes the security event lines (logins, logouts,
// throttling, cross-origin rejections, …) that the web and the API log, so
// both doors' lines have one shape: the message "audit", then event,
// client_ip and request_id, then what identifies the event.
package audit

import (
	"context"
	"log/slog"

	"shopkeeper/requestid"
)

// Log writes one audit line for event to log. Callers pass only what
// identifies the event, never a password, token secret or cookie value.
func Log(ctx context.Context, log *slog.Logger, event, clientIP string, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{
		slog.String("event", event), slog.String("client_ip", clientIP),
		slog.String("request_id", requestid.FromContext(ctx)),
	}, attrs...)
	log.LogAttrs(ctx, slog.LevelInfo, "audit", attrs...)
}
