package handlers

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"shopkeeper/throttle"
)

// retryLater sets Retry-After for an attempt the API throttled and returns
// the message to show inline. It says nothing about which limit was
// reached, so it reads the same whether or not the account exists. The API
// counts the attempts and audits the refusal.
func retryLater(c *gin.Context, wait time.Duration) string {
	secs := throttle.RetryAfterSeconds(wait)
	c.Header("Retry-After", strconv.Itoa(secs))
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	return fmt.Sprintf("Too many attempts. Please wait %d %s and try again.", secs, unit)
}
