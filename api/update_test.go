package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// storeState is what findStoreByID answers for the store id, for comparing
// with jsonEq.
func (e *env) storeState(secret, id string) []byte {
	e.t.Helper()
	r := e.as(secret, `query($id: ID!) { findStoreByID(id: $id) { name email paymentMethods categories } }`, map[string]any{"id": id})
	r.noErrors(e.t)
	return r.Data
}

// createFullStore creates a store of o with both lists set.
func (e *env) createFullStore(o owner) string {
	e.t.Helper()
	r := e.as(o.Secret, `mutation($data: StoreInput!) { createStore(data: $data) { _id } }`, map[string]any{"data": map[string]any{
		"name": "Corner", "email": "corner@shop.test", "paymentMethods": []string{"cash", "card"}, "categories": []string{"food"},
	}})
	r.noErrors(e.t)
	var d struct{ CreateStore shop }
	r.decode(e.t, &d)
	return d.CreateStore.ID
}

// TestUpdateStoreKeepsWhatIsLeftOut: updateStore changes what it is sent,
// as Fauna's update did. A list left out, in a literal, in the input
// variable or as a list variable that was declared and not sent, keeps what
// the store has; an explicit null clears it, and it then reads as [].
func TestUpdateStoreKeepsWhatIsLeftOut(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	const (
		inline    = `mutation($id: ID!) { updateStore(id: $id, data: { name: "Renamed", email: "r@shop.test" }) { _id paymentMethods categories } }`
		withInput = `mutation($id: ID!, $data: StoreInput!) { updateStore(id: $id, data: $data) { _id paymentMethods categories } }`
		withLists = `mutation($id: ID!, $pm: [String], $cat: [String]) {
			updateStore(id: $id, data: { name: "Renamed", email: "r@shop.test", paymentMethods: $pm, categories: $cat }) { _id paymentMethods categories }
		}`
		kept = `{"name":"Renamed","email":"r@shop.test","paymentMethods":["cash","card"],"categories":["food"]}`
	)
	renamed := map[string]any{"name": "Renamed", "email": "r@shop.test"}
	with := func(extra map[string]any) map[string]any {
		data := map[string]any{"name": "Renamed", "email": "r@shop.test"}
		for k, v := range extra {
			data[k] = v
		}
		return map[string]any{"data": data}
	}
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  string
	}{
		{"lists left out of a literal", inline, nil, kept},
		{"lists left out of the input variable", withInput, map[string]any{"data": renamed}, kept},
		{"list variables declared and not sent", withLists, nil, kept},
		{"one list sent, one left out", withInput, with(map[string]any{"categories": []string{"books"}}),
			`{"name":"Renamed","email":"r@shop.test","paymentMethods":["cash","card"],"categories":["books"]}`},
		{"explicit nulls in a literal", `mutation($id: ID!) { updateStore(id: $id, data: { name: "Renamed", email: "r@shop.test", paymentMethods: null, categories: null }) { _id paymentMethods categories } }`, nil,
			`{"name":"Renamed","email":"r@shop.test","paymentMethods":[],"categories":[]}`},
		{"explicit null in the input variable", withInput, with(map[string]any{"paymentMethods": nil}),
			`{"name":"Renamed","email":"r@shop.test","paymentMethods":[],"categories":["food"]}`},
		{"a list variable sent as null", withLists, map[string]any{"cat": nil},
			`{"name":"Renamed","email":"r@shop.test","paymentMethods":["cash","card"],"categories":[]}`},
		{"empty lists", withInput, with(map[string]any{"paymentMethods": []string{}, "categories": []string{" ", ""}}),
			`{"name":"Renamed","email":"r@shop.test","paymentMethods":[],"categories":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := e.createFullStore(ann)
			vars := map[string]any{"id": id}
			for k, v := range tt.vars {
				vars[k] = v
			}
			r := e.as(ann.Secret, tt.query, vars)
			r.noErrors(t)
			var d struct{ UpdateStore shop }
			r.decode(t, &d)
			if d.UpdateStore.ID != id || d.UpdateStore.PaymentMethods == nil || d.UpdateStore.Categories == nil {
				t.Fatalf("updateStore answered %s; want the store with both lists", r.raw)
			}
			jsonEq(t, e.storeState(ann.Secret, id), `{"findStoreByID":`+tt.want+`}`)
		})
	}
}

// TestPartialUpdateStore: Fauna's preview partialUpdateStore changes only
// the fields sent; each step below is checked against the stored store.
func TestPartialUpdateStore(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	id := e.createFullStore(ann)
	const (
		literal  = `mutation($id: ID!) { partialUpdateStore(id: $id, data: %s) { _id _ts name email paymentMethods categories owner { _id } } }`
		variable = `mutation($id: ID!, $data: PartialUpdateStoreInput!) { partialUpdateStore(id: $id, data: $data) { _id _ts name email paymentMethods categories owner { _id } } }`
	)
	var lastTs int64
	steps := []struct {
		name  string
		query string
		data  map[string]any // the $data variable, for variable
		want  string
	}{
		{"name", fmt.Sprintf(literal, `{ name: "Corner 2" }`), nil,
			`{"name":"Corner 2","email":"corner@shop.test","paymentMethods":["cash","card"],"categories":["food"]}`},
		{"email", variable, map[string]any{"email": " c2@shop.test "},
			`{"name":"Corner 2","email":"c2@shop.test","paymentMethods":["cash","card"],"categories":["food"]}`},
		{"categories as one string", fmt.Sprintf(literal, `{ categories: "books" }`), nil,
			`{"name":"Corner 2","email":"c2@shop.test","paymentMethods":["cash","card"],"categories":["books"]}`},
		{"payment methods cleared", variable, map[string]any{"paymentMethods": nil},
			`{"name":"Corner 2","email":"c2@shop.test","paymentMethods":[],"categories":["books"]}`},
		{"nothing", fmt.Sprintf(literal, `{}`), nil,
			`{"name":"Corner 2","email":"c2@shop.test","paymentMethods":[],"categories":["books"]}`},
		{"the caller as owner, lists cleaned", variable, map[string]any{"owner": map[string]any{"connect": ann.ID}, "paymentMethods": []any{"Card", " card ", nil, "Cash"}},
			`{"name":"Corner 2","email":"c2@shop.test","paymentMethods":["Card","Cash"],"categories":["books"]}`},
		{"an explicit null owner means the caller", variable, map[string]any{"owner": nil, "name": "Corner 3"},
			`{"name":"Corner 3","email":"c2@shop.test","paymentMethods":["Card","Cash"],"categories":["books"]}`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			vars := map[string]any{"id": id}
			if st.data != nil {
				vars["data"] = st.data
			}
			r := e.as(ann.Secret, st.query, vars)
			r.noErrors(t)
			var d struct{ PartialUpdateStore shop }
			r.decode(t, &d)
			got := d.PartialUpdateStore
			if got.ID != id || got.Owner == nil || got.Owner.ID != ann.ID || got.Ts <= lastTs {
				t.Fatalf("partialUpdateStore answered %s; want the store, its owner and a later _ts than %d", r.raw, lastTs)
			}
			lastTs = got.Ts
			jsonEq(t, e.storeState(ann.Secret, id), `{"findStoreByID":`+st.want+`}`)
		})
	}
	stored := `{"findStoreByID":{"name":"Corner 3","email":"c2@shop.test","paymentMethods":["Card","Cash"],"categories":["books"]}}`

	// Refused input names every field at fault and changes nothing. Name
	// and email cannot be cleared.
	for _, tc := range []struct {
		name   string
		data   map[string]any
		fields []string
	}{
		{"null name", map[string]any{"name": nil}, []string{"name"}},
		{"blank name", map[string]any{"name": "  "}, []string{"name"}},
		{"long name", map[string]any{"name": strings.Repeat("n", 201)}, []string{"name"}},
		{"null email", map[string]any{"email": nil}, []string{"email"}},
		{"bad email", map[string]any{"email": "shop"}, []string{"email"}},
		{"long category", map[string]any{"categories": []string{strings.Repeat("c", 201)}}, []string{"categories"}},
		{"51 payment methods", map[string]any{"paymentMethods": numbered("method ", 51)}, []string{"paymentMethods"}},
		{"everything at once", map[string]any{"name": nil, "email": "shop", "paymentMethods": []string{"ok"}, "categories": []string{"x\x00"}}, []string{"name", "email", "categories"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.as(ann.Secret, variable, map[string]any{"id": id, "data": tc.data})
			got := r.invalidFields(t)
			if len(got) != len(tc.fields) {
				t.Fatalf("fields %q, want %q", got, tc.fields)
			}
			for _, f := range tc.fields {
				if got[f] == "" {
					t.Fatalf("fields %q, want %q", got, tc.fields)
				}
			}
			jsonEq(t, e.storeState(ann.Secret, id), stored)
		})
	}
}

// TestListsReadAsEmpty: a list that was never set, or was cleared, reads as
// [] wherever a store is answered, never null: the workshop's pages call
// .join on them.
func TestListsReadAsEmpty(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	const lists = `paymentMethods categories`
	for _, tc := range []struct {
		name, query string
	}{
		{"createStore", `mutation { createStore(data: { name: "A", email: "a@shop.test" }) { ` + lists + ` } }`},
		{"createStore with nulls", `mutation { createStore(data: { name: "A", email: "a@shop.test", paymentMethods: null, categories: null }) { ` + lists + ` } }`},
		{"findStoreByID", `query($id: ID!) { findStoreByID(id: $id) { ` + lists + ` } }`},
		{"updateStore", `mutation($id: ID!) { updateStore(id: $id, data: { name: "B", email: "b@shop.test" }) { ` + lists + ` } }`},
		{"partialUpdateStore", `mutation($id: ID!) { partialUpdateStore(id: $id, data: { name: "C" }) { ` + lists + ` } }`},
		{"findOwnerByEmail", `query { findOwnerByEmail(email: "ann@example.com") { stores { data { ` + lists + ` } } } }`},
		{"findOwnerByID", `query($owner: ID!) { findOwnerByID(id: $owner) { stores(_size: 1) { data { ` + lists + ` } } } }`},
		{"listOwners", `query { listOwners { stores { data { ` + lists + ` } } } }`},
		{"the store's owner's stores", `query($id: ID!) { findStoreByID(id: $id) { owner { stores { data { ` + lists + ` } } } } }`},
		{"deleteStore", `mutation($id: ID!) { deleteStore(id: $id) { ` + lists + ` } }`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := e.createStore(ann, "plain")
			vars := map[string]any{}
			if strings.Contains(tc.query, "$id") {
				vars["id"] = s.ID
			}
			if strings.Contains(tc.query, "$owner") {
				vars["owner"] = ann.ID
			}
			r := e.as(ann.Secret, tc.query, vars)
			r.noErrors(t)
			got := string(r.Data)
			if n := strings.Count(got, `"paymentMethods"`); strings.Contains(got, "null") || n == 0 ||
				strings.Count(got, `"paymentMethods":[]`) != n || strings.Count(got, `"categories":[]`) != n {
				t.Fatalf("data = %s; want stores whose lists are all []", got)
			}
		})
	}
}

// TestListOwners: listOwners, from the workshop's schema, shows the caller
// only its own record.
func TestListOwners(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bob := e.register("bob@example.com", "Bob")
	e.createStore(ann, "anns")
	e.createStore(bob, "bobs")
	const q = `query { listOwners { _id name email stores { data { name } } } }`
	for _, o := range []owner{ann, bob} {
		r := e.as(o.Secret, q, nil)
		r.noErrors(t)
		jsonEq(t, r.Data, fmt.Sprintf(`{"listOwners":[{"_id":%q,"name":%q,"email":%q,"stores":{"data":[{"name":%q}]}}]}`,
			o.ID, o.Name, o.Email, strings.ToLower(o.Name)+"s"))
	}
	if c := e.as("", q, nil).code(t); c != "invalid token" {
		t.Fatalf("anonymous listOwners: code %q, want invalid token", c)
	}
}

// numbered returns n distinct items: prefix0, prefix1, …
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(prefix, i)
	}
	return out
}
