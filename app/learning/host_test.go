package learning_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
)

// TestParseHost: a host, with or without port, case, trailing dot or www., and the host of an
// http(s) URL (location.href) are one host name; user info and anything that is not a host
// name are refused.
func TestParseHost(t *testing.T) {
	for in, want := range map[string]string{
		"boards.greenhouse.io":                               "boards.greenhouse.io",
		"  Boards.Greenhouse.IO.  ":                          "boards.greenhouse.io",
		"www.acme.com:8443":                                  "acme.com",
		"https://boards.greenhouse.io/acme/jobs/4012345?x=1": "boards.greenhouse.io",
		"HTTPS://WWW.Example.COM:8443/path#frag":             "example.com",
		"http://jobs.lever.co":                               "jobs.lever.co",
		"localhost":                                          "localhost",
	} {
		got, err := learning.ParseHost(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
		require.Equal(t, want, learning.NormalizeHost(in), in)
	}
	for in, msg := range map[string]string{
		"user:pw@boards.greenhouse.io":        "user name or password",
		"user@boards.greenhouse.io":           "user name or password",
		"https://user:pw@evil.example/":       "user name or password",
		"https://u@boards.greenhouse.io/x":    "user name or password",
		"https://":                            "host name",
		"https:///path":                       "host name",
		"ftp://files.example.com":             "http or https",
		"javascript:alert(1)":                 "port",
		"boards.greenhouse.io/acme":           "host name",
		"boards.greenhouse.io:99999":          "port",
		"boards.greenhouse.io:-1":             "port",
		"[::1]:8080":                          "host name",
		"exa mple.com":                        "host name",
		"a\x00b.com":                          "host name",
		"-bad.com":                            "host name",
		"":                                    "host name",
		strings.Repeat("a.", 127) + "abc":     "host name",
		"http://[fe80::1%25en0]:8080/":        "host name",
		"https://boards.greenhouse.io:abc/x":  "not a valid URL",
		"https//boards.greenhouse.io":         "host name",
		"https://boards.greenhouse.io\\@evil": "not a valid URL",
	} {
		got, err := learning.ParseHost(in)
		require.ErrorIs(t, err, learning.ErrNotHost, "%q gave %q", in, got)
		require.ErrorContains(t, err, msg, in)
		require.Empty(t, learning.NormalizeHost(in))
	}
}
