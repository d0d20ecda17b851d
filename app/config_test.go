package app

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "localhost:8080" || c.DataDir != "./data" || c.TokenTTL != 30*time.Minute ||
		c.SessionMax != 12*time.Hour || c.CookieSecure != "auto" || c.Role != "all" || c.DatabaseURL != "" || len(c.SessionKeys) != 0 ||
		c.MaxStores != 1000 {
		t.Errorf("defaults = %+v", c)
	}
}

func TestParseConfigEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"SHOP_ADDR":            "127.0.0.1:9000",
		"SHOP_TOKEN_TTL":       "5m",
		"SHOP_SESSION_MAX":     "1h",
		"SHOP_SESSION_KEYS":    strings.Repeat("n", 32) + ", " + strings.Repeat("o", 32),
		"SHOP_CORS_ORIGINS":    "http://localhost:3000,http://localhost:5173",
		"SHOP_TRUSTED_PROXIES": "10.0.0.0/8",
		"SHOP_COOKIE_SECURE":   "true",
		"SHOP_MAX_STORES":      "20",
	}
	c, err := ParseConfig([]string{"-addr", "127.0.0.1:9001"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9001" {
		t.Errorf("flag did not win over env: addr = %q", c.Addr)
	}
	if c.TokenTTL != 5*time.Minute || c.SessionMax != time.Hour {
		t.Errorf("ttl = %v, session max = %v", c.TokenTTL, c.SessionMax)
	}
	if len(c.SessionKeys) != 2 || c.SessionKeys[0] != strings.Repeat("n", 32) {
		t.Errorf("session keys = %q", c.SessionKeys)
	}
	if len(c.CORSOrigins) != 2 || c.TrustedProxies[0] != "10.0.0.0/8" || c.CookieSecure != "true" {
		t.Errorf("lists = %+v", c)
	}
	if c.MaxStores != 20 {
		t.Errorf("max stores = %d, want 20", c.MaxStores)
	}
}

func TestParseConfigRejectsBadValues(t *testing.T) {
	cases := map[string][]string{
		"ttl":                   {"-token-ttl", "soon"},
		"negative ttl":          {"-token-ttl", "-5m"},
		"session max":           {"-session-max", "forever"},
		"zero max":              {"-session-max", "0s"},
		"max below ttl":         {"-token-ttl", "1h", "-session-max", "30m"},
		"max below default ttl": {"-session-max", "10m"},
		"short key":             {"-session-keys", "tooshort"},
		"trailing comma":        {"-session-keys", strings.Repeat("k", 32) + ","},
		"empty key":             {"-session-keys", strings.Repeat("k", 32) + ", ," + strings.Repeat("o", 32)},
		"secure":                {"-cookie-secure", "maybe"},
		"max stores":            {"-max-stores", "many"},
		"no stores":             {"-max-stores", "0"},
		"negative stores":       {"-max-stores", "-5"},
		"role":                  {"-role", "everything"},
		"web role":              {"-role", "web"},
		"unknown flag":          {"-colour", "blue"},
		"argument":              {"extra"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseConfig(args, func(string) string { return "" }, io.Discard); err == nil {
				t.Errorf("%v accepted", args)
			}
		})
	}
}

func TestParseConfigSessionMaxBelowTTLSaysWhy(t *testing.T) {
	_, err := ParseConfig([]string{"-session-max", "20m"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SHOP_SESSION_MAX") || !strings.Contains(err.Error(), "SHOP_TOKEN_TTL") {
		t.Fatalf("err = %v, want one naming SHOP_SESSION_MAX and SHOP_TOKEN_TTL", err)
	}
	if _, err := ParseConfig([]string{"-session-max", "30m"}, func(string) string { return "" }, io.Discard); err != nil {
		t.Fatalf("a cap equal to the ttl: %v", err)
	}
}

func TestParseConfigHelpListsEveryVariable(t *testing.T) {
	var out strings.Builder
	_, err := ParseConfig([]string{"-h"}, func(string) string { return "" }, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) || !strings.Contains(out.String(), "-"+s.flag) {
			t.Errorf("-h does not mention %s / -%s", s.env, s.flag)
		}
	}
	if !strings.Contains(out.String(), `(default "30m")`) {
		t.Error("-h does not show defaults")
	}
}

func TestPprofOnlyOnLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true, "[::1]:6060": true, "localhost:6060": true,
		"0.0.0.0:6060": false, ":6060": false, "10.1.2.3:6060": false, "example.com:6060": false,
	} {
		_, err := ParseConfig([]string{"-pprof-addr", addr}, func(string) string { return "" }, io.Discard)
		if (err == nil) != ok {
			t.Errorf("pprof on %q: err = %v, want accepted = %v", addr, err, ok)
		}
	}
}
