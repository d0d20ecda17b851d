package api_test

import (
	"fmt"
	"testing"
)

// TestOwnersAreIsolated tries every read and write of Bob's records as Ann.
func TestOwnersAreIsolated(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	bobs := e.createStore(bob, "bobs")
	e.createStore(ann, "anns")
	// bobsStore is Bob's store as Bob reads it, write time included.
	bobsStore := func() string {
		r := e.as(bob.Secret, `query($id: ID!) { findStoreByID(id: $id) { _ts name email paymentMethods categories } }`, map[string]any{"id": bobs.ID})
		r.noErrors(t)
		return string(r.Data)
	}
	before := bobsStore()

	nulls := []struct {
		name  string
		query string
		vars  map[string]any
		field string
	}{
		{"findOwnerByEmail", `query($e: String) { findOwnerByEmail(email: $e) { _id name email } }`, map[string]any{"e": "bob@example.com"}, "findOwnerByEmail"},
		{"findOwnerByEmail unknown", `query($e: String) { findOwnerByEmail(email: $e) { _id } }`, map[string]any{"e": "nobody@example.com"}, "findOwnerByEmail"},
		{"findOwnerByEmail null", `query { findOwnerByEmail { _id } }`, nil, "findOwnerByEmail"},
		{"findOwnerByID", `query($id: ID!) { findOwnerByID(id: $id) { _id name email } }`, map[string]any{"id": bob.ID}, "findOwnerByID"},
		{"findOwnerByID malformed", `query { findOwnerByID(id: "x'; DROP TABLE owners; --") { _id } }`, nil, "findOwnerByID"},
		{"findStoreByID", `query($id: ID!) { findStoreByID(id: $id) { _id name } }`, map[string]any{"id": bobs.ID}, "findStoreByID"},
		{"findStoreByID malformed", `query { findStoreByID(id: "not-an-id") { _id } }`, nil, "findStoreByID"},
		{"updateStore", `mutation($id: ID!) { updateStore(id: $id, data: { name: "stolen", email: "s@x.test" }) { _id name } }`, map[string]any{"id": bobs.ID}, "updateStore"},
		{"updateStore malformed", `mutation { updateStore(id: "-1", data: { name: "x", email: "s@x.test" }) { _id } }`, nil, "updateStore"},
		{"partialUpdateStore", `mutation($id: ID!) { partialUpdateStore(id: $id, data: { name: "stolen" }) { _id name } }`, map[string]any{"id": bobs.ID}, "partialUpdateStore"},
		{"partialUpdateStore clearing", `mutation($id: ID!) { partialUpdateStore(id: $id, data: { categories: null }) { _id } }`, map[string]any{"id": bobs.ID}, "partialUpdateStore"},
		{"partialUpdateStore of nothing", `mutation($id: ID!) { partialUpdateStore(id: $id, data: {}) { _id } }`, map[string]any{"id": bobs.ID}, "partialUpdateStore"},
		{"partialUpdateStore unknown", `mutation { partialUpdateStore(id: "12345", data: { name: "x" }) { _id } }`, nil, "partialUpdateStore"},
		{"partialUpdateStore malformed", `mutation { partialUpdateStore(id: "x'; --", data: { name: "x" }) { _id } }`, nil, "partialUpdateStore"},
		{"deleteStore", `mutation($id: ID!) { deleteStore(id: $id) { _id name } }`, map[string]any{"id": bobs.ID}, "deleteStore"},
		{"deleteStore malformed", `mutation { deleteStore(id: "1e9") { _id } }`, nil, "deleteStore"},
	}
	for _, tt := range nulls {
		t.Run(tt.name, func(t *testing.T) {
			r := e.as(ann.Secret, tt.query, tt.vars)
			r.noErrors(t)
			jsonEq(t, r.Data, fmt.Sprintf(`{%q:null}`, tt.field))
		})
	}

	denied := []struct {
		name  string
		query string
	}{
		{"createStore for another owner", `mutation($id: ID!) { createStore(data: { name: "x", email: "x@x.test", owner: { connect: $id } }) { _id } }`},
		{"updateStore moving to another owner", `mutation($id: ID!) { updateStore(id: "` + bobs.ID + `", data: { name: "x", email: "x@x.test", owner: { connect: $id } }) { _id } }`},
		{"partialUpdateStore moving to another owner", `mutation($id: ID!) { partialUpdateStore(id: "` + bobs.ID + `", data: { owner: { connect: $id } }) { _id } }`},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			r := e.as(ann.Secret, tt.query, map[string]any{"id": bob.ID})
			if c := r.code(t); c != "permission denied" {
				t.Fatalf("code %q, want permission denied: %s", c, r.raw)
			}
		})
	}

	// Bob's records are exactly as they were, and Ann counts only her own.
	r := e.as(bob.Secret, `query($id: ID!) { findStoreByID(id: $id) { name email } countStores findOwnerByEmail(email: "bob@example.com") { stores { data { name } } } }`, map[string]any{"id": bobs.ID})
	r.noErrors(t)
	jsonEq(t, r.Data, `{"findStoreByID":{"name":"bobs","email":"bobs@shop.test"},"countStores":1,"findOwnerByEmail":{"stores":{"data":[{"name":"bobs"}]}}}`)
	if after := bobsStore(); after != before {
		t.Fatalf("Bob's store changed from %s to %s", before, after)
	}
	r = e.as(ann.Secret, `query { countStores findOwnerByEmail(email: "ANN@example.com ") { stores { data { name } } } }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"countStores":1,"findOwnerByEmail":{"stores":{"data":[{"name":"anns"}]}}}`)

	// Omitting the owner means the caller.
	r = e.as(ann.Secret, `mutation { createStore(data: { name: "mine", email: "m@x.test" }) { owner { _id } } }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, fmt.Sprintf(`{"createStore":{"owner":{"_id":%q}}}`, ann.ID))
}

// TestAnonymousNeedsToken checks every protected field without a usable token.
func TestAnonymousNeedsToken(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	s := e.createStore(ann, "s")
	ops := []string{
		`query { findOwnerByEmail(email: "ann@example.com") { _id } }`,
		`query { findOwnerByID(id: "` + ann.ID + `") { _id } }`,
		`query { findStoreByID(id: "` + s.ID + `") { _id } }`,
		`query { countStores }`,
		`mutation { logout }`,
		`mutation { logout(allTokens: true) }`,
		`mutation { createStore(data: { name: "x", email: "x@x.test" }) { _id } }`,
		`mutation { updateStore(id: "` + s.ID + `", data: { name: "x", email: "x@x.test" }) { _id } }`,
		`mutation { partialUpdateStore(id: "` + s.ID + `", data: { name: "x" }) { _id } }`,
		`mutation { partialUpdateStore(id: "` + s.ID + `", data: {}) { _id } }`,
		`query { listOwners { _id } }`,
		`mutation { deleteStore(id: "` + s.ID + `") { _id } }`,
		`query { mySessions { _id } }`,
		`mutation { revokeSession(id: "1") }`,
		`mutation { changePassword(currentPassword: "password-Ann", newPassword: "a new password") { secret } }`,
		`mutation { deleteOwner(password: "password-Ann") }`,
	}
	headers := map[string]*string{
		"no header":        nil,
		"empty header":     ptr(""),
		"empty bearer":     ptr("Bearer "),
		"unknown secret":   ptr("Bearer " + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		"other scheme":     ptr("Basic " + ann.Secret),
		"secret no scheme": ptr(ann.Secret + "x"),
	}
	for name, h := range headers {
		for _, op := range ops {
			t.Run(name+"/"+op, func(t *testing.T) {
				r := e.post(h, op, nil)
				if c := r.code(t); c != "invalid token" {
					t.Fatalf("code %q, want invalid token: %s", c, r.raw)
				}
				if contains(string(r.raw), "ann@example.com") || contains(string(r.raw), `"`+s.ID+`"`) {
					t.Fatalf("response leaks data: %s", r.raw)
				}
			})
		}
	}
	// A new owner's stores are protected too: registering gives no token.
	r := e.as("", `mutation { registerOwner(email: "mallory@example.com", password: "password1", name: "M") { _id stores { data { _id } } } }`, nil)
	if c := r.code(t); c != "invalid token" {
		t.Fatalf("stores of a just-registered owner: code %q, want invalid token: %s", c, r.raw)
	}

	// Nothing was changed by all that.
	r = e.as(ann.Secret, `query { countStores }`, nil)
	r.noErrors(t)
	jsonEq(t, r.Data, `{"countStores":1}`)

	// An empty authorization header, as the workshop clients send when
	// logged out, still lets anyone register and log in.
	r = e.post(ptr(""), registerMutation, map[string]any{"email": "eve@example.com", "password": "password1", "name": "Eve"})
	r.noErrors(t)
	r = e.post(ptr(""), loginMutation, map[string]any{"email": "eve@example.com", "password": "password1"})
	r.noErrors(t)
	// And a stale token does not stand in the way of logging in again.
	r = e.post(ptr("Bearer stale"), loginMutation, map[string]any{"email": "eve@example.com", "password": "password1"})
	r.noErrors(t)
	// The scheme is case-insensitive.
	r = e.post(ptr("bearer "+ann.Secret), `query { countStores }`, nil)
	r.noErrors(t)
}
