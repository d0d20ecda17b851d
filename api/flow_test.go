package api_test

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestWorkshopFlow runs every operation in the shapes the workshop clients send.
func TestWorkshopFlow(t *testing.T) {
	e := newEnv(t)

	r := e.as("", `mutation { registerOwner(email: "Ann@Example.com", password: "correct horse", name: "Ann") { _id name email } }`, nil)
	r.noErrors(t)
	var reg struct{ RegisterOwner owner }
	r.decode(t, &reg)
	ann := reg.RegisterOwner
	if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(ann.ID) || ann.Name != "Ann" || ann.Email != "ann@example.com" {
		t.Fatalf("registered %+v; want a numeric id and the lower-cased email", ann)
	}

	tok := e.login("ann@example.com", "correct horse")
	if tok.OwnerID != ann.ID || tok.Email != "ann@example.com" {
		t.Fatalf("token %+v; want ownerId %s", tok, ann.ID)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok.Secret) {
		t.Fatalf("secret %q; want 32 bytes of unpadded base64url", tok.Secret)
	}
	if tok.TTL != "2026-11-28T14:05:00Z" { // the test clock + 30m default
		t.Fatalf("ttl = %q, want 2026-11-28T14:05:00Z", tok.TTL)
	}
	ann.Secret = tok.Secret

	r = e.as(ann.Secret, `query { findOwnerByEmail(email: "ann@example.com") { _id name email stores { data { _id name } } } }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, fmt.Sprintf(`{"findOwnerByEmail":{"_id":%q,"name":"Ann","email":"ann@example.com","stores":{"data":[]}}}`, ann.ID))

	corner := e.createStore(ann, "corner")
	r = e.as(ann.Secret, `mutation CreateStore($name: String!, $email: String!, $ownerId: ID!, $pm: [String], $cat: [String]) {
		createStore(data: { name: $name, email: $email, paymentMethods: $pm, categories: $cat, owner: { connect: $ownerId } }) { `+shopFields+` }
	}`, map[string]any{"name": "Deli", "email": "deli@shop.test", "ownerId": ann.ID, "pm": []string{"cash", " card ", "cash", ""}, "cat": []string{}})
	r.noErrors(t)
	var created struct{ CreateStore shop }
	r.decode(t, &created)
	deli := created.CreateStore
	if deli.PaymentMethods == nil || !slices.Equal(*deli.PaymentMethods, []string{"cash", "card"}) {
		t.Fatalf("paymentMethods = %v, want [cash card] (trimmed, empty and duplicate dropped)", deli.PaymentMethods)
	}
	if deli.Categories == nil || len(*deli.Categories) != 0 {
		t.Fatalf("categories = %v, want [] (empty stays empty, not null)", deli.Categories)
	}
	if deli.Owner == nil || deli.Owner.ID != ann.ID {
		t.Fatalf("owner = %+v, want %s", deli.Owner, ann.ID)
	}
	if now := time.Now().UnixMicro(); deli.Ts < now-int64(time.Minute/time.Microsecond) || deli.Ts > now+1e6 {
		t.Fatalf("_ts = %d, want microseconds near %d", deli.Ts, now)
	}

	r = e.as(ann.Secret, `query($id: ID!) { findStoreByID(id: $id) { `+shopFields+` } }`, map[string]any{"id": corner.ID})
	r.noErrors(t)
	var found struct{ FindStoreByID shop }
	r.decode(t, &found)
	if f := found.FindStoreByID; f.Name != "corner" || f.PaymentMethods == nil || len(*f.PaymentMethods) != 0 || f.Categories == nil || len(*f.Categories) != 0 {
		t.Fatalf("findStoreByID = %+v; want corner with lists never set read as []", found.FindStoreByID)
	}

	// updateStore with a StoreInput variable, single strings coerced to lists.
	r = e.as(ann.Secret, `mutation UpdateStore($id: ID!, $data: StoreInput!) { updateStore(id: $id, data: $data) { `+shopFields+` } }`,
		map[string]any{"id": corner.ID, "data": map[string]any{"name": "Corner Shop", "email": "corner@shop.test", "categories": "food", "paymentMethods": []string{"cash"}}})
	r.noErrors(t)
	var upd struct{ UpdateStore shop }
	r.decode(t, &upd)
	if upd.UpdateStore.Name != "Corner Shop" || upd.UpdateStore.Categories == nil || !slices.Equal(*upd.UpdateStore.Categories, []string{"food"}) {
		t.Fatalf("updateStore = %+v; want renamed with categories [food]", upd.UpdateStore)
	}
	if upd.UpdateStore.Ts < corner.Ts {
		t.Fatalf("_ts went back from %d to %d", corner.Ts, upd.UpdateStore.Ts)
	}

	// updateStore with inline fields and a single-string literal.
	r = e.as(ann.Secret, fmt.Sprintf(`mutation { updateStore(id: %q, data: { name: "Corner", email: "c@shop.test", categories: "drinks", paymentMethods: "card" }) { name categories paymentMethods } }`, corner.ID), nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"updateStore":{"name":"Corner","categories":["drinks"],"paymentMethods":["card"]}}`)

	r = e.as(ann.Secret, `query($id: ID!) { findOwnerByID(id: $id) { _id _ts name email stores(_size: 1) { data { name } after } } }`, map[string]any{"id": ann.ID})
	r.noErrors(t)
	var byID struct {
		FindOwnerByID struct {
			ID     string `json:"_id"`
			Ts     int64  `json:"_ts"`
			Name   string
			Stores struct {
				Data  []shop
				After *string
			}
		}
	}
	r.decode(t, &byID)
	if o := byID.FindOwnerByID; o.ID != ann.ID || o.Ts <= 0 || len(o.Stores.Data) != 1 || o.Stores.Data[0].Name != "Corner" || o.Stores.After == nil {
		t.Fatalf("findOwnerByID = %+v; want Ann with a first page of 1 and a next cursor", o)
	}

	r = e.as(ann.Secret, `query { countStores }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"countStores":2}`)

	r = e.as(ann.Secret, `mutation($id: ID!) { deleteStore(id: $id) { _id name } }`, map[string]any{"id": deli.ID})
	r.noErrors(t)
	jsonEq(t, r.Data, fmt.Sprintf(`{"deleteStore":{"_id":%q,"name":"Deli"}}`, deli.ID))
	r = e.as(ann.Secret, `query($id: ID!) { findStoreByID(id: $id) { _id } countStores }`, map[string]any{"id": deli.ID})
	r.noErrors(t)
	jsonEq(t, r.Data, `{"findStoreByID":null,"countStores":1}`)

	r = e.as(ann.Secret, `mutation { logout }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"logout":true}`)
	if c := e.as(ann.Secret, `query { countStores }`, nil).code(t); c != "invalid token" {
		t.Fatalf("after logout: code %q, want invalid token", c)
	}
}

// TestListCoercion proves a single string becomes a one-item list, both as
// a literal and through a variable, in createStore as well as updateStore.
func TestListCoercion(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	tests := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"literal", `mutation { createStore(data: { name: "A", email: "a@shop.test", categories: "food", paymentMethods: "cash" }) { categories paymentMethods } }`, nil},
		{"list variable", `mutation($c: [String], $p: [String]) { createStore(data: { name: "A", email: "a@shop.test", categories: $c, paymentMethods: $p }) { categories paymentMethods } }`,
			map[string]any{"c": "food", "p": "cash"}},
		{"input variable", `mutation($data: StoreInput!) { createStore(data: $data) { categories paymentMethods } }`,
			map[string]any{"data": map[string]any{"name": "A", "email": "a@shop.test", "categories": "food", "paymentMethods": "cash"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.as(ann.Secret, tt.query, tt.vars)
			r.noErrors(t)
			jsonEq(t, r.Data, `{"createStore":{"categories":["food"],"paymentMethods":["cash"]}}`)
		})
	}
}

func TestPaging(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	var want []string
	for i := range 5 {
		want = append(want, e.createStore(ann, fmt.Sprintf("s%d", i)).ID)
	}
	const q = `query($email: String, $size: Int, $cursor: String) { findOwnerByEmail(email: $email) { stores(_size: $size, _cursor: $cursor) { data { _id } after before } } }`
	var got []string
	var cursor any
	for range 5 {
		r := e.as(ann.Secret, q, map[string]any{"email": "ann@example.com", "size": 2, "cursor": cursor})
		r.noErrors(t)
		var d struct {
			FindOwnerByEmail struct {
				Stores struct {
					Data   []shop
					After  *string
					Before *string
				}
			}
		}
		r.decode(t, &d)
		page := d.FindOwnerByEmail.Stores
		for _, s := range page.Data {
			got = append(got, s.ID)
		}
		if page.After == nil {
			break
		}
		cursor = *page.After
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}

	for _, tc := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"email": "ann@example.com", "size": 0}, "_size"},
		{map[string]any{"email": "ann@example.com", "size": 1001}, "_size"},
		{map[string]any{"email": "ann@example.com", "cursor": "not-a-cursor"}, "_cursor"},
	} {
		e.as(ann.Secret, q, tc.vars).invalidField(t, tc.field)
	}
}

func TestConcurrentCreateStore(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	const n = 16
	var wg sync.WaitGroup
	ids := make(chan string, n)
	for i := range n {
		wg.Go(func() { ids <- e.createStore(ann, fmt.Sprintf("s%d", i)).ID })
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if id == "" || seen[id] {
			t.Fatalf("id %q empty or repeated", id)
		}
		seen[id] = true
	}
	r := e.as(ann.Secret, `query { countStores }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, fmt.Sprintf(`{"countStores":%d}`, n))
}

func TestPersistsAcrossRestart(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	s := e.createStore(ann, "kept")
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	// A new server over the same file: the token, the owner and the store are all there.
	again := newEnvAt(t, e.dbAt)
	r := again.as(ann.Secret, `query($id: ID!) { findStoreByID(id: $id) { name owner { email } } }`, map[string]any{"id": s.ID})
	r.noErrors(t)
	jsonEq(t, r.Data, `{"findStoreByID":{"name":"kept","owner":{"email":"ann@example.com"}}}`)
	if tok := again.login("ann@example.com", "password-Ann"); tok.OwnerID != ann.ID {
		t.Fatalf("login after restart: ownerId %s, want %s", tok.OwnerID, ann.ID)
	}
}
