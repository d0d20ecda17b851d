package rules_test

import (
	"slices"
	"strings"
	"testing"

	"shopkeeper/rules"
)

func TestTextRules(t *testing.T) {
	tests := []struct {
		name      string
		rule      func(string) (string, string)
		in, clean string
		msg       string // "" when the value is fine; else a part of the message
	}{
		{"owner name trimmed", rules.OwnerName, "  Ada  ", "Ada", ""},
		{"owner name blank", rules.OwnerName, "   ", "", "Enter your name."},
		{"store name blank", rules.StoreName, "", "", "Enter the store's name."},
		{"name of 200 characters", rules.OwnerName, strings.Repeat("é", 200), strings.Repeat("é", 200), ""},
		{"name of 201 characters", rules.StoreName, strings.Repeat("é", 201), strings.Repeat("é", 201), "Use at most 200 characters."},
		{"name with a newline", rules.OwnerName, "An\nn", "An\nn", "control characters"},
		{"name with NUL", rules.OwnerName, "An\x00n", "An\x00n", "control characters"},
		{"name not UTF-8", rules.OwnerName, "An\xffn", "An\xffn", "not valid UTF-8"},
		{"name with a bidi override", rules.OwnerName, "Ada\u202e", "Ada\u202e", "invisible characters"},
		{"name with a byte order mark", rules.StoreName, "Ada\ufeff", "Ada\ufeff", "invisible characters"},
		{"name keeps the joiners", rules.OwnerName, "می\u200cخواهم 👩\u200d💻", "می\u200cخواهم 👩\u200d💻", ""},

		{"email trimmed, case kept", rules.Email, " Ada@Example.com ", "Ada@Example.com", ""},
		{"email with an accented domain", rules.Email, "édith@exämple.com", "édith@exämple.com", ""},
		{"email empty", rules.Email, " ", "", "Enter an email address."},
		{"email without a dot in the domain", rules.Email, "a@b", "a@b", "like name@example.com"},
		{"email without at", rules.Email, "ann.example.com", "ann.example.com", "like name@example.com"},
		{"email with two ats", rules.Email, "ann@@example.com", "ann@@example.com", "like name@example.com"},
		{"email with a display name", rules.Email, "Ann <ann@example.com>", "Ann <ann@example.com>", "like name@example.com"},
		{"email ending in a dot", rules.Email, "ann@example.", "ann@example.", "like name@example.com"},
		{"email too long", rules.Email, strings.Repeat("a", 250) + "@x.io", strings.Repeat("a", 250) + "@x.io", "at most 254"},
		{"email with a zero-width space", rules.Email, "ada\u200b@example.com", "ada\u200b@example.com", "invisible characters"},
		{"email with a joiner", rules.Email, "ada\u200d@example.com", "ada\u200d@example.com", "invisible characters"},
		{"email with NUL", rules.Email, "ann\x00@example.com", "ann\x00@example.com", "control characters"},

		{"login email trimmed", rules.LoginEmail, " Ada@Example.com ", "Ada@Example.com", ""},
		{"login email empty", rules.LoginEmail, "  ", "", "Enter your email address."},
		{"login email not an address", rules.LoginEmail, "ada-at-example", "ada-at-example", ""},
		{"login email without a dot in the domain", rules.LoginEmail, "a@b", "a@b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, msg := tt.rule(tt.in)
			if clean != tt.clean {
				t.Errorf("cleaned to %q, want %q", clean, tt.clean)
			}
			if (tt.msg == "") != (msg == "") || !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q, want %q", msg, tt.msg)
			}
		})
	}
}

func TestPasswordRules(t *testing.T) {
	tests := []struct {
		name, pw       string
		newMsg, oldMsg string
	}{
		{"empty", "", "Use at least 8 characters.", "Enter your password."},
		{"five characters", "short", "Use at least 8 characters.", ""},
		{"eight characters, not trimmed", " passwd ", "", ""},
		{"eight runes", strings.Repeat("ü", 8), "", ""},
		{"1024 characters", strings.Repeat("p", 1024), "", ""},
		{"1025 characters", strings.Repeat("p", 1025), "Use at most 1024 characters.", ""},
		{"NUL", "password\x001", "without NUL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rules.NewPassword(tt.pw); (tt.newMsg == "") != (got == "") || !strings.Contains(got, tt.newMsg) {
				t.Errorf("NewPassword: %q, want %q", got, tt.newMsg)
			}
			if got := rules.LoginPassword(tt.pw); got != tt.oldMsg {
				t.Errorf("LoginPassword: %q, want %q", got, tt.oldMsg)
			}
		})
	}
}

func TestListRules(t *testing.T) {
	many := make([]string, 51)
	for i := range many {
		many[i] = strings.Repeat("i", i+1)
	}
	tests := []struct {
		name string
		in   string
		want []string
		msg  string
	}{
		{"empty", "", []string{}, ""},
		{"trimmed, blanks dropped", " Cash ,, Card ,", []string{"Cash", "Card"}, ""},
		{"repeats dropped ignoring case, first spelling kept", "Card, card, CASH, cash, Card", []string{"Card", "CASH"}, ""},
		{"fifty distinct items with repeats", strings.Join(append(many[:50:50], "I", "iI"), ","), many[:50], ""},
		{"fifty-one items", strings.Join(many, ","), nil, "List at most 50 items."},
		{"an item of 200 characters", strings.Repeat("c", 200), []string{strings.Repeat("c", 200)}, ""},
		{"an item of 201 characters", "a," + strings.Repeat("c", 201), nil, "Keep each item to at most 200 characters."},
		{"an item with NUL", "fo\x00od", nil, "control characters"},
		{"an item with a zero-width space", "fo\u200bod", nil, "invisible characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := rules.CommaList(tt.in)
			if !slices.Equal(got, tt.want) || (tt.want == nil) != (got == nil) {
				t.Errorf("items %q, want %q", got, tt.want)
			}
			if (tt.msg == "") != (msg == "") || !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q, want %q", msg, tt.msg)
			}
		})
	}
}

// TestWorkshopListAsOneItem: the workshop's Svelte edit form sends a whole
// comma-separated list as a single item, well over the old 40 characters.
func TestWorkshopListAsOneItem(t *testing.T) {
	joined := "Cash,Card,Cheque,Bank transfer,Gift voucher,Store credit"
	got, msg := rules.List([]string{joined})
	if msg != "" || !slices.Equal(got, []string{joined}) {
		t.Fatalf("List = %q, %q; want the one item kept", got, msg)
	}
}
