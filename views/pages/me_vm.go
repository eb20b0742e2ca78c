package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// MePageVM is "My extension": what a signed-in user needs to connect the Companion, their
// tokens, their recent runs and their data.
type MePageVM struct {
	Shell      layouts.ShellProps
	CSRF       string
	APIBase    string // the server's address, to configure in the extension
	OpenAPIURL string
	TokenURL   string // POST: issue a token
	Name       components.Field
	Issued     *IssuedTokenVM
	Flash      string
	Tokens     []TokenRowVM
	Runs       []MeRunVM
	RunsEmpty  *components.Empty
	ExportURL  string
	DeleteURL  string
	EventCount string
}

// MeRunVM is one of the user's recent autofill runs.
type MeRunVM struct {
	When   string
	Form   string
	Style  string
	Policy string
	Status string
	Rating string
}

// UsersPageVM is the admins' list of users.
type UsersPageVM struct {
	Shell     layouts.ShellProps
	CSRF      string
	Action    string // POST: add a user
	Email     components.Field
	Name      components.Field
	Admin     bool
	Flash     string
	Link      *PasswordLinkVM
	Rows      []UserRowVM
	Deletions []DeletionVM
}

// PasswordLinkVM is a set-password link just made: shown once.
type PasswordLinkVM struct {
	Email   string
	URL     string
	Expires string
}

// UserRowVM is one user with the actions an admin has on them.
type UserRowVM struct {
	ID          string
	Email       string
	Name        string
	Admin       bool
	Disabled    bool
	HasPassword bool
	Created     string
	Tokens      string
	Self        bool // the signed-in admin: cannot disable or demote themselves
	LinkURL     string
	DisableURL  string
	EnableURL   string
	AdminURL    string
}

// DeletionVM is a user's deletion of their own data, for the admins.
type DeletionVM struct {
	When   string
	Email  string
	Events string
}

// SetPasswordPageVM is the form behind a one-time set-password link.
type SetPasswordPageVM struct {
	Action string
	CSRF   string
	Token  string
	Email  string
	Error  string
}
