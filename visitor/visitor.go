// Package visitor carries the address, the User-Agent and the device of the
// person at the other end of a request from the web front to the API, as
// one Visitor value. The web sets the address from the browser's connection
// (through SHOP_TRUSTED_PROXIES only) and the device from its device
// cookie, once checked; the API counts login and sign-up attempts against
// them, and records the User-Agent with each login token it makes. They
// travel in a context, never in a header a client could set, so only this
// process's own code can claim them. A web role talking to a remote API
// sends them in headers that API believes only from its trusted proxies.
package visitor

import (
	"context"
	"net"
	"net/http"
	"net/netip"
)

// Visitor is who a request comes from, as the web front saw them.
type Visitor struct {
	// Addr is the visitor's IP address: the connection's, or what a
	// trusted proxy said it was.
	Addr string
	// UserAgent is the browser's User-Agent header ("" when it sent none:
	// that is still the visitor's).
	UserAgent string
	// Device is the browser's device cookie, once checked; nil when it
	// sent none, or none that checked out.
	Device *Device
}

type key struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v Visitor) context.Context {
	return context.WithValue(ctx, key{}, v)
}

// FromContext returns the visitor ctx carries, if any.
func FromContext(ctx context.Context) (Visitor, bool) {
	v, ok := ctx.Value(key{}).(Visitor)
	return v, ok
}

// Of returns the visitor r comes from: the one its context carries (the
// web front's), its address filled in from the connection if it has none;
// or else the connection's address and r's own User-Agent header.
func Of(r *http.Request) Visitor {
	v, ok := FromContext(r.Context())
	if !ok {
		v.UserAgent = r.UserAgent()
	}
	if v.Addr == "" {
		v.Addr = remoteHost(r)
	}
	return v
}

// remoteHost is the address of r's connection, without its port.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// CheckedDevice returns the visitor's device, if its cookie was checked and
// names an account and an id.
func (v Visitor) CheckedDevice() (Device, bool) {
	if v.Device == nil || v.Device.ID == "" || v.Device.Email == "" {
		return Device{}, false
	}
	return *v.Device, true
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
