// Package learning holds the rules of the learning loop: host families, job segments, the
// statistics of styles and the aggregator that turns events into form profiles.
package learning

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// FamilyOther is how a host in no family is labelled (in metrics and on the dashboard).
const FamilyOther = "other"

// families maps ATS domains to their family. A host belongs to a family when it is the domain
// or ends with "." + the domain (a dot boundary: fakegreenhouse.io is not greenhouse).
var families = []struct{ domain, family string }{
	{"greenhouse.io", "greenhouse"},
	{"lever.co", "lever"},
	{"myworkdayjobs.com", "workday"},
	{"myworkdaysite.com", "workday"},
	{"ashbyhq.com", "ashby"},
	{"bamboohr.com", "bamboohr"},
	{"smartrecruiters.com", "smartrecruiters"},
	{"icims.com", "icims"},
	{"jobvite.com", "jobvite"},
	{"workable.com", "workable"},
}

// Families lists the known families in a stable order.
func Families() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range families {
		if !seen[f.family] {
			seen[f.family] = true
			out = append(out, f.family)
		}
	}
	return out
}

// ErrNotHost is why ParseHost refuses a value; the message says what was wrong.
var ErrNotHost = errors.New("not a host name")

// hostName is a DNS host name: dot-separated labels of letters, digits and inner hyphens.
var hostName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)

// ParseHost turns what a client sends as a host into the host name stored and grouped on:
// lower-cased, without a port, a trailing dot or a leading "www.". A full URL (clients in the
// field may send location.href) gives its host name. User info ("user:pw@host", in a URL or
// not) and anything else that is not a host name are refused: read as a host they would
// collapse the forms of different sites under "https" or "user".
func ParseHost(raw string) (string, error) {
	h := strings.TrimSpace(raw)
	if scheme, _, ok := strings.Cut(h, "://"); ok {
		u, err := url.Parse(h)
		switch {
		case err != nil:
			return "", fmt.Errorf("%w: not a valid URL", ErrNotHost)
		case !strings.EqualFold(u.Scheme, scheme) || (u.Scheme != "http" && u.Scheme != "https"):
			return "", fmt.Errorf("%w: a URL must be http or https", ErrNotHost)
		case u.User != nil:
			return "", fmt.Errorf("%w: a user name or password in the URL is not allowed; send the host only", ErrNotHost)
		}
		h = u.Host
	}
	if strings.Contains(h, "@") {
		return "", fmt.Errorf("%w: a user name or password (user@host) is not allowed; send the host only", ErrNotHost)
	}
	h = strings.ToLower(h)
	if hp, port, err := net.SplitHostPort(h); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.Trim(port, "0123456789") != "" {
			return "", fmt.Errorf("%w: the port must be a number", ErrNotHost)
		}
		h = hp
	}
	for { // every trailing dot and leading "www.", so that the host parses to itself ("www.www.0")
		trimmed := strings.TrimPrefix(strings.TrimSuffix(h, "."), "www.")
		if trimmed == h {
			break
		}
		h = trimmed
	}
	if len(h) > 253 || !hostName.MatchString(h) {
		return "", fmt.Errorf("%w: letters, digits, '-' and '.' only, such as boards.greenhouse.io", ErrNotHost)
	}
	return h, nil
}

// NormalizeHost is ParseHost's host name, or "" when the value is not a host.
func NormalizeHost(raw string) string {
	h, _ := ParseHost(raw)
	return h
}

// Family returns the ATS family of a normalised host, or "" when it is in none.
func Family(host string) string {
	for _, f := range families {
		if host == f.domain || strings.HasSuffix(host, "."+f.domain) {
			return f.family
		}
	}
	return ""
}

// FamilyLabel is the family for labels: FamilyOther when there is none.
func FamilyLabel(family string) string {
	if family == "" {
		return FamilyOther
	}
	return family
}
