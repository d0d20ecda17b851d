package handlers

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"shopkeeper/components"
)

// EventCSRFRejected is the audit event of a refused cross-site request.
const EventCSRFRejected = "csrf.rejected"

// crossOriginProtection refuses state-changing requests that a browser says
// came from another site, using the Sec-Fetch-Site header, or Origin where a
// browser does not send it (net/http's CrossOriginProtection). No tokens are
// needed; GET, HEAD and OPTIONS pass, which is why no GET changes state.
// Requests without either header (curl, old browsers) pass: they cannot carry
// a victim's cookie. Origin is compared with Host, so a proxy in front must
// pass the Host header through unchanged. It runs before the session is
// loaded, and its refusal page shows nobody logged in: it asks the API
// nothing, and a cookie alone may have outlived its logout.
func crossOriginProtection() gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			auditEvent(c, EventCSRFRejected,
				slog.String("method", c.Request.Method),
				slog.String("path", c.Request.URL.Path),
				slog.String("origin", c.GetHeader("Origin")),
				slog.String("sec_fetch_site", c.GetHeader("Sec-Fetch-Site")))
			c.Abort()
			showError(c, http.StatusForbidden, crossOriginView)
			return
		}
		c.Next()
	}
}

var crossOriginView = components.ErrorView{
	Status: http.StatusForbidden, Title: "Request refused",
	Message: "This form was sent from another site, so it was not accepted. Open Shopkeeper and try again there.",
}
