package handlers

import (
	"strings"

	"github.com/mileusna/useragent"
)

// deviceName says which browser on which system a User-Agent header names,
// as the account page lists a session: "Firefox on Linux". Parts the parser
// cannot tell are left out; nothing at all is "Unknown browser". Versions
// are left out on purpose: they change with every update and say little to
// someone deciding whether a session is theirs.
func deviceName(header string) string {
	if strings.TrimSpace(header) == "" {
		return "Unknown browser"
	}
	ua := useragent.Parse(header)
	browser, system := ua.Name, ua.OS
	switch {
	case browser == useragent.HeadlessChrome:
		browser = "Headless Chrome"
	case browser == useragent.Mozilla || browser == useragent.Msie:
		browser = "" // no real name: a bare "Mozilla/5.0" or an unparsed engine
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "Unknown browser"
}
