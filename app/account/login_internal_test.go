package account

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store/storetest"
)

// TestLoginDoesEqualWorkOnEveryPath: an unknown email, a malformed one, a user who is not an
// admin (who signs in too, to My extension), a disabled user, one without a password, a wrong
// password and the right one each cost exactly one bcrypt comparison at the default cost, so
// that timing tells none of them apart.
func TestLoginDoesEqualWorkOnEveryPath(t *testing.T) {
	// EachSerial: the test swaps compareHash, a package variable.
	storetest.EachSerial(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		const pw = "correct horse battery"
		_, err := CreateUser(ctx, db, NewUser{Email: "admin@example.test", Admin: true, Password: pw})
		require.NoError(t, err)
		_, err = CreateUser(ctx, db, NewUser{Email: "user@example.test", Password: pw})
		require.NoError(t, err)
		_, err = CreateUser(ctx, db, NewUser{Email: "nopw@example.test"})
		require.NoError(t, err)
		off, err := CreateUser(ctx, db, NewUser{Email: "disabled@example.test", Password: pw})
		require.NoError(t, err)
		require.NoError(t, SetDisabled(ctx, db, off.ID, true))

		var costs []int
		compareHash = func(hash, password []byte) error {
			c, err := bcrypt.Cost(hash)
			require.NoError(t, err)
			costs = append(costs, c)
			return bcrypt.CompareHashAndPassword(hash, password)
		}
		t.Cleanup(func() { compareHash = bcrypt.CompareHashAndPassword })

		for _, c := range []struct {
			email, pw string
			ok        bool
		}{
			{"nobody@example.test", pw, false},
			{"not an email", pw, false},
			{"user@example.test", pw, true}, // every user signs in (to My extension)
			{"disabled@example.test", pw, false},
			{"nopw@example.test", pw, false},
			{"admin@example.test", "wrong password", false},
			{"admin@example.test", pw, true},
		} {
			costs = nil
			u, err := Login(ctx, db, c.email, c.pw)
			if c.ok {
				require.NoError(t, err, c.email)
				require.NotNil(t, u)
			} else {
				require.ErrorIs(t, err, ErrBadLogin, c.email)
			}
			require.Equal(t, []int{bcrypt.DefaultCost}, costs, "%s: one comparison at the default cost", c.email)
		}
	})
}
