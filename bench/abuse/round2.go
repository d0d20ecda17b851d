package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// The second round's attacks: answers that grow without bound, limits that
// give way, and owners kept out of their own accounts.

// Sizes of the second round's attacks.
const (
	floodOperations = 15
	floodFields     = 100 // revokeSession fields in each mutation, half from a shared fragment
	floodAtOnce     = 8
	varDirectives   = 2400
	storeItems      = 50  // list items in each list of a seeded store: the most a list takes
	itemRunes       = 200 // characters an item: the most an item takes
	seedAliases     = 19  // createStore fields a request: the most the complexity limit allows
	seedStores      = 1000
	hungUpGuesses   = 30
	otherSessions   = 151
	slowConns       = 1000
	slowBody        = 1 << 20
	slowHold        = 3 * time.Second
	lockOutTries    = 10
	lockOutEvery    = 3 * time.Second
	guessEvery      = 400 * time.Millisecond // 2.5 a second
)

// errorFlood sends the document that made the validator's overlapping-
// fields rule report every pair of fields: 15 mutations, each of 100
// revokeSession fields with different ids, half of them from one fragment;
// eight requests at once.
func errorFlood(s *server) string {
	var b strings.Builder
	b.WriteString("fragment F on Mutation {")
	for i := range floodFields / 2 {
		fmt.Fprintf(&b, ` revokeSession(id: "f%d")`, i)
	}
	b.WriteString(" }\n")
	for op := range floodOperations {
		fmt.Fprintf(&b, "mutation m%d { ...F", op)
		for i := range floodFields / 2 {
			fmt.Fprintf(&b, ` revokeSession(id: "m%d-%d")`, op, i)
		}
		b.WriteString(" }\n")
	}
	doc := b.String()
	replies := make([]reply, floodAtOnce)
	var wg sync.WaitGroup
	for i := range replies {
		wg.Go(func() { replies[i] = s.post(doc, "") })
	}
	wg.Wait()
	var largest int64
	errs, outcomes := 0, counts{}
	for _, r := range replies {
		largest = max(largest, r.size)
		if r.gql != nil {
			errs = max(errs, len(r.gql.Errors))
		}
		outcomes[r.describe()]++
	}
	return fmt.Sprintf("%d-byte document; largest answer %d bytes with %d errors; %s", len(doc), largest, errs, outcomes)
}

// variableDirectives puts 2,400 directives on one variable definition,
// where the first round's directive count did not look.
func variableDirectives(s *server) string {
	doc := "query Q($v: Int" + strings.Repeat(" @a", varDirectives) + ") { __typename }"
	rep := s.post(doc, "")
	errs := 0
	if rep.gql != nil {
		errs = len(rep.gql.Errors)
	}
	return fmt.Sprintf("%d-byte answer with %d errors: %s", rep.size, errs, rep.describe())
}

// answerAmplification seeds one owner's stores with the largest lists the
// input rules allow (about 80 KB a store), as fast and as many as the
// server lets it, then asks for them under three roots in one small query:
// first a page of 1,000, then pages of 100.
func answerAmplification(s *server) string {
	if err := s.register(ownerEmail, ownerPassword, "O"); err != nil {
		return "setup failed: " + err.Error()
	}
	secret, err := s.login(ownerEmail, ownerPassword)
	if err != nil {
		return "setup failed: " + err.Error()
	}
	id, err := s.ownerID(secret)
	if err != nil {
		return "setup failed: " + err.Error()
	}
	items := make([]string, storeItems)
	for i := range items {
		items[i] = fmt.Sprintf("%03d", i) + strings.Repeat("𝄞", itemRunes-3)
	}
	var seed strings.Builder
	seed.WriteString("mutation($l: [String]) {")
	for i := range seedAliases {
		fmt.Fprintf(&seed, ` s%d: createStore(data: {name: "store %d", email: "shop@example.com", paymentMethods: $l, categories: $l}) { _id }`, i, i)
	}
	seed.WriteString(" }")
	req, _ := json.Marshal(map[string]any{"query": seed.String(), "variables": map[string]any{"l": items}})
	made, refused := 0, counts{}
	for made < seedStores {
		rep := s.postBody(req, secret, s.timeout)
		n := rep.nonNull()
		made += n
		if n < seedAliases {
			refused.add(rep.codes())
			break
		}
	}
	s.begin()
	ask := func(size int) reply {
		page := fmt.Sprintf("stores(_size: %d) { data { name paymentMethods categories } }", size)
		return s.post(fmt.Sprintf(`{ findOwnerByEmail(email: %q) { %s } findOwnerByID(id: %q) { %s } listOwners { %s } }`,
			ownerEmail, page, id, page, page), secret)
	}
	big, pages := ask(seedStores), ask(100)
	out := fmt.Sprintf("%d stores seeded", made)
	if len(refused) > 0 {
		out += " (then " + refused.String() + ")"
	}
	return fmt.Sprintf("%s; _size 1000: %d-byte answer, %s; _size 100: %d-byte answer, %s",
		out, big.size, big.describe(), pages.size, pages.describe())
}

// ownerID is the logged-in owner's id.
func (s *server) ownerID(secret string) (string, error) {
	rep := s.post(`{ listOwners { _id } }`, secret)
	var owners []struct {
		ID string `json:"_id"`
	}
	if v, ok := rep.fields()["listOwners"]; ok {
		_ = json.Unmarshal(v, &owners)
	}
	if len(owners) != 1 {
		return "", fmt.Errorf("listOwners: %s", rep.describe())
	}
	return owners[0].ID, nil
}

// hungUpLogins sends wrong-password logins to a server counting attempts
// in Redis, every other one from a client that hangs up as soon as the
// request is written, and counts in the server's audit log how many
// passwords were checked and whether it fell back to counting on its own.
func hungUpLogins(s *server) string {
	if err := s.register(victimEmail, victimPassword, "V"); err != nil {
		return "setup failed: " + err.Error()
	}
	s.begin()
	for i := range hungUpGuesses {
		doc := fmt.Sprintf(`mutation { login(email: %q, password: "guess-%d") { secret } }`, victimEmail, i)
		if i%2 == 1 { // every other guess waits for its answer
			s.post(doc, "")
			continue
		}
		b := body(doc)
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
		if err != nil {
			return "dial: " + err.Error()
		}
		fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			strings.TrimPrefix(s.url, "http://"), len(b), b)
		// Hang up with a reset a moment later, while the login is being
		// counted: the server's request context ends at once.
		time.Sleep(time.Duration(i%4) * 500 * time.Microsecond)
		_ = conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // the last ones finish, and the log's batch is written
	s.end()
	log := s.log()
	checked := strings.Count(log, `"event":"login.failure"`)
	throttled := strings.Count(log, `"event":"throttled"`)
	fell := "no"
	if strings.Contains(log, "counting in this instance only") {
		fell = "yes"
	}
	return fmt.Sprintf("%d of %d guesses checked, %d throttled; fell back to local counts: %s", checked, hungUpGuesses, throttled, fell)
}

// log is what the server has logged so far.
func (s *server) log() string {
	b, err := os.ReadFile(s.logFile)
	if err != nil {
		return ""
	}
	return string(b)
}

// browser is a web client with its own cookies, which does not follow
// redirects, so each answer can be read as sent.
type browser struct {
	s      *server
	client *http.Client
	addr   string // X-Forwarded-For it sends, if any
}

func (s *server) browser(addr string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, addr: addr, client: &http.Client{
		Jar: jar, Timeout: s.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request as this browser, with a same-origin Origin on posts,
// and returns the status, the Location and the body.
func (b *browser) do(method, path string, form url.Values) (int, string, string) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.url+path, body)
	if err != nil {
		return 0, "", err.Error()
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.s.url)
	}
	if b.addr != "" {
		req.Header.Set("X-Forwarded-For", b.addr)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(page)
}

// logIn posts the login form; true when it answered 303 to /.
func (b *browser) logIn(email, password string) bool {
	status, loc, _ := b.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}})
	return status == http.StatusSeeOther && loc == "/"
}

func (b *browser) logOut() {
	b.do(http.MethodPost, "/logout", url.Values{})
}

// logoutOthers gives an owner 151 sessions besides a browser's, presses
// "Log out other sessions" in that browser, and counts the sessions still
// alive.
func logoutOthers(s *server) string {
	if err := s.register(ownerEmail, ownerPassword, "O"); err != nil {
		return "setup failed: " + err.Error()
	}
	secrets := make([]string, otherSessions)
	for i := range secrets {
		secret, err := s.login(ownerEmail, ownerPassword)
		if err != nil {
			return "setup failed: " + err.Error()
		}
		secrets[i] = secret
	}
	b := s.browser("")
	if !b.logIn(ownerEmail, ownerPassword) {
		return "setup failed: the web login did not succeed"
	}
	s.begin()
	status, _, _ := b.do(http.MethodPost, "/account/logout-others", url.Values{})
	alive := 0
	for _, secret := range secrets {
		if rep := s.post(`{ countStores }`, secret); rep.codes()["invalid token"] == 0 {
			alive++
		}
	}
	s.end()
	here, _, _ := b.do(http.MethodGet, "/account", nil)
	return fmt.Sprintf("HTTP %d; %d of %d other sessions still alive; this browser's: HTTP %d on /account", status, alive, otherSessions, here)
}

// slowBodies opens 1,000 connections that each announce a 1 MiB body to
// /graphql, send all of it but the last byte, and hold it for 3 s, then
// reads what each was answered.
func slowBodies(s *server) string {
	host := strings.TrimPrefix(s.url, "http://")
	payload := make([]byte, slowBody-1)
	for i := range payload {
		payload[i] = ' '
	}
	answers := make([]string, slowConns)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() { answers[i] = slowPost(host, payload, start.Add(slowHold)) })
	}
	wg.Wait()
	c := counts{}
	for _, a := range answers {
		c[a]++
	}
	return c.String()
}

// slowPost sends one almost-whole body, holds it until hold, and reports
// the answer's status, or how the connection ended.
func slowPost(host string, payload []byte, hold time.Time) string {
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		return "dial failed"
	}
	defer conn.Close()
	_ = conn.SetDeadline(hold.Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", host, len(payload)+1)
	written := "sent"
	if _, err := conn.Write(payload); err != nil {
		written = "cut off"
	}
	time.Sleep(time.Until(hold))
	_ = conn.SetReadDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return written + ", no answer"
	}
	if f := strings.Fields(line); len(f) >= 2 {
		return written + ", HTTP " + f[1]
	}
	return written + ", garbled answer"
}

// lockOut has four addresses guess an account's password 2.5 times a second
// between them while its owner, whose browser logged in before, tries the
// right password every 3 s.
func lockOut(s *server) string {
	if err := s.register(victimEmail, victimPassword, "V"); err != nil {
		return "setup failed: " + err.Error()
	}
	owner := s.browser("198.51.100.7")
	if !owner.logIn(victimEmail, victimPassword) {
		return "setup failed: the owner's first login did not succeed"
	}
	owner.logOut()
	s.begin()
	ctx, stop := context.WithCancel(context.Background())
	guesses := make(chan counts, 1)
	go func() {
		c := counts{}
		t := time.NewTicker(guessEvery)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				guesses <- c
				return
			case <-t.C:
			}
			req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql",
				strings.NewReader(string(body(fmt.Sprintf(`mutation { login(email: %q, password: "guess-%d") { secret } }`, victimEmail, i)))))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", 1+i%4))
			resp, err := s.client.Do(req)
			if err != nil {
				c["failed"]++
				continue
			}
			var g gqlBody
			_ = json.NewDecoder(resp.Body).Decode(&g)
			resp.Body.Close()
			for _, e := range g.Errors {
				code, _ := e.Extensions.Code.(string)
				c[code]++
			}
		}
	}()
	in := 0
	for range lockOutTries {
		time.Sleep(lockOutEvery)
		if owner.logIn(victimEmail, victimPassword) {
			in++
			owner.logOut()
		}
	}
	stop()
	return fmt.Sprintf("the owner got in %d of %d times; the guesses: %s", in, lockOutTries, <-guesses)
}

// schemaHints sends misspelt names of a field, an argument and a type to a
// server that answers no introspection, and counts the answers that name
// the schema anyway.
func schemaHints(s *server) string {
	docs := []string{
		`{ findOwner }`,
		`{ findStoreByID(idd: "1") { _id } }`,
		`query($v: Strin) { __typename }`,
		`{ findStoreByID(id: "1") { nme } }`,
	}
	hints := 0
	var seen []string
	for _, d := range docs {
		rep := s.post(d, "")
		if rep.gql == nil {
			continue
		}
		for _, e := range rep.gql.Errors {
			if strings.Contains(e.Message, "Did you mean") {
				hints++
				seen = append(seen, fmt.Sprintf("%q", shorten(e.Message, 60)))
				break
			}
		}
	}
	out := fmt.Sprintf("%d of %d answers hint at the schema", hints, len(docs))
	if len(seen) > 0 {
		out += ": " + strings.Join(seen, ", ")
	}
	return out
}

// deadCookie logs in through the web, keeps a copy of the cookie, logs out,
// and shows the copy to the pages that greet a logged-in owner.
func deadCookie(s *server) string {
	const name = "Zebedee Quartermaine"
	if err := s.register(ownerEmail, ownerPassword, name); err != nil {
		return "setup failed: " + err.Error()
	}
	b := s.browser("")
	if !b.logIn(ownerEmail, ownerPassword) {
		return "setup failed: the web login did not succeed"
	}
	u, _ := url.Parse(s.url)
	kept := b.client.Jar.Cookies(u)
	b.logOut()
	s.begin()
	copyJar, _ := cookiejar.New(nil)
	copyJar.SetCookies(u, kept)
	b.client.Jar = copyJar
	var shown []string
	pages := []string{"/forgot", "/reset?token=x", "/no-such-page", "/login", "/signup", "/"}
	for _, p := range pages {
		_, _, page := b.do(http.MethodGet, p, nil)
		if strings.Contains(page, name) || strings.Contains(page, ownerEmail) {
			shown = append(shown, p)
		}
	}
	out := fmt.Sprintf("the owner's name on %d of %d pages", len(shown), len(pages))
	if len(shown) > 0 {
		out += ": " + strings.Join(shown, " ")
	}
	return out
}
