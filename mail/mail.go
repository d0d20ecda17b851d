// Package mail sends Shopkeeper's mails (password resets and the notice
// that a password changed) without ever making a request wait: a Queue
// holds a bounded number of jobs and one worker sends them through a
// Sender, with a timeout per attempt and retries with backoff. The Senders
// are SMTP (SHOP_SMTP_URL) and Outbox, the default, which writes each mail
// as an .eml file and logs it.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail: a text part and, optionally, an HTML alternative.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string // optional
}

// Sender delivers one message, or fails.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// build makes m into a go-mail message from from.
func build(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: from %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// SMTPConfig is a parsed SHOP_SMTP_URL.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS is smtps://: TLS from the first byte.
	ImplicitTLS bool
	// Plain allows the session to stay unencrypted when the server offers
	// no STARTTLS: only ever true for a loopback host. Otherwise smtp://
	// requires STARTTLS.
	Plain bool
}

// ParseSMTPURL reads smtp://[user:pass@]host[:port] (STARTTLS, port 587 by
// default) or smtps://[user:pass@]host[:port] (implicit TLS, port 465).
// smtp:// to a loopback host uses STARTTLS when the server offers it and
// stays plain otherwise; to any other host STARTTLS is required, and
// ?tls=none (plain SMTP) is refused, since passwords and reset links would
// cross the network in the clear.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, errors.New("not a URL")
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.ImplicitTLS = 465, true
	default:
		return SMTPConfig{}, fmt.Errorf("want smtp:// (STARTTLS) or smtps:// (implicit TLS), got %q", u.Scheme+"://")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, errors.New("no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return SMTPConfig{}, fmt.Errorf("bad port %q", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	loopback := isLoopback(c.Host)
	switch tlsMode := u.Query().Get("tls"); tlsMode {
	case "":
		c.Plain = loopback && !c.ImplicitTLS
	case "none":
		if c.ImplicitTLS {
			return SMTPConfig{}, errors.New("smtps:// is always TLS; tls=none contradicts it")
		}
		if !loopback {
			return SMTPConfig{}, fmt.Errorf("plain SMTP without TLS is allowed only to a loopback host, not %q: use smtp:// with STARTTLS or smtps://", c.Host)
		}
		c.Plain = true
	default:
		return SMTPConfig{}, fmt.Errorf("tls=%q: the only setting is tls=none (loopback only)", tlsMode)
	}
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMTP sends through an SMTP server.
type SMTP struct {
	cfg     SMTPConfig
	from    string
	timeout time.Duration
	// TLSConfig, if set, replaces the system's roots and server name check
	// (tests use it for their own certificate).
	TLSConfig *tls.Config
}

// NewSMTP returns a Sender for cfg whose mails come from from; each
// connection gives up after timeout.
func NewSMTP(cfg SMTPConfig, from string, timeout time.Duration) *SMTP {
	return &SMTP{cfg: cfg, from: from, timeout: timeout}
}

func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := build(s.from, m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.timeout)}
	switch {
	case s.cfg.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.cfg.Plain:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.TLSConfig))
	}
	if s.cfg.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.cfg.Plain {
			auth = gomail.SMTPAuthPlainNoEnc // loopback only: ParseSMTPURL saw to it
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

// Outbox writes each mail as an .eml file in Dir and logs it: the default
// when no SMTP server is configured, so a local run shows every mail.
type Outbox struct {
	Dir  string
	From string
	Log  *slog.Logger
}

func (o *Outbox) Send(_ context.Context, m Message) error {
	msg, err := build(o.From, m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := time.Now().UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(rnd[:]) + ".eml"
	path := filepath.Join(o.Dir, name)
	// Written under a temporary name and renamed, so a reader of the outbox
	// never sees half a mail.
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("mail: outbox: %w", err)
	}
	_, err = msg.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mail: outbox: %w", err)
	}
	if o.Log != nil {
		o.Log.Info("mail written to the outbox (no SHOP_SMTP_URL)", slog.String("file", path),
			slog.String("to", m.To), slog.String("subject", m.Subject), slog.String("text", m.Text))
	}
	return nil
}

// Discard drops every mail; for tests.
type Discard struct{}

func (Discard) Send(context.Context, Message) error { return nil }
