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
