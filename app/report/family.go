package report

import (
	"fmt"
	"strings"

	"github.com/applylens/learning/app/learning"
)

// familyDomains is learning.Family's rule as data, for SQL.
var familyDomains = learning.FamilyDomains()

// familyCondition is an SQL condition on col that holds for the hosts whose
// learning.FamilyLabel(learning.Family(host)) is family, with its arguments. Its number of
// arguments is bounded by the family table, never by the data. ok is false for a family
// that does not exist (no host is in it).
func familyCondition(col, family string) (cond string, args []any, ok bool) {
	if family == learning.FamilyOther {
		var all []string
		for _, f := range learning.Families() {
			all = append(all, familyDomains[f]...)
		}
		cond, args = domainsCondition(col, all)
		return "NOT " + cond, args, true
	}
	domains := familyDomains[family]
	if len(domains) == 0 {
		return "", nil, false
	}
	cond, args = domainsCondition(col, domains)
	return cond, args, true
}

// domainsCondition holds when col is one of domains or ends with "." + one of them, compared
// exactly as Go compares strings (LIKE ignores case on SQLite). substr from a position before
// the first character returns less than the suffix on both databases, so a short host never
// matches.
func domainsCondition(col string, domains []string) (string, []any) {
	var ors []string
	var args []any
	for _, d := range domains {
		suffix := "." + d
		ors = append(ors, fmt.Sprintf("%s = ? OR substr(%s, length(%s) - %d) = ?", col, col, col, len(suffix)-1))
		args = append(args, d, suffix)
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}
