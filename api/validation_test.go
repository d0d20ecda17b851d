package api_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"shopkeeper/rules"
)

func TestRegisterValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, email, password, ownerName, field string
	}{
		{"empty email", "", "password1", "Ann", "email"},
		{"no at", "ann.example.com", "password1", "Ann", "email"},
		{"no dot in the domain", "a@b", "password1", "Ann", "email"},
		{"display name", "Ann <ann@example.com>", "password1", "Ann", "email"},
		{"two ats", "ann@@example.com", "password1", "Ann", "email"},
		{"long email", strings.Repeat("a", 250) + "@x.io", "password1", "Ann", "email"},
		{"NUL in email", "ann\x00@example.com", "password1", "Ann", "email"},
		{"blank name", "ann@example.com", "password1", "   ", "name"},
		{"long name", "ann@example.com", "password1", strings.Repeat("é", 201), "name"},
		{"NUL in name", "ann@example.com", "password1", "An\x00n", "name"},
		{"newline in name", "ann@example.com", "password1", "An\nn", "name"},
		{"short password", "ann@example.com", "1234567", "Ann", "password"},
		{"long password", "ann@example.com", strings.Repeat("p", 1025), "Ann", "password"},
		{"NUL in password", "ann@example.com", "password\x001", "Ann", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.as("", registerMutation, map[string]any{"email": tt.email, "password": tt.password, "name": tt.ownerName})
			r.invalidField(t, tt.field)
		})
	}
	// Every field at fault is named at once, each with its own message.
	r := e.as("", registerMutation, map[string]any{"email": "a@b", "password": "short", "name": " "})
	want := map[string]string{
		"name":     "Enter your name.",
		"email":    "Enter an email address like name@example.com.",
		"password": "Use at least 8 characters.",
	}
	if got := r.invalidFields(t); !maps.Equal(got, want) {
		t.Fatalf("fields %q, want %q", got, want)
	}
	// None of them created an account.
	for _, email := range []string{"ann@example.com", "a@b"} {
		r = e.as("", loginMutation, map[string]any{"email": email, "password": "password1"})
		if c := r.code(t); c != rules.CodeAuthenticationFailed {
			t.Fatalf("an invalid registration created an account: %s", r.raw)
		}
	}

	// The edges that are allowed.
	ok := e.as("", registerMutation, map[string]any{"email": "  Édith@exämple.com ", "password": strings.Repeat("ü", 8), "name": "  " + strings.Repeat("é", 200) + " "})
	ok.noErrors(t)
	var d struct{ RegisterOwner owner }
	ok.decode(t, &d)
	if d.RegisterOwner.Email != "édith@exämple.com" || d.RegisterOwner.Name != strings.Repeat("é", 200) {
		t.Fatalf("registered %+v; want trimmed name and lower-cased email", d.RegisterOwner)
	}
	e.login("ÉDITH@exämple.com", strings.Repeat("ü", 8))
}

func TestStoreValidation(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	s := e.createStore(ann, "kept")
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprint("item", i)
	}
	tests := []struct {
		name  string
		data  map[string]any
		field string
	}{
		{"blank name", map[string]any{"name": " ", "email": "s@x.test"}, "name"},
		{"long name", map[string]any{"name": strings.Repeat("n", 201), "email": "s@x.test"}, "name"},
		{"bad email", map[string]any{"name": "S", "email": "shop"}, "email"},
		{"no dot in the email's domain", map[string]any{"name": "S", "email": "shop@localhost"}, "email"},
		{"too many payment methods", map[string]any{"name": "S", "email": "s@x.test", "paymentMethods": many}, "paymentMethods"},
		{"long category", map[string]any{"name": "S", "email": "s@x.test", "categories": []string{strings.Repeat("c", 201)}}, "categories"},
		{"NUL in category", map[string]any{"name": "S", "email": "s@x.test", "categories": []string{"fo\x00od"}}, "categories"},
	}
	for _, tt := range tests {
		for _, op := range []string{"createStore", "updateStore"} {
			t.Run(op+"/"+tt.name, func(t *testing.T) {
				q := `mutation($data: StoreInput!) { createStore(data: $data) { _id } }`
				vars := map[string]any{"data": tt.data}
				if op == "updateStore" {
					q = `mutation($id: ID!, $data: StoreInput!) { updateStore(id: $id, data: $data) { _id } }`
					vars["id"] = s.ID
				}
				e.as(ann.Secret, q, vars).invalidField(t, tt.field)
			})
		}
	}
	// Nothing was created or changed.
	r := e.as(ann.Secret, `query($id: ID!) { countStores findStoreByID(id: $id) { name email paymentMethods categories } }`, map[string]any{"id": s.ID})
	r.noErrors(t)
	jsonEq(t, r.Data, `{"countStores":1,"findStoreByID":{"name":"kept","email":"kept@shop.test","paymentMethods":[],"categories":[]}}`)

	// Fifty items, with blanks, duplicates and nulls dropped, are fine.
	items := append(append([]any{}, anySlice(many[:50])...), "", " item0 ", nil)
	r = e.as(ann.Secret, `mutation($data: StoreInput!) { createStore(data: $data) { paymentMethods } }`,
		map[string]any{"data": map[string]any{"name": "S", "email": "s@x.test", "paymentMethods": items}})
	r.noErrors(t)
	var d struct {
		CreateStore struct{ PaymentMethods []string }
	}
	r.decode(t, &d)
	if len(d.CreateStore.PaymentMethods) != 50 {
		t.Fatalf("paymentMethods = %v, want the 50 distinct items", d.CreateStore.PaymentMethods)
	}
}

// TestListItemsRepeatIgnoringCase: "Card" and "card" are one payment
// method, through the API as through the web's form; the first spelling stays.
func TestListItemsRepeatIgnoringCase(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	s := e.createStore(ann, "kept")
	data := map[string]any{"name": "S", "email": "s@x.test", "paymentMethods": []string{"Card", "card", " CARD ", "Cash"}, "categories": []string{"Café", "CAFÉ"}}
	want := `{"paymentMethods":["Card","Cash"],"categories":["Café"]}`
	r := e.as(ann.Secret, `mutation($data: StoreInput!) { createStore(data: $data) { paymentMethods categories } }`, map[string]any{"data": data})
	r.noErrors(t)
	jsonEq(t, r.Data, `{"createStore":`+want+`}`)
	r = e.as(ann.Secret, `mutation($id: ID!, $data: StoreInput!) { updateStore(id: $id, data: $data) { paymentMethods categories } }`, map[string]any{"id": s.ID, "data": data})
	r.noErrors(t)
	jsonEq(t, r.Data, `{"updateStore":`+want+`}`)
}

// TestLoginChecksOnlyWhatWasTyped: login refuses input only when nothing
// was typed; any email and password are tried, so a short or an overlong
// password is a wrong one like any other.
func TestLoginChecksOnlyWhatWasTyped(t *testing.T) {
	e := newEnv(t)
	e.register("ann@example.com", "Ann")
	for _, tc := range []struct {
		name, email, password string
		fields                map[string]string
	}{
		{"no password", "ann@example.com", "", map[string]string{"password": "Enter your password."}},
		{"no email", " ", "password1", map[string]string{"email": "Enter your email address."}},
		{"neither", "", "", map[string]string{"email": "Enter your email address.", "password": "Enter your password."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.as("", loginMutation, map[string]any{"email": tc.email, "password": tc.password})
			if got := r.invalidFields(t); !maps.Equal(got, tc.fields) {
				t.Fatalf("fields %q, want %q", got, tc.fields)
			}
		})
	}
	for _, tc := range []struct{ name, email, password string }{
		{"five characters", "ann@example.com", "short"},
		{"1025 characters", "ann@example.com", strings.Repeat("p", 1025)},
		{"NUL", "ann@example.com", "password\x001"},
		{"unknown address without a dot", "ann@example", "password1"},
		{"not an address", "ann-at-example", "password1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.as("", loginMutation, map[string]any{"email": tc.email, "password": tc.password})
			if r.code(t) != rules.CodeAuthenticationFailed || r.Errors[0].Message != "The email or password is incorrect" || r.Errors[0].Extensions["field"] != nil {
				t.Fatalf("%s; want the answer to any wrong password", r.raw)
			}
		})
	}
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// TestInvisibleCharactersAreRefused: bidi controls and zero-width characters
// would let "ada\u200b@example.com" pass for ada@example.com.
func TestInvisibleCharactersAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, email string }{
		{"Ada", "ada\u200b@example.com"},
		{"Ada", "ada@exam\u202eple.com"},
		{"Ada\u202e", "ada@example.com"},
		{"\u2066Ada", "ada@example.com"},
		{"Ada\ufeff", "ada@example.com"},
		{"Ada", "ada\u200d@example.com"},
	} {
		r := e.as("", registerMutation, map[string]any{"email": tc.email, "password": "long enough", "name": tc.name})
		if r.code(t) != rules.CodeValidationFailed || !strings.Contains(r.Errors[0].Message, "invisible characters") {
			t.Errorf("%q %q: %s", tc.name, tc.email, r.raw)
		}
	}
	// Names keep the joiners that Persian and emoji sequences need.
	e.as("", registerMutation, map[string]any{"email": "m@example.com", "password": "long enough", "name": "می\u200cخواهم 👩\u200d💻"}).noErrors(t)
	if _, err := e.db.OwnerByEmail(t.Context(), "ada@example.com"); err == nil {
		t.Fatal("a look-alike account was created")
	}
}
