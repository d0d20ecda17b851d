package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shopkeeper/internal/testkit"
)

func TestParseConfigMail(t *testing.T) {
	c := config(t, map[string]string{"SHOP_ADDR": "127.0.0.1:9000"})
	if c.SMTPURL != "" || c.BaseURL != "http://127.0.0.1:9000" || c.ResetTTL != 30*time.Minute ||
		c.MailFrom != "Shopkeeper <no-reply@127.0.0.1>" {
		t.Errorf("mail defaults: %+v", c)
	}
	c, err := ParseConfig([]string{"-reset-ttl", "1h"}, func(k string) string {
		return map[string]string{
			"SHOP_SMTP_URL":  "smtps://u:p@mail.example.com",
			"SHOP_BASE_URL":  "https://shop.example.com/",
			"SHOP_MAIL_FROM": "Shop <shop@example.com>",
		}[k]
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "https://shop.example.com" || c.ResetTTL != time.Hour || !c.SMTP.ImplicitTLS ||
		c.SMTP.Host != "mail.example.com" || c.MailFrom != "Shop <shop@example.com>" {
		t.Errorf("mail settings: %+v", c)
	}
}

func TestParseConfigRefusesUnsafeMail(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SHOP_SMTP_URL": "smtp://mail.example.com?tls=none", "SHOP_BASE_URL": "https://shop.example.com"}, "loopback"},
		{map[string]string{"SHOP_SMTP_URL": "smtp://mail.example.com:587"}, "SHOP_BASE_URL"},
		{map[string]string{"SHOP_SMTP_URL": "smtp://127.0.0.1:1025"}, "SHOP_BASE_URL"},
		{map[string]string{"SHOP_SMTP_URL": "ftp://mail.example.com", "SHOP_BASE_URL": "https://shop.example.com"}, "smtp://"},
		{map[string]string{"SHOP_BASE_URL": "shop.example.com"}, "absolute http(s) URL"},
		{map[string]string{"SHOP_BASE_URL": "javascript:alert(1)"}, "absolute http(s) URL"},
		{map[string]string{"SHOP_MAIL_FROM": "not an address"}, "not a mail address"},
		{map[string]string{"SHOP_RESET_TTL": "0s"}, "positive"},
	} {
		_, err := ParseConfig(nil, func(k string) string { return c.env[k] }, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want one saying %q", c.env, err, c.want)
		}
	}
}

// TestResetMailLandsInTheOutbox: with no SMTP server the app writes the
// reset mail to DATA_DIR/outbox, with a link to SHOP_ADDR.
func TestResetMailLandsInTheOutbox(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := config(t, map[string]string{"SHOP_ADDR": addr, "SHOP_DATA_DIR": dir, "SHOP_ROLE": "api"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	post := func(query string, vars map[string]any) string {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		var res *http.Response
		for range 100 { // until it listens
			res, err = http.Post("http://"+addr+"/graphql", "application/json", bytes.NewReader(body))
			if err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	post(`mutation($e: String!) { registerOwner(email: $e, password: "a long enough password", name: "Ann") { _id } }`,
		map[string]any{"e": "ann@example.com"})
	if got := post(`mutation($e: String!) { requestPasswordReset(email: $e) }`, map[string]any{"e": "ann@example.com"}); !strings.Contains(got, `"requestPasswordReset":true`) {
		t.Fatalf("requestPasswordReset: %s", got)
	}
	outbox := filepath.Join(dir, "outbox")
	token, err := testkit.ResetToken(outbox, "ann@example.com", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	mails, _ := testkit.Outbox(outbox)
	if len(mails) != 1 || !strings.Contains(mails[0].Text, "http://"+addr+"/reset?token=") {
		t.Fatalf("outbox: %+v", mails)
	}
	if got := post(`mutation($t: String!) { resetPassword(token: $t, newPassword: "another long password") }`, map[string]any{"t": token}); !strings.Contains(got, `"resetPassword":true`) {
		t.Fatalf("resetPassword: %s", got)
	}
}
