package app

import (
	"io"
	"testing"
)

func TestRateLimitsSetting(t *testing.T) {
	parse := func(v string) (Config, error) {
		return ParseConfig(nil, func(k string) string {
			if k == "SHOP_RATE_LIMITS" {
				return v
			}
			return ""
		}, io.Discard)
	}
	for v, want := range map[string]bool{"": true, "on": true, "off": false} {
		c, err := parse(v)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if c.RateLimits != want {
			t.Errorf("SHOP_RATE_LIMITS=%q gives RateLimits=%v, want %v", v, c.RateLimits, want)
		}
	}
	if _, err := parse("maybe"); err == nil {
		t.Error("SHOP_RATE_LIMITS=maybe accepted")
	}
}
