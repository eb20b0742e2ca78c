package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
	"github.com/applylens/learning/views/pages"
)

// nav lists the sidebar: key, label, path.
var nav = [][3]string{
	{"overview", "Overview", PathOverview},
	{"profiles", "Profiles", PathProfiles},
	{"events", "Events", PathEvents},
	{"styles", "Styles", PathStyles},
	{"runs", "Runs", PathRuns},
	{"evaluate", "Replay", PathEvaluate},
	{"tokens", "Tokens", PathTokens},
	{"users", "Users", PathUsers},
	{"schema", "Schema", PathSchema},
}

// navMe is the sidebar's entry for every user (the only one of a user who is no admin).
var navMe = [3]string{"me", "My extension", PathMe}

// shell is the frame of a signed-in page.
func shell(c *gin.Context, pageTitle, active string) layouts.ShellProps {
	p := layouts.ShellProps{Title: pageTitle, LogoutURL: PathLogout, CSRF: csrf(c)}
	items := [][3]string{navMe}
	if u := web.CurrentUser(c); u != nil {
		p.UserEmail = u.Email
		if u.IsAdmin {
			items = append(nav[:len(nav):len(nav)], navMe)
		}
	}
	for _, n := range items {
		p.Nav = append(p.Nav, layouts.NavItem{Key: n[0], Label: n[1], Href: n[2], Active: n[0] == active})
	}
	return p
}

// pageWithStatus writes a page with a status other than 200 (a form sent back with its errors).
func pageWithStatus(c *gin.Context, status int, page templ.Component) { web.Page(c, status, page) }

// render writes a page with status 200.
func render(c *gin.Context, page templ.Component) { web.Page(c, http.StatusOK, page) }

// renderError draws the dashboard's error pages (web.ErrorPages): the error in the frame when someone is
// signed in, else a bare page.
func renderError(c *gin.Context, e *web.Error) {
	signedIn := web.CurrentUser(c) != nil
	vm := errorVM(e, c.GetString("request_id"), signedIn)
	if signedIn {
		s := shell(c, vm.Title, "")
		vm.Shell = &s
	}
	web.Page(c, e.Status, pages.ErrorPage(vm))
}

// options builds a select's options: an "any" choice (value "") and one per value.
func options(anyLabel string, values []string, selected string) []components.Option {
	out := []components.Option{{Value: "", Label: anyLabel, Selected: selected == ""}}
	for _, v := range values {
		out = append(out, components.Option{Value: v, Label: v, Selected: v == selected})
	}
	return out
}

// familyChoices are the values of a family filter: every family and "other".
func familyChoices() []string { return append(learning.Families(), learning.FamilyOther) }

// withNone adds the "none" choice to a filter's values.
func withNone(vs []string) []string { return append(append([]string{}, vs...), report.None) }

// oneOf returns v when it is one of allowed, else "" (an unknown filter value is ignored).
func oneOf(v string, allowed []string) string {
	for _, a := range allowed {
		if a == v {
			return v
		}
	}
	return ""
}

// withQuery returns path?query with the empty values left out.
func withQuery(path string, q url.Values) string {
	clean := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if v != "" {
				clean.Add(k, v)
			}
		}
	}
	if len(clean) == 0 {
		return path
	}
	return path + "?" + clean.Encode()
}

// notFoundOr maps report.ErrNotFound to a 404 and anything else to a 500.
func notFoundOr(err error, what string) *web.Error {
	if errors.Is(err, report.ErrNotFound) {
		return web.Errorf(http.StatusNotFound, "no such %s", what)
	}
	return web.Internal(err)
}

// pageParam reads ?page= (from 1).
func pageParam(c *gin.Context) int {
	p, err := strconv.Atoi(c.Query("page"))
	if err != nil || p < 1 || p > 100000 {
		return 1
	}
	return p
}

// pager links the neighbouring pages of a numbered list of total nouns (a plural in s: one of
// them is named without it).
func pager(path string, q url.Values, page int, total int64, size int, nouns string) components.Pager {
	pages := report.Pages(total, size)
	if total == 1 {
		nouns = strings.TrimSuffix(nouns, "s")
	}
	where := fmt.Sprintf("Page %d of %d", page, pages)
	if page > pages { // an old or edited link: the list is empty, and the last page one link back
		where = fmt.Sprintf("Page %d is past the last (%d)", page, pages)
	}
	p := components.Pager{Summary: fmt.Sprintf("%s · %s %s", where, fmtInt(total), nouns)}
	link := func(n int) string {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(n))
		if n == 1 {
			qq.Del("page")
		}
		return withQuery(path, qq)
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, pages))
	}
	if page < pages {
		p.NextURL = link(page + 1)
	}
	return p
}
