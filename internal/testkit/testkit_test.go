package testkit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	var c Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("an unset clock is %v off the wall clock", d)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(at)
	c.Advance(time.Hour)
	if got := c.Now(); !got.Equal(at.Add(time.Hour)) {
		t.Fatalf("Now = %v, want %v", got, at.Add(time.Hour))
	}
	if got := NewClock(at).Now(); !got.Equal(at) {
		t.Fatalf("NewClock(at).Now = %v", got)
	}
}

func TestResetToken(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(body, "\n", "\r\n")), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("1.eml", `From: Shopkeeper <shop@example.com>
To: Someone Else <other@example.com>
Subject: Reset your password
Content-Type: text/plain; charset=utf-8

http://shop.example/reset?token=not-yours
`)
	write("2.eml", `From: Shopkeeper <shop@example.com>
To: <Ada@Example.com>
Subject: Reset your password
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary=b1

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Open http://shop.example/reset?token=3D0123456789abcdefghijklmnopqrstuvwxyz=
ABCDEF to choose a new password.
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PGEgaHJlZj0iaHR0cDovL3Nob3AuZXhhbXBsZS9yZXNldD90b2tlbj0wMTIzIj5yZXNldDwvYT4=
--b1--
`)
	token, err := ResetToken(dir, "ada@example.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	if token != "0123" { // the last link of the newest mail to ada
		t.Errorf("token = %q", token)
	}
	if _, err := ResetToken(dir, "nobody@example.com", 0); err == nil {
		t.Error("found a token for an address no mail went to")
	}
	mails, err := Outbox(dir)
	if err != nil || len(mails) != 2 {
		t.Fatalf("Outbox = %d mails, %v", len(mails), err)
	}
	if !strings.Contains(mails[1].Text, "reset?token=0123456789abcdefghijklmnopqrstuvwxyzABCDEF to") {
		t.Errorf("quoted-printable text not decoded: %q", mails[1].Text)
	}
}
