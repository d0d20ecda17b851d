package handlers

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// retryLater sets Retry-After for an attempt the API throttled and returns
// the message to show inline. It says nothing about which limit was
// reached, so it reads the same whether or not the account exists. The API
// counts the attempts and audits the refusal.
func retryLater(c *gin.Context, wait time.Duration) string {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	c.Header("Retry-After", strconv.Itoa(secs))
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	return fmt.Sprintf("Too many attempts. Please wait %d %s and try again.", secs, unit)
}
