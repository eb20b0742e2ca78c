package learning

import (
	"strings"
	"unicode"
)

// Segments of a job, from the most to the least specific. A job with no title has none ("").
const (
	SegmentIntern  = "intern"
	SegmentJunior  = "junior"
	SegmentSenior  = "senior"
	SegmentDefault = "default"
)

// Segments lists the segments in display order.
func Segments() []string {
	return []string{SegmentIntern, SegmentJunior, SegmentSenior, SegmentDefault}
}

// segmentRules is the one table of level words, in precedence order (intern > junior >
// senior): the first rule with a phrase among the title's words wins. Phrases match whole
// words, so "Internal", "International", "Sentry" and "Leadership" match nothing, and
// abbreviations match only as words ("sr", "jr"). Extend it here.
var segmentRules = []struct {
	segment string
	phrases []string
}{
	{SegmentIntern, []string{"intern", "interns", "internship", "co op", "coop", "apprentice", "apprenticeship", "trainee", "werkstudent"}},
	{SegmentJunior, []string{"junior", "jr", "entry level", "entry", "graduate", "new grad", "associate engineer", "early career"}},
	{SegmentSenior, []string{"senior", "sr", "lead", "principal", "staff", "distinguished", "head of", "director", "vp", "vice president", "chief", "architect", "manager"}},
}

// notLevels are phrases in which a level word does not name a level ("Lead Generation
// Specialist", "Staff Accountant", "Data Entry Clerk", "Graduate Admissions Officer"): they
// are taken out of the title before the rules are read.
var notLevels = []string{"lead generation", "leads generation", "staff accountant", "staff nurse", "staffing", "data entry",
	"graduate admissions", "graduate school"}

// SegmentFromJob returns the segment of a job: its normalized_title if present, else its
// title. It returns "" (no segment) for no job or no title.
func SegmentFromJob(title, normalizedTitle string) string {
	t := normalizedTitle
	if strings.TrimSpace(t) == "" {
		t = title
	}
	return SegmentOf(t)
}

// SegmentOf classifies one title.
func SegmentOf(title string) string {
	words := titleWords(title)
	if len(words) == 0 {
		return ""
	}
	padded := " " + strings.Join(words, " ") + " "
	for _, p := range notLevels {
		if hasPhrase(padded, p) {
			padded = strings.ReplaceAll(padded, " "+p+" ", " ")
		}
	}
	for _, rule := range segmentRules {
		for _, p := range rule.phrases {
			if hasPhrase(padded, p) {
				return rule.segment
			}
		}
	}
	return SegmentDefault
}

// hasPhrase reports whether the words of phrase p (lower case, one space between words) come
// together in padded (a title's words, one space between them and one at each end), as
// strings.Contains(padded, " "+p+" ") would, without building that string: a sync asks it of
// every phrase of every rule for each of its events.
func hasPhrase(padded, p string) bool {
	if p == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(padded[i:], p)
		if j < 0 {
			return false
		}
		j += i
		if j > 0 && padded[j-1] == ' ' && j+len(p) < len(padded) && padded[j+len(p)] == ' ' {
			return true
		}
		i = j + 1
	}
}

// titleWords lower-cases a title and splits it into words of letters and digits; every other
// character (space, dot, hyphen, parenthesis, comma) separates words.
func titleWords(title string) []string {
	return strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// ValidSegment reports whether s is a segment key (or "" for none).
func ValidSegment(s string) bool {
	switch s {
	case "", SegmentIntern, SegmentJunior, SegmentSenior, SegmentDefault:
		return true
	}
	return false
}
