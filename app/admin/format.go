package admin

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Display formats: every number and time a page shows goes through one of these, so that the
// pages agree with each other and the tests can compute the same text.

const dash = "—"

// fmtInt writes 1234567 as "1,234,567".
func fmtInt[T ~int | ~int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtPct writes a share (0..1) as "40.0%".
func fmtPct(share float64) string { return fmt.Sprintf("%.1f%%", share*100) }

// fmtRatio writes an optional ratio as "62%", or a dash.
func fmtRatio(r *float64) string {
	if r == nil {
		return dash
	}
	return fmt.Sprintf("%.0f%%", *r*100)
}

func fmtFloat(f *float64, digits int) string {
	if f == nil {
		return dash
	}
	return strconv.FormatFloat(*f, 'f', digits, 64)
}

// fmtTime writes a time in UTC to the minute.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return dash
	}
	return fmtTime(*t)
}

// fmtAgo writes how long before now t was: "just now", "5 min ago", "3 h ago", "2 days ago".
func fmtAgo(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}

// fmtMillis writes a duration in milliseconds: "850 ms", "1.2 s", "3 min 5 s".
func fmtMillis(ms int64) string {
	switch {
	case ms < 1000:
		return fmt.Sprintf("%d ms", ms)
	case ms < 60_000:
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	default:
		return fmt.Sprintf("%d min %d s", ms/60_000, (ms%60_000)/1000)
	}
}

// fmtWindow names an aggregator window in days.
func fmtWindow(days int) string {
	if days == 0 {
		return "all time"
	}
	return fmt.Sprintf("%d-day window", days)
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// title capitalises the first letter of a key for a label.
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fmtPctRange writes an interval of shares as "48.0–75.5%".
func fmtPctRange(lo, hi float64) string { return fmt.Sprintf("%.1f–%.1f%%", lo*100, hi*100) }

// fmtPoints writes a difference of rates in percentage points: "1.2 pt".
func fmtPoints(d float64) string { return fmt.Sprintf("%.1f pt", d*100) }

// fmtKappa writes a prior strength with the digits it needs: "12.5".
func fmtKappa(k float64) string { return strconv.FormatFloat(k, 'f', -1, 64) }

// fmtEvery writes a period: "5 min", or Go's form when it is not whole minutes.
func fmtEvery(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return d.String()
}

// plural writes a count with its noun: "1 profile", "1,204 profiles".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmtInt(n) + " " + many
}

// fmtFloatG writes a statistic with digits after the point ("20.83"), "∞" for infinity.
func fmtFloatG(f float64, digits int) string {
	if math.IsInf(f, 1) {
		return "∞"
	}
	return strconv.FormatFloat(f, 'f', digits, 64)
}

// fmtP writes a p-value: "0.34", "5.0e-06", "< 1e-300".
func fmtP(p float64) string {
	switch {
	case p == 0:
		return "< 1e-300"
	case p < 0.001:
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return strconv.FormatFloat(p, 'f', 3, 64)
}
