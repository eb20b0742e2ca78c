// Package pages holds the admin dashboard's pages. Each page exports XPage(vm XPageVM); view
// models carry display-ready text (formatted numbers, URLs, error messages) and never a
// database type. Each page's view model sits beside its template: profiles_vm.go beside
// profiles.templ, and so on; what several pages share is here.
package pages

// Link is a labelled URL that may be the current one (the window links of the overview and
// the replay).
type Link struct {
	Label  string
	Href   string
	Active bool
}
