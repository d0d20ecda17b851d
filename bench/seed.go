package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// storesPerRequest is how many createStore fields one seeding request
// carries: the API runs at most 20 database fields a request (each costs
// 1,000 of its 20,000 complexity), and the _id each returns costs 1 more.
const storesPerRequest = 19

// seedWorkers is how many seeding requests are in flight at once.
const seedWorkers = 4

// apiClient calls the public GraphQL API at base+"/graphql" as one owner,
// the way any API client would.
type apiClient struct {
	url    string
	secret string // bearer token from login
	hc     *http.Client
}

// loginAPI logs in through the login mutation and returns a client that
// carries the bearer secret it answered.
func loginAPI(ctx context.Context, base, email, password string) (*apiClient, error) {
	c := &apiClient{url: base + "/graphql", hc: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: seedWorkers},
		Timeout:   30 * time.Second,
	}}
	var data struct{ Login struct{ Secret string } }
	err := c.do(ctx, `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { secret } }`,
		map[string]any{"email": email, "password": password}, &data)
	if err != nil {
		return nil, fmt.Errorf("API login: %w", err)
	}
	c.secret = data.Login.Secret
	return c, nil
}

// do sends one GraphQL request and decodes its data into out. Any error in
// the answer fails it: seeding must not leave fewer stores than asked.
func (c *apiClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.secret != "" {
		req.Header.Set("Authorization", "Bearer "+c.secret)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("status %d: %w", resp.StatusCode, err)
	}
	if len(answer.Errors) > 0 {
		return fmt.Errorf("status %d: %s", resp.StatusCode, answer.Errors[0].Message)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.Unmarshal(answer.Data, out)
}

// storeBatch is one mutation creating the stores numbered first to
// first+n-1, as aliased createStore fields. The document depends only on n,
// so the API parses it once and takes it from its query cache after.
func storeBatch(first, n int) (query string, vars map[string]any) {
	var params, fields strings.Builder
	vars = make(map[string]any, n)
	for i := range n {
		if i > 0 {
			params.WriteString(", ")
		}
		fmt.Fprintf(&params, "$d%d: StoreInput!", i)
		fmt.Fprintf(&fields, " s%d: createStore(data: $d%d) { _id }", i, i)
		vars[fmt.Sprintf("d%d", i)] = map[string]any{
			"name":           fmt.Sprintf("Store %d", first+i),
			"email":          "store@example.com",
			"paymentMethods": []string{"card", "cash"},
			"categories":     []string{"food", "drinks", "household"},
		}
	}
	return "mutation(" + params.String() + ") {" + fields.String() + " }", vars
}

// createStores adds the stores numbered from+1 to to, storesPerRequest at a
// time on seedWorkers connections at once.
func (c *apiClient) createStores(ctx context.Context, from, to int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	firsts := make(chan int)
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Go(func() {
			for first := range firsts {
				query, vars := storeBatch(first, min(storesPerRequest, to+1-first))
				var created map[string]struct {
					ID string `json:"_id"`
				}
				if err := c.do(ctx, query, vars, &created); err != nil {
					cancel(fmt.Errorf("createStore: %w", err))
				}
			}
		})
	}
	for first := from + 1; first <= to && ctx.Err() == nil; first += storesPerRequest {
		select {
		case firsts <- first:
		case <-ctx.Done():
		}
	}
	close(firsts)
	wg.Wait()
	return context.Cause(ctx)
}
