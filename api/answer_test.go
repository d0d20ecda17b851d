package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"shopkeeper/api"
	"shopkeeper/rules"
)

// TestErrorsAreCapped: an answer holds at most 20 errors through either
// door, the 20th saying how many more there were.
func TestErrorsAreCapped(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	check := func(t *testing.T, errs []gqlError, ext map[string]any, wantDropped int) {
		t.Helper()
		if len(errs) != 20 {
			t.Fatalf("%d errors, want 20", len(errs))
		}
		for i, err := range errs[:19] {
			if !strings.Contains(err.Message, fmt.Sprintf(`"f%d"`, i)) {
				t.Fatalf("error %d is %q: the first 19 should be kept in order", i, err.Message)
			}
		}
		last := errs[19]
		if last.Extensions["code"] != rules.CodeTooManyErrors || !strings.Contains(last.Message, fmt.Sprintf("%d more errors", wantDropped)) {
			t.Fatalf("last error %q %v", last.Message, last.Extensions)
		}
		if got := fmt.Sprint(ext["errorsDropped"]); got != fmt.Sprint(wantDropped) {
			t.Fatalf("extensions.errorsDropped %s, want %d", got, wantDropped)
		}
	}
	unknown := "{ " + repeat(60, func(i int) string { return fmt.Sprintf("f%d", i) }) + " }"

	t.Run("POST /graphql", func(t *testing.T) {
		r := e.as(ann.Secret, unknown, nil)
		if r.Data != nil {
			t.Fatalf("data %s", r.Data)
		}
		check(t, r.Errors, r.Extensions, 41)
	})
	t.Run("in process", func(t *testing.T) {
		data, errs, ext := e.srv.Execute(t.Context(), ann.Secret, unknown, "", nil)
		if data != nil {
			t.Fatalf("data %s", data)
		}
		check(t, fromList(errs), ext, 41)
	})
	t.Run("twenty are kept whole", func(t *testing.T) {
		r := e.as(ann.Secret, "{ "+repeat(20, func(i int) string { return fmt.Sprintf("f%d", i) })+" }", nil)
		if len(r.Errors) != 20 || r.Errors[19].Extensions["code"] == rules.CodeTooManyErrors || r.Extensions["errorsDropped"] != nil {
			t.Fatalf("%s", r.raw)
		}
	})
}

func fromList(list gqlerror.List) []gqlError {
	out := make([]gqlError, len(list))
	for i, e := range list {
		out[i] = gqlError{Message: e.Message, Extensions: e.Extensions}
	}
	return out
}

// bigStores gives o n stores of two lists of 50 items of 200 characters,
// four bytes each but for a few: about 77 KB a store.
func bigStores(t *testing.T, e *env, o owner, n int) {
	t.Helper()
	for s := range n {
		lists := [2][]string{}
		for l := range lists {
			for i := range rules.MaxListItems {
				lists[l] = append(lists[l], strings.Repeat("😀", rules.MaxListItem-10)+fmt.Sprintf("%03d%02d%03d00", s, l, i))
			}
		}
		e.as(o.Secret, `mutation($p: [String], $c: [String]) { createStore(data: {name: "Big", email: "s@shop.test", paymentMethods: $p, categories: $c}) { _id } }`,
			map[string]any{"p": lists[0], "c": lists[1]}).noErrors(t)
	}
}

// TestAnswersAreBounded: an answer that would pass 8 MiB is one error
// and no data, through either door; one just under it is answered whole.
func TestAnswersAreBounded(t *testing.T) {
	e := newEnv(t)
	ann := e.register("ann@example.com", "Ann")
	bigStores(t, e, ann, 40) // about 3 MB a page
	page := `stores(_size: 100) { data { paymentMethods categories } }`
	two := `{ findOwnerByEmail(email: "ann@example.com") { ` + page + ` } listOwners { ` + page + ` } }`
	three := `{ findOwnerByEmail(email: "ann@example.com") { ` + page + ` } findOwnerByID(id: "` + ann.ID + `") { ` + page + ` } listOwners { ` + page + ` } }`

	r := e.as(ann.Secret, two, nil)
	r.noErrors(t)
	if len(r.raw) < 5<<20 || len(r.raw) > 8<<20 {
		t.Fatalf("two pages: %d bytes; want 5 to 8 MiB", len(r.raw))
	}

	t.Run("POST /graphql", func(t *testing.T) {
		r := e.anyStatus(ann.Secret, three)
		if r.code(t) != rules.CodeAnswerTooLarge || r.Data != nil || len(r.raw) > 1<<10 {
			t.Fatalf("%.500s", r.raw)
		}
	})
	t.Run("in process", func(t *testing.T) {
		data, errs, _ := e.srv.Execute(t.Context(), ann.Secret, three, "", nil)
		if data != nil || len(errs) != 1 || errs[0].Extensions["code"] != rules.CodeAnswerTooLarge {
			t.Fatalf("%d bytes of data, errors %v", len(data), errs)
		}
	})
	if !strings.Contains(e.logs.String(), "answer too large") {
		t.Error("the refusal is not in the log")
	}
}

// deadlineWriter is a ResponseWriter that records the write deadline set
// through http.ResponseController.
type deadlineWriter struct {
	*httptest.ResponseRecorder
	deadline time.Time
}

func (w *deadlineWriter) SetWriteDeadline(d time.Time) error {
	w.deadline = d
	return nil
}

// TestAnswerIsWrittenWithinTheDeadline: the answer's write deadline is the
// request's, so a client that reads slowly cannot hold it longer.
func TestAnswerIsWrittenWithinTheDeadline(t *testing.T) {
	srv := api.New(api.Options{DB: openDB(t, newDatabase(t)), RequestTimeout: time.Hour})
	w := &deadlineWriter{ResponseRecorder: httptest.NewRecorder()}
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"__typename":"Query"`) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if w.deadline.Before(start.Add(time.Hour)) || w.deadline.After(time.Now().Add(time.Hour)) {
		t.Fatalf("write deadline %v, want the request's, an hour after %v", w.deadline, start)
	}
}
