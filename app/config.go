package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"shopkeeper/mail"
)

// Config is everything Shopkeeper reads at start-up. Each field has a flag
// and an environment twin; a flag given on the command line wins.
type Config struct {
	Addr           string
	DataDir        string
	DatabaseURL    string
	RedisURL       string
	GraphQLURL     string
	TokenTTL       time.Duration // idle timeout of a login
	SessionMax     time.Duration // absolute lifetime of a login, from when it began
	SessionKeys    []string
	CookieSecure   string // auto, true or false
	CORSOrigins    []string
	TrustedProxies []string
	Role           string // all, web or api
	PprofAddr      string // loopback address for net/http/pprof; empty = off
	SessionStore   string // cookie or redis
	RedisPrefix    string // put before every Redis key
	RateLimits     bool   // throttle logins and sign-ups (SECURITY.md)
	Introspection  bool   // answer __schema and __type queries
	SMTPURL        string // smtp:// or smtps://; empty = mails go to DataDir/outbox
	SMTP           mail.SMTPConfig
	MailFrom       string // From of every mail
	BaseURL        string // public URL the links in mails start with, no trailing slash
	ResetTTL       time.Duration
	MaxStores      int // stores an owner may have
}

// setting describes one flag and its environment variable.
type setting struct {
	flag, env, def, usage string
	set                   func(c *Config, v string) error
}

var settings = []setting{
	{"addr", "SHOP_ADDR", "localhost:8080", "listen address", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"data-dir", "SHOP_DATA_DIR", "./data", "directory for the SQLite file and generated keys", func(c *Config, v string) error { c.DataDir = v; return nil }},
	{"database-url", "SHOP_DATABASE_URL", "", "empty = SQLite in the data dir; postgres://… = PostgreSQL", func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"redis-url", "SHOP_REDIS_URL", "", "redis://… for shared rate limits and sessions; empty = none", func(c *Config, v string) error { c.RedisURL = v; return nil }},
	{"graphql-url", "SHOP_GRAPHQL_URL", "", "remote GraphQL API for the web role; empty = the embedded API", func(c *Config, v string) error { c.GraphQLURL = v; return nil }},
	{"token-ttl", "SHOP_TOKEN_TTL", "30m", "how long an unused login lasts (idle timeout, Go duration); each use moves it on", func(c *Config, v string) error {
		return positiveDuration(&c.TokenTTL, v)
	}},
	{"session-max", "SHOP_SESSION_MAX", "12h", "how long a login lasts however busy (absolute lifetime from the login, Go duration, at least the token ttl)", func(c *Config, v string) error {
		return positiveDuration(&c.SessionMax, v)
	}},
	{"session-keys", "SHOP_SESSION_KEYS", "", "comma-separated cookie keys, newest first; empty = generated once into the data dir", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		// Unlike the other lists, an empty item is refused: a stray comma
		// would otherwise hide that a key meant to be there is missing.
		for k := range strings.SplitSeq(v, ",") {
			switch k = strings.TrimSpace(k); {
			case k == "":
				return errors.New("an empty key (a stray comma?): give keys separated by single commas")
			case len(k) < 32:
				return errors.New("each session key must be at least 32 characters")
			}
			c.SessionKeys = append(c.SessionKeys, k)
		}
		return nil
	}},
	{"cookie-secure", "SHOP_COOKIE_SECURE", "auto", "auto (Secure over TLS or a trusted proxy saying https), true or false", func(c *Config, v string) error {
		switch v {
		case "auto", "true", "false":
			c.CookieSecure = v
			return nil
		}
		return fmt.Errorf("want auto, true or false, got %q", v)
	}},
	{"cors-origins", "SHOP_CORS_ORIGINS", "", "comma-separated origins allowed to call /graphql from a browser", func(c *Config, v string) error { c.CORSOrigins = splitList(v); return nil }},
	{"trusted-proxies", "SHOP_TRUSTED_PROXIES", "", "comma-separated proxy IPs or CIDRs whose X-Forwarded-* headers are believed", func(c *Config, v string) error { c.TrustedProxies = splitList(v); return nil }},
	{"rate-limits", "SHOP_RATE_LIMITS", "on", "on, or off for local browser suites and load tests only (never in production)", func(c *Config, v string) error { return onOff(&c.RateLimits, v) }},
	{"graphql-introspection", "SHOP_GRAPHQL_INTROSPECTION", "on", "on (GraphQL tools can read the schema) or off", func(c *Config, v string) error { return onOff(&c.Introspection, v) }},
	{"redis-prefix", "SHOP_REDIS_PREFIX", "shopkeeper:", "prefix of every Redis key, so deployments can share one Redis", func(c *Config, v string) error {
		if v == "" {
			return errors.New("must not be empty")
		}
		c.RedisPrefix = v
		return nil
	}},
	{"session-store", "SHOP_SESSION_STORE", "cookie", "cookie (the session, encrypted, in the cookie) or redis (server-side in SHOP_REDIS_URL; the cookie holds a signed id)", func(c *Config, v string) error {
		switch v {
		case "cookie", "redis":
			c.SessionStore = v
			return nil
		}
		return fmt.Errorf("want cookie or redis, got %q", v)
	}},
	{"pprof-addr", "SHOP_PPROF_ADDR", "", "loopback address (e.g. 127.0.0.1:6060) serving Go's pprof profiles; empty = off", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		host, _, err := net.SplitHostPort(v)
		if err != nil {
			return err
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("profiles reveal memory contents: serve them on a loopback address only, not %q", v)
		}
		c.PprofAddr = v
		return nil
	}},
	{"smtp-url", "SHOP_SMTP_URL", "", "smtp://user:pass@host:587 (STARTTLS; plain only to a loopback host) or smtps://… (implicit TLS); empty = mails written to DATA_DIR/outbox", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		sc, err := mail.ParseSMTPURL(v)
		if err != nil {
			return err
		}
		c.SMTPURL, c.SMTP = v, sc
		return nil
	}},
	{"mail-from", "SHOP_MAIL_FROM", "", "From of the mails Shopkeeper sends; empty = Shopkeeper <no-reply@the base URL's host>", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		if _, err := netmail.ParseAddress(v); err != nil {
			return fmt.Errorf("not a mail address: %v", err)
		}
		c.MailFrom = v
		return nil
	}},
	{"base-url", "SHOP_BASE_URL", "", "public URL of the site (https://shop.example.com), where links in mails point; required with SHOP_SMTP_URL; empty = http://SHOP_ADDR", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("want an absolute http(s) URL such as https://shop.example.com, got %q", v)
		}
		c.BaseURL = strings.TrimRight(v, "/")
		return nil
	}},
	{"reset-ttl", "SHOP_RESET_TTL", "30m", "how long a password reset link works (Go duration)", func(c *Config, v string) error {
		return positiveDuration(&c.ResetTTL, v)
	}},
	{"max-stores", "SHOP_MAX_STORES", "1000", "how many stores an owner may have", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("want a whole number of at least 1, got %q", v)
		}
		c.MaxStores = n
		return nil
	}},
	{"role", "SHOP_ROLE", "all", "all (web + API), web or api", func(c *Config, v string) error {
		switch v {
		case "all", "web", "api":
			c.Role = v
			return nil
		}
		return fmt.Errorf("want all, web or api, got %q", v)
	}},
}

// ParseConfig reads the configuration from the command-line arguments (without
// the program name) and the environment. It returns flag.ErrHelp for -h.
func ParseConfig(args []string, getenv func(string) string, usageOut io.Writer) (Config, error) {
	fs := flag.NewFlagSet("shopkeeper", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	values := make([]*string, len(settings))
	for i, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		values[i] = fs.String(s.flag, def, fmt.Sprintf("%s (env %s)", s.usage, s.env))
	}
	fs.Usage = func() {
		fmt.Fprintf(usageOut, "Usage: shopkeeper [flags]\n\nShopkeeper serves the store owners' web app and its GraphQL API.\nEvery flag has an environment twin; a flag wins over its variable.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var c Config
	for i, s := range settings {
		if err := s.set(&c, *values[i]); err != nil {
			return Config{}, fmt.Errorf("-%s / %s: %w", s.flag, s.env, err)
		}
	}
	if c.SessionMax < c.TokenTTL {
		return Config{}, fmt.Errorf("SHOP_SESSION_MAX (%v) must be at least SHOP_TOKEN_TTL (%v): the absolute lifetime of a login cannot be shorter than its idle timeout", c.SessionMax, c.TokenTTL)
	}
	if c.SessionStore == "redis" && c.RedisURL == "" {
		return Config{}, errors.New("SHOP_SESSION_STORE=redis needs SHOP_REDIS_URL")
	}
	if c.SMTPURL != "" && c.BaseURL == "" {
		return Config{}, errors.New("SHOP_SMTP_URL needs SHOP_BASE_URL: the links in mails must point at the site's public address, never at whatever Host a request names")
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if c.MailFrom == "" {
		host := "localhost"
		if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
		c.MailFrom = "Shopkeeper <no-reply@" + host + ">"
	}
	if c.Role == "web" && c.GraphQLURL == "" {
		return Config{}, errors.New("SHOP_ROLE=web needs SHOP_GRAPHQL_URL: the web role does not open the database")
	}
	return c, nil
}

// positiveDuration sets d from a Go duration above zero.
func positiveDuration(d *time.Duration, v string) error {
	p, err := time.ParseDuration(v)
	if err != nil || p <= 0 {
		return fmt.Errorf("want a positive Go duration such as 30m, got %q", v)
	}
	*d = p
	return nil
}

// onOff sets b from an on/off setting.
func onOff(b *bool, v string) error {
	switch v {
	case "on", "off":
		*b = v == "on"
		return nil
	}
	return fmt.Errorf("want on or off, got %q", v)
}

func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
