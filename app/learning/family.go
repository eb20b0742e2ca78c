// Package learning holds the rules of the learning loop: host families, job segments, the
// statistics of styles and the aggregator that turns events into form profiles.
package learning

import (
	"net"
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

// NormalizeHost lower-cases a host and strips a port, a trailing dot and a leading "www.".
func NormalizeHost(host string) string {
	h := strings.ToLower(strings.TrimSpace(host))
	if hp, _, err := net.SplitHostPort(h); err == nil {
		h = hp
	}
	h = strings.TrimSuffix(h, ".")
	h = strings.TrimPrefix(h, "www.")
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
