package app

import (
	"io"
	"testing"
)

// TestOnOffSettings: the on/off settings default to on and refuse anything
// but on and off.
func TestOnOffSettings(t *testing.T) {
	for env, field := range map[string]func(Config) bool{
		"SHOP_RATE_LIMITS":           func(c Config) bool { return c.RateLimits },
		"SHOP_GRAPHQL_INTROSPECTION": func(c Config) bool { return c.Introspection },
	} {
		parse := func(v string) (Config, error) {
			return ParseConfig(nil, func(k string) string {
				if k == env {
					return v
				}
				return ""
			}, io.Discard)
		}
		for v, want := range map[string]bool{"": true, "on": true, "off": false} {
			c, err := parse(v)
			if err != nil {
				t.Fatalf("%s=%q: %v", env, v, err)
			}
			if field(c) != want {
				t.Errorf("%s=%q gives %v, want %v", env, v, field(c), want)
			}
		}
		if _, err := parse("maybe"); err == nil {
			t.Errorf("%s=maybe accepted", env)
		}
	}
}
