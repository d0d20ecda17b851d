// Package visitor carries the address, the User-Agent and the device of the
// person at the other end of a request from the web front to the API. The
// web sets the address from the browser's connection (through
// SHOP_TRUSTED_PROXIES only) and the device from its device cookie, once
// checked; the API counts login and sign-up attempts against them, and
// records the User-Agent with each login token it makes. They travel in a
// context, never in a header a client could set, so only this process's own
// code can claim them. A web role talking to a remote API sends them in
// headers that API believes only from its trusted proxies.
package visitor

import (
	"context"
	"net"
	"net/http"
	"net/netip"
)

type addrKey struct{}

// NewContext returns ctx carrying addr, the visitor's IP address.
func NewContext(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, addrKey{}, addr)
}

// Addr returns the visitor's address for r: the one its context carries, or
// else the connection's remote address.
func Addr(r *http.Request) string {
	if a, ok := r.Context().Value(addrKey{}).(string); ok && a != "" {
		return a
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// FromContext returns the address ctx carries, if any.
func FromContext(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(addrKey{}).(string)
	return a, ok && a != ""
}

type uaKey struct{}

// WithUserAgent returns ctx carrying ua, the visitor's User-Agent header
// ("" when the browser sent none: that is still the visitor's).
func WithUserAgent(ctx context.Context, ua string) context.Context {
	return context.WithValue(ctx, uaKey{}, ua)
}

// UserAgent returns the visitor's User-Agent for r: the one its context
// carries, even an empty one, or else r's own header.
func UserAgent(r *http.Request) string {
	if ua, ok := UserAgentFromContext(r.Context()); ok {
		return ua
	}
	return r.UserAgent()
}

// UserAgentFromContext returns the User-Agent ctx carries, and whether it
// carries one.
func UserAgentFromContext(ctx context.Context) (string, bool) {
	ua, ok := ctx.Value(uaKey{}).(string)
	return ua, ok
}

// Key is addr as rate limits count it. An IPv6 client counts as its /64,
// the block one subscriber usually holds, so stepping through addresses
// inside it does not buy more attempts.
func Key(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// Device is a browser that logged in to an account before, as its device
// cookie says: the account's normalised email and the cookie's random id.
// Seal is the cookie as the browser sent it, still signed, for an API in
// another process to check again.
type Device struct {
	Email string
	ID    string
	Seal  string
}

// DeviceHeader carries a Device's Seal from a web role to a remote API.
const DeviceHeader = "X-Shopkeeper-Device"

type deviceKey struct{}

// WithDevice returns ctx carrying d, a device whose cookie was checked.
func WithDevice(ctx context.Context, d Device) context.Context {
	return context.WithValue(ctx, deviceKey{}, d)
}

// DeviceFromContext returns the checked device ctx carries, if any.
func DeviceFromContext(ctx context.Context) (Device, bool) {
	d, ok := ctx.Value(deviceKey{}).(Device)
	return d, ok && d.ID != "" && d.Email != ""
}
