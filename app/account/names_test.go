package account_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/store/storetest"
)

// TestNamesAreBounded: a user's and a token's names are refused over their limits, counted in
// characters, whichever caller sends them (the CLI and the dashboard check first, with their
// own messages), and nothing is stored; a name at the limit is taken.
func TestNamesAreBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := account.CreateUser(ctx, db, account.NewUser{Email: "long@example.test", Name: strings.Repeat("é", account.MaxUserNameLen+1)})
		require.ErrorIs(t, err, account.ErrLongName)
		require.Zero(t, storetest.Count(t, db, "users"))
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "long@example.test", Name: strings.Repeat("é", account.MaxUserNameLen)})
		require.NoError(t, err)

		_, err = account.IssueToken(ctx, db, u.ID, strings.Repeat("x", account.MaxTokenNameLen+1))
		require.ErrorIs(t, err, account.ErrLongName)
		require.Zero(t, storetest.Count(t, db, "api_tokens"))
		_, err = account.IssueToken(ctx, db, u.ID, strings.Repeat("x", account.MaxTokenNameLen))
		require.NoError(t, err)
	})
}

// TestPasswordLengths: a password's minimum counts characters (three emoji are 12 bytes but
// no stronger than three letters), its maximum bytes (bcrypt reads 72, no further), each with
// its own error.
func TestPasswordLengths(t *testing.T) {
	for pw, want := range map[string]error{
		strings.Repeat("п", 8):  nil, // 16 bytes
		strings.Repeat("x", 72): nil,
		"😀😀😀":                   account.ErrWeakPassword, // 12 bytes, 3 characters
		"1234567":               account.ErrWeakPassword,
		strings.Repeat("п", 37): account.ErrLongPassword, // 37 characters, 74 bytes
		strings.Repeat("x", 73): account.ErrLongPassword,
	} {
		_, err := account.HashPassword(pw)
		if want == nil {
			require.NoError(t, err, pw)
		} else {
			require.ErrorIs(t, err, want, pw)
		}
	}
}
