package mail_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shopkeeper/mail"
	"shopkeeper/mail/mailtest"
)

func TestParseSMTPURL(t *testing.T) {
	for _, c := range []struct {
		url  string
		want mail.SMTPConfig
	}{
		{"smtp://u:p@mail.example.com", mail.SMTPConfig{Host: "mail.example.com", Port: 587, Username: "u", Password: "p"}},
		{"smtp://mail.example.com:2525", mail.SMTPConfig{Host: "mail.example.com", Port: 2525}},
		{"smtps://u:p@mail.example.com", mail.SMTPConfig{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", ImplicitTLS: true}},
		{"smtp://127.0.0.1:1025", mail.SMTPConfig{Host: "127.0.0.1", Port: 1025, Plain: true}},
		{"smtp://localhost:1025?tls=none", mail.SMTPConfig{Host: "localhost", Port: 1025, Plain: true}},
		{"smtp://[::1]:25", mail.SMTPConfig{Host: "::1", Port: 25, Plain: true}},
	} {
		got, err := mail.ParseSMTPURL(c.url)
		if err != nil || got != c.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"smtp://mail.example.com?tls=none", // plain SMTP across the network
		"smtp://10.0.0.5:25?tls=none",
		"smtps://localhost?tls=none",
		"smtp://mail.example.com?tls=maybe",
		"http://mail.example.com",
		"smtp://",
		"smtp://mail.example.com:99999",
	} {
		if _, err := mail.ParseSMTPURL(bad); err == nil {
			t.Errorf("ParseSMTPURL(%q) accepted it", bad)
		}
	}
}

func smtpConfig(t *testing.T, addr string) mail.SMTPConfig {
	t.Helper()
	c, err := mail.ParseSMTPURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSMTPPlainLoopback: smtp:// to a loopback server without STARTTLS
// sends in the clear, as allowed there.
func TestSMTPPlainLoopback(t *testing.T) {
	srv := mailtest.Start(t, nil)
	s := mail.NewSMTP(smtpConfig(t, srv.Addr), "Shop <shop@example.com>", 5*time.Second)
	if err := s.Send(t.Context(), mail.Message{To: "ann@example.com", Subject: "Hi", Text: "Hello Ann\n"}); err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1, 5*time.Second)[0]
	if m.From != "shop@example.com" || len(m.To) != 1 || m.To[0] != "ann@example.com" || m.Subject != "Hi" || !strings.Contains(m.Text, "Hello Ann") {
		t.Fatalf("got %+v", m)
	}
}

// tlsPair returns a server certificate for 127.0.0.1 and a client config
// that trusts it (httptest's own).
func tlsPair(t *testing.T) (server, client *tls.Config) {
	h := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(h.Close)
	roots := h.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	return &tls.Config{Certificates: h.TLS.Certificates}, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
}

// TestSMTPStartTLS: when the server offers STARTTLS, the mail goes
// encrypted, and a server that does not is refused for a non-loopback
// configuration.
func TestSMTPStartTLS(t *testing.T) {
	serverTLS, clientTLS := tlsPair(t)
	srv := mailtest.Start(t, serverTLS)
	cfg := smtpConfig(t, srv.Addr)
	cfg.Plain = false // as for a non-loopback host: STARTTLS required
	s := mail.NewSMTP(cfg, "shop@example.com", 5*time.Second)
	s.TLSConfig = clientTLS
	if err := s.Send(t.Context(), mail.Message{To: "ann@example.com", Subject: "TLS", Text: "over TLS\n"}); err != nil {
		t.Fatal(err)
	}
	srv.Wait(t, 1, 5*time.Second)

	plain := mailtest.Start(t, nil)
	cfg = smtpConfig(t, plain.Addr)
	cfg.Plain = false
	s = mail.NewSMTP(cfg, "shop@example.com", 5*time.Second)
	if err := s.Send(t.Context(), mail.Message{To: "ann@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("sent without STARTTLS where TLS is required")
	}
	if n := len(plain.Mails()); n != 0 {
		t.Fatalf("the plain server got %d mails", n)
	}
}

func TestOutboxWritesEML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	var logs bytes.Buffer
	o := &mail.Outbox{Dir: dir, From: "Shopkeeper <no-reply@localhost>", Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := o.Send(t.Context(), mail.Message{To: "ann@example.com", Subject: "Reset", Text: "http://localhost:8080/reset?token=abc\n"}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("outbox holds %v, want one .eml", files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"To: <ann@example.com>", "Subject: Reset", "reset?token=3Dabc"} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("the .eml lacks %q:\n%s", want, raw)
		}
	}
	if !strings.Contains(logs.String(), files[0]) {
		t.Errorf("the log does not name the file: %s", logs.String())
	}
}

type flaky struct {
	fails atomic.Int32 // fail this many times first
	sent  atomic.Int32
}

func (f *flaky) Send(context.Context, mail.Message) error {
	if f.fails.Add(-1) >= 0 {
		return net.ErrClosed
	}
	f.sent.Add(1)
	return nil
}

func job(to string) mail.Job {
	return func(context.Context) (*mail.Message, error) {
		return &mail.Message{To: to, Subject: "s", Text: "t"}, nil
	}
}

func TestQueueRetries(t *testing.T) {
	f := &flaky{}
	f.fails.Store(2)
	var failed atomic.Int32
	q := mail.NewQueue(mail.QueueOptions{Sender: f, Backoff: time.Millisecond, Attempts: 3,
		Log: slog.New(slog.DiscardHandler), OnFailure: func(string) { failed.Add(1) }})
	q.Enqueue("test", job("a@example.com"))
	if err := q.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if f.sent.Load() != 1 || failed.Load() != 0 {
		t.Fatalf("sent %d, failed %d; want sent on the third attempt", f.sent.Load(), failed.Load())
	}
}

// TestQueueOutage: with the SMTP server down, Enqueue still returns at
// once, and the mail is logged and counted as failed after its attempts.
func TestQueueOutage(t *testing.T) {
	srv := mailtest.Start(t, nil)
	srv.Stop()
	var (
		mu     sync.Mutex
		logs   bytes.Buffer
		failed atomic.Int32
	)
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	q := mail.NewQueue(mail.QueueOptions{Sender: mail.NewSMTP(smtpConfig(t, srv.Addr), "shop@example.com", time.Second),
		Backoff: time.Millisecond, Attempts: 2, Log: log, OnFailure: func(string) { failed.Add(1) }})
	start := time.Now()
	if !q.Enqueue("password_reset", job("a@example.com")) {
		t.Fatal("Enqueue refused")
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("Enqueue took %v", d)
	}
	if err := q.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if failed.Load() != 1 || !strings.Contains(logs.String(), "mail not sent: giving up") {
		t.Fatalf("failed %d; logs:\n%s", failed.Load(), logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// TestQueueBounded: a full queue drops the job (counted) rather than wait.
func TestQueueBounded(t *testing.T) {
	block := make(chan struct{})
	var failed atomic.Int32
	q := mail.NewQueue(mail.QueueOptions{Sender: mail.Discard{}, Size: 2, Log: slog.New(slog.DiscardHandler),
		OnFailure: func(string) { failed.Add(1) }})
	q.Enqueue("block", func(context.Context) (*mail.Message, error) { <-block; return nil, nil })
	accepted := 0
	for i := range 5 {
		if q.Enqueue("x", job(strconv.Itoa(i)+"@example.com")) {
			accepted++
		}
	}
	close(block)
	q.Close(t.Context())
	if accepted > 3 || failed.Load() != int32(5-accepted) {
		t.Fatalf("accepted %d of 5 into a queue of 2, failures %d", accepted, failed.Load())
	}
}

// TestQueueDrainsOnClose: Close sends what is queued.
func TestQueueDrainsOnClose(t *testing.T) {
	f := &flaky{}
	q := mail.NewQueue(mail.QueueOptions{Sender: f, Log: slog.New(slog.DiscardHandler)})
	for range 10 {
		q.Enqueue("x", job("a@example.com"))
	}
	if err := q.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if f.sent.Load() != 10 {
		t.Fatalf("sent %d of 10 queued before Close", f.sent.Load())
	}
}
