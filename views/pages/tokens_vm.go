package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// TokensPageVM issues and revokes extension tokens.
type TokensPageVM struct {
	Shell      layouts.ShellProps
	Action     string
	CSRF       string
	Email      components.Field
	Name       components.Field
	CreateUser bool
	Emails     []string
	Issued     *IssuedTokenVM
	Flash      string
	Rows       []TokenRowVM
	Empty      *components.Empty
	SyncURL    string
}

// IssuedTokenVM is a token just issued: shown once.
type IssuedTokenVM struct {
	Plain  string
	Email  string
	Prefix string
}

// TokenRowVM is one token.
type TokenRowVM struct {
	ID        string
	Prefix    string
	Name      string
	Email     string
	Created   string
	LastUsed  string
	Revoked   string
	Live      bool
	RevokeURL string
}
