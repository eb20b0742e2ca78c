package learning_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store/storetest"
)

// TestSegmentCases runs every case of the shared segment table.
func TestSegmentCases(t *testing.T) {
	lines := strings.Split(string(storetest.Testdata(t, "segment_cases.tsv")), "\n")
	n := 0
	for _, line := range lines {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		require.Len(t, cols, 3, "line %q", line)
		want := cols[2]
		if want == "-" {
			want = ""
		}
		require.Equal(t, want, learning.SegmentFromJob(cols[0], cols[1]), "title %q normalized %q", cols[0], cols[1])
		n++
	}
	require.GreaterOrEqual(t, n, 18)
}

func TestSegmentPrecedenceAndWords(t *testing.T) {
	cases := map[string]string{
		"Senior Intern":                 "intern",
		"Junior Lead":                   "junior",
		"Staff Engineer":                "senior",
		"SR. ENGINEER":                  "senior",
		"Intern-ship coordinator":       "intern",
		"Srinivasan's Team Engineer":    "default",
		"Internationalization Engineer": "default",
		"  ":                            "",
		"Software Engineer II (Entry)":  "junior",
		"Engineering Manager, Platform": "senior",
		"Co-op Student, Winter 2027":    "intern",
	}
	for title, want := range cases {
		require.Equal(t, want, learning.SegmentOf(title), title)
	}
	require.Equal(t, "senior", learning.SegmentFromJob("Intern", "senior engineer"), "normalized_title wins")
}

func TestHostAndFamily(t *testing.T) {
	cases := []struct{ in, host, family string }{
		{"BOARDS.GREENHOUSE.IO:443", "boards.greenhouse.io", "greenhouse"},
		{"www.greenhouse.io.", "greenhouse.io", "greenhouse"},
		{"fakegreenhouse.io", "fakegreenhouse.io", ""},
		{"greenhouse.io.evil.com", "greenhouse.io.evil.com", ""},
		{"careers.smartrecruiters.com", "careers.smartrecruiters.com", "smartrecruiters"},
		{"acme.wd5.myworkdayjobs.com", "acme.wd5.myworkdayjobs.com", "workday"},
		{"jobs.lever.co", "jobs.lever.co", "lever"},
		{"jobs.ashbyhq.com", "jobs.ashbyhq.com", "ashby"},
		{"acme.bamboohr.com", "acme.bamboohr.com", "bamboohr"},
		{"careers-acme.icims.com", "careers-acme.icims.com", "icims"},
		{"jobs.jobvite.com", "jobs.jobvite.com", "jobvite"},
		{"apply.workable.com", "apply.workable.com", "workable"},
		{"careers.acme.com", "careers.acme.com", ""},
	}
	for _, c := range cases {
		h := learning.NormalizeHost(c.in)
		require.Equal(t, c.host, h, c.in)
		require.Equal(t, c.family, learning.Family(h), c.in)
	}
	require.Equal(t, "other", learning.FamilyLabel(""))
}
