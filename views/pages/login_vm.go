package pages

// LoginPageVM is the sign-in form.
type LoginPageVM struct {
	Action string
	CSRF   string
	Next   string
	Email  string
	Error  string
	Notice string // e.g. "You are signed out."
}
