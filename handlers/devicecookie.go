package handlers

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"

	"shopkeeper/visitor"
)

// deviceCookie marks a browser that logged in to an account before
// (OWASP's "device cookies"): a login from it draws on that device's own
// budget at the API, so guesses from elsewhere never lock its owner out.
// It outlives logout, and goes when the account is deleted.
const deviceCookie = "fauna-device"

// deviceLifetime is how long a device stays known after its last login.
const deviceLifetime = 365 * 24 * time.Hour

// deviceClaim is what the cookie says: the account (normalised email, as
// the API returned it at login) and a random id naming this browser's
// budget. One account per browser: a login to another replaces it.
type deviceClaim struct {
	Email string `json:"e"`
	ID    string `json:"d"`
}

// devices reads and writes the device cookie, signed and encrypted with the
// session keys (newest first, so rotating them keeps older cookies valid
// until their key is dropped). A nil *devices (no keys) knows no device.
type devices struct {
	codecs []securecookie.Codec
	secure func(*gin.Context) bool
}

func newDevices(keys [][]byte, secure func(*gin.Context) bool) *devices {
	if len(keys) == 0 {
		return nil
	}
	codecs := securecookie.CodecsFromPairs(keys...)
	for _, c := range codecs {
		sc := c.(*securecookie.SecureCookie)
		sc.MaxAge(int(deviceLifetime / time.Second)) // older seals are refused, whatever the browser kept
		sc.SetSerializer(securecookie.JSONEncoder{})
	}
	return &devices{codecs: codecs, secure: secure}
}

// open checks a sealed device cookie.
func (d *devices) open(seal string) (visitor.Device, bool) {
	if d == nil || seal == "" {
		return visitor.Device{}, false
	}
	var claim deviceClaim
	if err := securecookie.DecodeMulti(deviceCookie, seal, &claim, d.codecs...); err != nil || claim.Email == "" || claim.ID == "" {
		return visitor.Device{}, false
	}
	return visitor.Device{Email: claim.Email, ID: claim.ID, Seal: seal}, true
}

// load names the browser's device, if its cookie is valid, to the API in
// the request's context. A missing, tampered or expired cookie is no
// device: the login keeps the per-account and per-address limits.
func (d *devices) load() gin.HandlerFunc {
	return func(c *gin.Context) {
		if seal, err := c.Cookie(deviceCookie); err == nil {
			if dev, ok := d.open(seal); ok {
				withDevice(c, dev)
			}
		}
		c.Next()
	}
}

// fromProxy names the device a web role in front passed in
// visitor.DeviceHeader, believed only from a trusted proxy and only if its
// seal checks out here: a direct /graphql caller cannot claim a device's
// budget.
func (d *devices) fromProxy(trusted func(*gin.Context) bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if seal := c.GetHeader(visitor.DeviceHeader); seal != "" && trusted(c) {
			if dev, ok := d.open(seal); ok {
				withDevice(c, dev)
			}
		}
		c.Next()
	}
}

// withDevice adds dev, a device whose cookie was checked, to the visitor
// the request's context names for the API.
func withDevice(c *gin.Context, dev visitor.Device) {
	v, _ := visitor.FromContext(c.Request.Context())
	v.Device = &dev
	c.Request = c.Request.WithContext(visitor.NewContext(c.Request.Context(), v))
}

// issue gives the browser a new device cookie for email, after a
// successful login: a fresh id each time (so a copy taken earlier no longer
// shares the owner's budget), a year long.
func (d *devices) issue(c *gin.Context, email string) {
	if d == nil {
		return
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id) // crypto/rand.Read never fails
	seal, err := securecookie.EncodeMulti(deviceCookie, deviceClaim{Email: email, ID: base64.RawURLEncoding.EncodeToString(id)}, d.codecs...)
	if err != nil {
		logUnexpected(c, "sealing the device cookie failed", err)
		return
	}
	d.set(c, seal, int(deviceLifetime/time.Second))
}

// forget expires the device cookie, when its account is deleted.
func (d *devices) forget(c *gin.Context) {
	if d == nil {
		return
	}
	d.set(c, "", -1)
}

func (d *devices) set(c *gin.Context, value string, maxAge int) {
	cookie := &http.Cookie{
		Name: deviceCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: d.secure(c), SameSite: http.SameSiteLaxMode,
	}
	if maxAge > 0 { // for browsers that read only Expires
		cookie.Expires = time.Now().Add(time.Duration(maxAge) * time.Second).UTC()
	}
	http.SetCookie(c.Writer, cookie)
}
