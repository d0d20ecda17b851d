// Package mailtest runs a real SMTP server on a loopback port for tests
// (github.com/emersion/go-smtp's server) and keeps what it receives.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message the server accepted.
type Mail struct {
	From    string
	To      []string
	Subject string
	Text    string // the decoded text/plain part
	Raw     []byte
}

// Server is an SMTP server on 127.0.0.1.
type Server struct {
	Addr string
	srv  *smtp.Server
	ln   net.Listener
	mu   sync.Mutex
	got  []Mail
	ch   chan struct{}
}

// Start serves SMTP on a free loopback port until the test ends; tlsConfig,
// if set, makes the server offer STARTTLS.
func Start(t testing.TB, tlsConfig *tls.Config) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln, ch: make(chan struct{}, 100)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.TLSConfig = tlsConfig
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Stop closes the server: later connections are refused.
func (s *Server) Stop() {
	s.ln.Close() // Serve may not have taken the listener yet
	s.srv.Close()
}

// Mails returns what the server accepted so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.got...)
}

// Wait waits up to d for the server to hold n mails, and returns them.
func (s *Server) Wait(t testing.TB, n int, d time.Duration) []Mail {
	t.Helper()
	deadline := time.After(d)
	for {
		if m := s.Mails(); len(m) >= n {
			return m
		}
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("the SMTP server got %d mails in %v, want %d", len(s.Mails()), d, n)
		}
	}
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{From: x.from, To: x.to, Raw: raw}
	if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		dec := new(mime.WordDecoder)
		m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
		m.Text, _ = text(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	}
	x.s.mu.Lock()
	x.s.got = append(x.s.got, m)
	x.s.mu.Unlock()
	select {
	case x.s.ch <- struct{}{}:
	default:
	}
	return nil
}

// text is the decoded text/plain content of a body.
func text(contentType, encoding string, body io.Reader) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		var b strings.Builder
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return b.String(), nil
			}
			if err != nil {
				return b.String(), err
			}
			s, _ := text(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			b.WriteString(s)
		}
	}
	if mt != "text/plain" {
		return "", nil
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	return string(b), err
}
