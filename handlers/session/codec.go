package session

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/gorilla/securecookie"
)

// The session's values, in a cookie or a Redis record, are the JSON of
// storedValues after the byte formatJSON. A struct with a field per key is
// all the session holds, so decoding checks every value's type, and JSON is
// a standard encoding one can read when debugging. It costs a fraction of
// gob, which compiles the type information each cookie carries afresh for
// every decode; what is left of a cookie's cost is securecookie's MAC and
// cipher. Members this version does not know are ignored, so a version
// rolled back keeps its visitors' sessions. Values written before this
// format are gob-encoded maps: they still open, and are rewritten in this
// format.

// formatJSON starts the values' JSON. A gob stream starts with a message
// length: one byte below 0x80, or a byte from 0xF8 up counting the length's
// bytes. So this byte tells the two apart.
const formatJSON byte = 0x81

// keyFlashes is where gorilla/sessions keeps the flashes ([]any) of
// AddFlash and Flashes.
const keyFlashes = "_flash"

// errUnkeepable says Serialize was given values the session does not hold:
// a key it does not know, or a value of another type.
var errUnkeepable = errors.New("session: value the session cannot keep")

// storedValues is the session's values as they are kept: a field per key,
// nil when the session does not hold the key.
type storedValues struct {
	Secret  *string   `json:"secret,omitempty"`
	TTL     *int64    `json:"ttl,omitempty"`
	Email   *string   `json:"email,omitempty"`
	OwnerID *string   `json:"ownerId,omitempty"`
	Name    *string   `json:"name,omitempty"`
	Draft   *string   `json:"draft,omitempty"`
	Flashes *[]string `json:"_flash,omitempty"`
}

// stringKeys are the keys whose values are strings.
var stringKeys = [...]string{keySecret, keyEmail, keyOwnerID, keyName, keyDraft}

// text returns the field holding key's value, if key's value is a string.
func (s *storedValues) text(key string) **string {
	switch key {
	case keySecret:
		return &s.Secret
	case keyEmail:
		return &s.Email
	case keyOwnerID:
		return &s.OwnerID
	case keyName:
		return &s.Name
	case keyDraft:
		return &s.Draft
	}
	return nil
}

// known says whether key is one the session holds.
func known(key any) bool {
	k, _ := key.(string)
	return k == keyTTL || k == keyFlashes || slices.Contains(stringKeys[:], k)
}

// storedFrom checks values and fills the fields. Strings must be valid
// UTF-8: JSON would replace what is not.
func storedFrom(values map[any]any) (storedValues, error) {
	var s storedValues
	str := func(v any) (string, bool) {
		t, ok := v.(string)
		return t, ok && utf8.ValidString(t)
	}
	for k, v := range values {
		key, _ := k.(string)
		switch f := s.text(key); {
		case f != nil:
			t, ok := str(v)
			if !ok {
				return s, fmt.Errorf("%w: %q is no UTF-8 string: %T", errUnkeepable, key, v)
			}
			*f = &t
		case key == keyTTL:
			ttl, ok := v.(int64)
			if !ok {
				return s, fmt.Errorf("%w: %q holds %T", errUnkeepable, key, v)
			}
			s.TTL = &ttl
		case key == keyFlashes:
			flashes, ok := v.([]any)
			if !ok {
				return s, fmt.Errorf("%w: %q holds %T", errUnkeepable, key, v)
			}
			msgs := make([]string, len(flashes))
			for i, m := range flashes {
				if msgs[i], ok = str(m); !ok {
					return s, fmt.Errorf("%w: a flash is no UTF-8 string: %T", errUnkeepable, m)
				}
			}
			s.Flashes = &msgs
		default:
			return s, fmt.Errorf("%w: key %#v", errUnkeepable, k)
		}
	}
	return s, nil
}

// values returns the map gin-contrib's session works on.
func (s *storedValues) values() map[any]any {
	values := make(map[any]any, len(stringKeys)+2)
	for _, key := range stringKeys {
		if t := *s.text(key); t != nil {
			values[key] = *t
		}
	}
	if s.TTL != nil {
		values[keyTTL] = *s.TTL
	}
	if s.Flashes != nil {
		flashes := make([]any, len(*s.Flashes))
		for i, m := range *s.Flashes {
			flashes[i] = m
		}
		values[keyFlashes] = flashes
	}
	return values
}

// decodedValues is what valuesSerializer decodes: the values, and whether
// they came in gob, the format before formatJSON.
type decodedValues struct {
	values map[any]any
	legacy bool
}

// valuesSerializer is securecookie's Serializer of the session's values: a
// map[any]any in, a *decodedValues out.
type valuesSerializer struct{}

func (valuesSerializer) Serialize(src any) ([]byte, error) {
	values, ok := src.(map[any]any)
	if !ok {
		return nil, fmt.Errorf("%w: %T for the values", errUnkeepable, src)
	}
	s, err := storedFrom(values)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(&s)
	if err != nil {
		return nil, err
	}
	return append([]byte{formatJSON}, b...), nil
}

// Deserialize reads either format. Of gob-encoded values, keys this version
// does not know are dropped (an earlier one kept a "flash" nothing reads),
// and a known key of another type refuses them all.
func (valuesSerializer) Deserialize(src []byte, dst any) error {
	out, ok := dst.(*decodedValues)
	if !ok {
		return fmt.Errorf("session: cannot decode the values into %T", dst)
	}
	if len(src) > 0 && src[0] == formatJSON {
		var s storedValues
		if err := json.Unmarshal(src[1:], &s); err != nil {
			return err
		}
		*out = decodedValues{values: s.values()}
		return nil
	}
	old := map[any]any{}
	if err := gob.NewDecoder(bytes.NewReader(src)).Decode(&old); err != nil {
		return err
	}
	maps.DeleteFunc(old, func(k, _ any) bool { return !known(k) })
	s, err := storedFrom(old)
	if err != nil {
		return err
	}
	*out = decodedValues{values: s.values(), legacy: true}
	return nil
}

// valueCodecs are securecookie's codecs of the key pairs, with the values'
// serializer.
func valueCodecs(pairs [][]byte) []securecookie.Codec {
	codecs := securecookie.CodecsFromPairs(pairs...)
	for _, c := range codecs {
		c.(*securecookie.SecureCookie).SetSerializer(valuesSerializer{})
	}
	return codecs
}
