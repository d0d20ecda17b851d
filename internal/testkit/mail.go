package testkit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Mail is one message the API's mail sender left in an outbox directory.
type Mail struct {
	File    string
	To      []string // addresses, lower-cased
	Subject string
	Text    string // the decoded text of every text part
}

// Outbox reads every .eml file in dir, oldest first. A missing dir is an
// empty outbox.
func Outbox(dir string) ([]Mail, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, err
	}
	type dated struct {
		path string
		mod  time.Time
	}
	var files []dated
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			continue // taken away meanwhile
		}
		files = append(files, dated{p, fi.ModTime()})
	}
	slices.SortStableFunc(files, func(a, b dated) int { return a.mod.Compare(b.mod) })
	var out []Mail
	for _, f := range files {
		m, err := readMail(f.path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.path, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func readMail(path string) (Mail, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Mail{}, err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	m := Mail{File: path}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		m.Subject = msg.Header.Get("Subject")
	}
	if list, err := msg.Header.AddressList("To"); err == nil {
		for _, a := range list {
			m.To = append(m.To, strings.ToLower(a.Address))
		}
	}
	var text strings.Builder
	if err := collectText(&text, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		return Mail{}, err
	}
	m.Text = text.String()
	return m, nil
}

// collectText appends the decoded text parts of a body to w.
func collectText(w *strings.Builder, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := collectText(w, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	if !strings.HasPrefix(mediaType, "text/") {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &newlineSkipper{body})
	}
	b, err := io.ReadAll(body)
	w.Write(b)
	w.WriteString("\n")
	return err
}

// newlineSkipper drops the line breaks base64 bodies are wrapped with.
type newlineSkipper struct{ r io.Reader }

func (s *newlineSkipper) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}

var resetLink = regexp.MustCompile(`/reset\?token=([^\s"'<>&]+)`)

// ResetToken waits up to wait for a mail to the address to in dir holding a
// /reset?token= link, and returns the token of the newest. Mails are sent
// from a queue, so one may arrive, or be half written, a moment after the
// request that asked for it.
func ResetToken(dir, to string, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	for {
		mails, err := Outbox(dir)
		if err != nil {
			// A mail being written may not read yet; it will in a moment.
			if time.Now().After(deadline) {
				return "", err
			}
			time.Sleep(20 * time.Millisecond)
			continue
		}
		token := ""
		for _, m := range mails {
			if !slices.Contains(m.To, strings.ToLower(to)) {
				continue
			}
			if sub := resetLink.FindAllStringSubmatch(m.Text, -1); len(sub) > 0 {
				if t, err := url.QueryUnescape(sub[len(sub)-1][1]); err == nil {
					token = t
				}
			}
		}
		if token != "" {
			return token, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no mail to %s with a reset link in %s after %v", to, dir, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
