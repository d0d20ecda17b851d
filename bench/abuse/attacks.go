package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"shopkeeper/rules"
)

// attack runs against a fresh server and returns its outcome in a few
// words, computed from the answers. Setup (accounts, logins) happens before
// it calls s.begin; the harness measures from there to s.end.
type attack struct {
	name string
	run  func(s *server) string
	// since is the revision built as this attack's "before": "" means the
	// -before flag's (the first hardening round), roundTwo the second.
	since string
	// env holds settings the attack's servers start with (KEY=value), on
	// top of the defaults; {{redis}} stands for a Redis URL, {{prefix}} for
	// a key prefix of this server's own.
	env []string
}

var attacks = []attack{
	{name: "1. aliased login brute force (3 × 200 guesses)", run: aliasedLogin},
	{name: "2. aliased sign-up (100 registerOwner)", run: aliasedSignup},
	{name: "3. duplicate-field flood (5,000 × __typename)", run: duplicateFields},
	{name: "4. alias flood cache growth (30 docs × 8,000 aliases)", run: aliasCacheGrowth},
	{name: "5. introspection amplification (300 × __schema)", run: introspection},
	{name: "6. database amplification (2,000 × countStores)", run: databaseAmplification},
	{name: "7. 1 MiB document (__typename × ~95,000)", run: oneMiBDocument},
	{name: "8. disconnect (20,000 × __typename, abandoned at 1 s)", run: disconnect},
	{name: "9. error flood (15 mutations × 100 revokeSession, 8 at once)", run: errorFlood, since: roundTwo},
	{name: "10. directives on a variable definition (2,400)", run: variableDirectives, since: roundTwo},
	{name: "11. answer amplification (stores of ~80 KB under three roots)", run: answerAmplification, since: roundTwo},
	{name: "12. hung-up logins against a shared Redis limiter (30 guesses)", run: hungUpLogins, since: roundTwo,
		env: []string{"SHOP_REDIS_URL={{redis}}", "SHOP_REDIS_PREFIX={{prefix}}"}},
	{name: "13. \"Log out other sessions\" with 152 sessions", run: logoutOthers, since: roundTwo,
		env: []string{"SHOP_RATE_LIMITS=off"}},
	{name: "14. slow bodies (1,000 connections × 1 MiB)", run: slowBodies, since: roundTwo},
	{name: "15. lock-out (2.5 wrong logins a second from 4 addresses; the owner tries every 3 s)", run: lockOut, since: roundTwo,
		env: []string{"SHOP_TRUSTED_PROXIES=127.0.0.1"}},
	{name: "16. schema hints with introspection off", run: schemaHints, since: roundTwo,
		env: []string{"SHOP_GRAPHQL_INTROSPECTION=off"}},
	{name: "17. a logged-out cookie on pages that show the owner", run: deadCookie, since: roundTwo},
}

// roundTwo is the last commit before the second round of hardening, which
// bounded the answers (docs/abuse.md).
const roundTwo = "633e3bb"

// Sizes of the attacks.
const (
	loginRequests    = 3
	loginAliases     = 200
	signupAliases    = 100
	duplicates       = 5000
	cacheDocs        = 30
	cacheAliases     = 8000
	schemaAliases    = 300
	countAliases     = 2000
	bodyLimit        = 1 << 20 // the API's body limit; attack 7 stays just under it
	abandonDuplicate = 20000
	abandonAfter     = time.Second
	watchAfter       = 10 * time.Second
)

const (
	victimEmail    = "victim@example.com"
	victimPassword = "correct horse"
	ownerEmail     = "owner@example.com"
	ownerPassword  = "battery staple"
)

// aliasedLogin shows whether 600 password guesses packed into 3 requests all
// reach argon2id, or are throttled like 600 separate logins.
func aliasedLogin(s *server) string {
	if err := s.register(victimEmail, victimPassword, "V"); err != nil {
		return "setup failed: " + err.Error()
	}
	s.begin()
	total := loginRequests * loginAliases
	checked, lost := 0, 0
	other := counts{}
	var notes []string
	for r := range loginRequests {
		doc := "mutation {" + aliases(loginAliases, func(i int) string {
			return fmt.Sprintf(`a%d: login(email:%q, password:"wrong-guess-%d") { secret }`, i, victimEmail, r*loginAliases+i)
		}) + "}"
		rep := s.post(doc, "")
		if rep.timedOut || rep.err != nil || rep.status != 200 {
			notes = append(notes, fmt.Sprintf("request %d: %s", r+1, rep.describe()))
		}
		if rep.timedOut || rep.err != nil {
			lost += loginAliases
			continue
		}
		c := rep.codes()
		checked += c[rules.CodeAuthenticationFailed]
		delete(c, rules.CodeAuthenticationFailed)
		other.add(c)
	}
	out := fmt.Sprintf("%d of %d guesses checked, %d refused", checked, total, total-checked-lost)
	if len(other) > 0 {
		out += " (" + other.String() + ")"
	}
	return joinNotes(out, notes)
}

// aliasedSignup shows whether one request can create 100 accounts, past the
// sign-up limit of 10 an hour for one address.
func aliasedSignup(s *server) string {
	doc := "mutation {" + aliases(signupAliases, func(i int) string {
		return fmt.Sprintf(`a%d: registerOwner(email:"user%d@example.com", password:"correct horse", name:"U%d") { _id }`, i, i, i)
	}) + "}"
	rep := s.post(doc, "")
	if rep.timedOut || rep.err != nil || rep.gql == nil {
		return rep.describe()
	}
	created := rep.nonNull()
	out := fmt.Sprintf("%d of %d accounts created, %d refused", created, signupAliases, signupAliases-created)
	if c := rep.codes(); len(c) > 0 {
		out += " (" + c.String() + ")"
	}
	if rep.status != 200 {
		out += fmt.Sprintf(", HTTP %d", rep.status)
	}
	return out
}

// duplicateFields shows the cost of validating one selection set that
// repeats the same field thousands of times (pairwise overlap checks).
func duplicateFields(s *server) string {
	return s.post(repeated(duplicates), "").describe()
}

// aliasCacheGrowth shows whether distinct large documents are parsed and
// kept in the query cache, growing the server's memory.
func aliasCacheGrowth(s *server) string {
	time.Sleep(time.Second) // let start-up garbage settle
	rss0 := s.rss()
	s.begin()
	statuses, cs := counts{}, counts{}
	ran, failed := 0, 0
	for d := range cacheDocs {
		doc := fmt.Sprintf("# document %d\n{ ", d) + aliases(cacheAliases, func(i int) string {
			return fmt.Sprintf("a%d: __typename", i)
		}) + " }"
		rep := s.post(doc, "")
		if rep.timedOut || rep.err != nil {
			failed++
			statuses[rep.describe()]++
			continue
		}
		statuses[fmt.Sprintf("HTTP %d", rep.status)]++
		cs.add(rep.codes())
		if rep.nonNull() > 0 {
			ran++
		}
	}
	s.end()
	time.Sleep(time.Second)
	rss1 := s.rss()
	out := fmt.Sprintf("RSS %+.1f MiB; %d of %d documents ran; %s", float64(rss1-rss0)/(1<<20), ran, cacheDocs, statuses)
	if len(cs) > 0 {
		out += "; errors " + cs.String()
	}
	return out
}

// introspection shows how large an answer one small request can demand.
func introspection(s *server) string {
	doc := "{" + aliases(schemaAliases, func(i int) string {
		return fmt.Sprintf("a%d: __schema { types { name fields { name type { name } } } }", i)
	}) + "}"
	rep := s.post(doc, "")
	return fmt.Sprintf("%d-byte request, %d-byte answer: %s", len(body(doc)), rep.size, rep.describe())
}

// databaseAmplification shows whether one logged-in request can run 2,000
// database queries.
func databaseAmplification(s *server) string {
	if err := s.register(ownerEmail, ownerPassword, "O"); err != nil {
		return "setup failed: " + err.Error()
	}
	secret, err := s.login(ownerEmail, ownerPassword)
	if err != nil {
		return "setup failed: " + err.Error()
	}
	s.begin()
	doc := "{" + aliases(countAliases, func(i int) string { return fmt.Sprintf("a%d: countStores", i) }) + "}"
	rep := s.post(doc, secret)
	return rep.describe()
}

// oneMiBDocument shows what the largest body the API accepts can cost: one
// selection set of the same field, up to just under the body limit.
func oneMiBDocument(s *server) string {
	n := (bodyLimit - len(body("{}"))) / len("__typename ")
	b := body(repeated(n))
	for len(b) >= bodyLimit {
		n--
		b = body(repeated(n))
	}
	rep := s.postBody(b, "", s.timeout)
	return fmt.Sprintf("%d bytes, %d fields: %s", len(b), n, rep.describe())
}

// disconnect shows whether the server stops working on a request its client
// has abandoned, and whether an ordinary login stays fast meanwhile.
func disconnect(s *server) string {
	if err := s.register(victimEmail, victimPassword, "V"); err != nil {
		return "setup failed: " + err.Error()
	}
	s.begin()
	rep := s.postBody(body(repeated(abandonDuplicate)), "", abandonAfter)
	var first string
	if rep.timedOut {
		first = "abandoned after " + secs(abandonAfter)
	} else {
		first = fmt.Sprintf("answered in %.0f ms (%s)", ms(rep.elapsed), rep.describe())
	}
	cpu0 := s.cpuSeconds()
	time.Sleep(watchAfter)
	cpu := s.cpuSeconds() - cpu0
	login := s.post(fmt.Sprintf(`mutation { login(email:%q, password:"wrong password") { secret } }`, victimEmail), "")
	loginOut := login.describe()
	if c := login.codes(); login.gql != nil && len(c) > 0 {
		loginOut = c.String()
	}
	return fmt.Sprintf("%s; server CPU in the next %s: %.2f s; then a wrong-password login took %.0f ms (%s)",
		first, secs(watchAfter), cpu, ms(login.elapsed), loginOut)
}

// register creates an account through the API.
func (s *server) register(email, password, name string) error {
	rep := s.post(fmt.Sprintf(`mutation { registerOwner(email:%q, password:%q, name:%q) { _id } }`, email, password, name), "")
	if rep.nonNull() != 1 {
		return fmt.Errorf("registerOwner %s: %s", email, rep.describe())
	}
	return nil
}

// login returns a bearer secret for the account.
func (s *server) login(email, password string) (string, error) {
	rep := s.post(fmt.Sprintf(`mutation { login(email:%q, password:%q) { secret } }`, email, password), "")
	var tok struct {
		Secret string `json:"secret"`
	}
	if v, ok := rep.fields()["login"]; ok {
		_ = json.Unmarshal(v, &tok)
	}
	if tok.Secret == "" {
		return "", fmt.Errorf("login %s: %s", email, rep.describe())
	}
	return tok.Secret, nil
}

// aliases joins n selections made by f.
func aliases(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

// repeated is one selection set holding __typename n times.
func repeated(n int) string {
	return "{" + strings.TrimSuffix(strings.Repeat("__typename ", n), " ") + "}"
}

func joinNotes(out string, notes []string) string {
	if len(notes) == 0 {
		return out
	}
	return out + "; " + strings.Join(notes, "; ")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
