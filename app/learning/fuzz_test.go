package learning_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store/storetest"
)

// FuzzParseHost: ParseHost never panics, and a host it accepts is a host name of at most 253
// characters that parses to itself, alone or as the host of a URL, in the same family.
// .ci/run fuzzes it briefly; the seeds run with every `go test`.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"boards.greenhouse.io", "Boards.Greenhouse.IO.", "www.acme.com:8443", "jobs.lever.co",
		"https://boards.greenhouse.io/acme/jobs/4012345?gh_src=x", "user:pw@boards.greenhouse.io", "https://user:pw@evil.example/",
		"https://", "javascript:alert(1)", "ftp://x.com", "boards.greenhouse.io/acme", "[::1]:8080", "a\x00b.com", "bf\xffeb90",
		"HTTPS://WWW.Example.COM:8443/path#frag", "x.myworkdayjobs.com:0", "https://a.b.c.d.e.f.g.h.lever.co",
		"www.www.0", "www.x..", "WWW.www.Acme.com."} { // the last three: trimmed once, they parsed to another host
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := learning.ParseHost(raw)
		if err != nil {
			if h != "" || learning.NormalizeHost(raw) != "" {
				t.Fatalf("%q refused but gave %q", raw, h)
			}
			return
		}
		if h == "" || len(h) > 253 || !utf8.ValidString(h) || strings.ToLower(h) != h || strings.ContainsAny(h, ":/@ \x00") {
			t.Fatalf("%q gave %q, not a host name", raw, h)
		}
		if again, err := learning.ParseHost(h); err != nil || again != h {
			t.Fatalf("%q gave %q, which gives %q, %v", raw, h, again, err)
		}
		if fromURL, err := learning.ParseHost("https://" + h + "/apply?x=1"); err != nil || fromURL != h {
			t.Fatalf("the URL of %q gives %q, %v", h, fromURL, err)
		}
	})
}

// FuzzSegmentOf: any title gets a segment key, none only when it has no words, and a title's
// segment does not change with a word added at the end (one that is in no rule), nor, for an
// ASCII title, with upper case.
func FuzzSegmentOf(f *testing.F) {
	for _, line := range strings.Split(string(storetest.Testdata(f, "segment_cases.tsv")), "\n") {
		if cols := strings.Split(line, "\t"); len(cols) >= 2 && !strings.HasPrefix(line, "#") {
			f.Add(cols[0])
			f.Add(cols[1])
		}
	}
	for _, s := range []string{"", "   ", "Internal Tools Engineer", "Lead Generation Specialist", "SR. ENGINEER", "co-op", "ıntern", "Sr\x00Engineer"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		seg := learning.SegmentOf(title)
		if !learning.ValidSegment(seg) {
			t.Fatalf("%q gave %q", title, seg)
		}
		longer := learning.SegmentOf(title + " zzqx")
		if (seg == "" && longer != learning.SegmentDefault) || (seg != "" && longer != seg) {
			t.Fatalf("%q is %q, with a word more %q", title, seg, longer)
		}
		if isASCII(title) && learning.SegmentOf(strings.ToUpper(title)) != seg {
			t.Fatalf("%q is %q, in upper case %q", title, seg, learning.SegmentOf(strings.ToUpper(title)))
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
