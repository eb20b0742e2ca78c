package admin

import (
	"net/http"

	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// errorVM words an error as a page: a server error hides its cause behind the request id; a
// visitor who is not signed in is sent to the sign-in form.
func errorVM(e *web.Error, requestID string, signedIn bool) pages.ErrorPageVM {
	vm := pages.ErrorPageVM{
		Status: http.StatusText(e.Status), Title: errorTitle(e.Status), Message: e.Message,
		BackURL: PathOverview, BackLabel: "Back to the overview", RequestID: requestID,
	}
	if e.Status >= 500 && e.Status != http.StatusServiceUnavailable {
		vm.Message = "Something went wrong on our side. It has been logged; try again, and quote the request id if it persists."
	}
	if !signedIn {
		vm.BackURL, vm.BackLabel = PathLogin, "Sign in"
	}
	return vm
}

// errorTitle names an error for the page's heading.
func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Not found"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusUnauthorized:
		return "Sign in first"
	case http.StatusTooManyRequests:
		return "Too many requests"
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		return "That request does not work"
	}
	if status >= 500 {
		return "Server error"
	}
	return http.StatusText(status)
}
