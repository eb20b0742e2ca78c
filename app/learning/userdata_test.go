package learning_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// TestUserDataExportAndDelete: a user's export holds their events only; deleting them takes
// them out of the next aggregation, leaves other users' events, and is recorded for the admins.
func TestUserDataExportAndDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		dana, err := account.CreateUser(ctx, db, account.NewUser{Email: "dana@example.test"})
		require.NoError(t, err)
		lee, err := account.CreateUser(ctx, db, account.NewUser{Email: "lee@example.test"})
		require.NoError(t, err)
		exploit := learning.PolicyExploit
		save := func(u *models.User, n int) {
			evs := make([]models.AutofillEvent, n)
			for i := range evs {
				d := i + 1
				evs[i] = models.AutofillEvent{Host: "boards.greenhouse.io", SchemaHash: "del-1", Status: "ok", DurationMS: &d,
					FinalMap: models.NewJSON(models.StringMap{"#email": "email"}), Policy: &exploit}
			}
			_, err := learning.SaveEvents(ctx, db, u.ID, evs, nil)
			require.NoError(t, err)
		}
		save(dana, 3)
		save(lee, 2)
		h.run(30)
		require.Equal(t, 5, h.profile("boards.greenhouse.io", "del-1").EventCount)

		var buf bytes.Buffer
		require.NoError(t, learning.ExportEvents(ctx, db, dana.ID, time.Now(), &buf))
		var export struct {
			UserID string                   `json:"user_id"`
			Events []learning.ExportedEvent `json:"events"`
		}
		require.NoError(t, json.Unmarshal(buf.Bytes(), &export), buf.String())
		require.Equal(t, dana.ID, export.UserID)
		require.Len(t, export.Events, 3)
		require.Equal(t, "del-1", export.Events[0].SchemaHash)
		require.Equal(t, "email", export.Events[0].FinalMap["#email"])

		n, err := learning.DeleteEvents(ctx, db, dana, time.Now())
		require.NoError(t, err)
		require.Equal(t, 3, n)
		h.run(30)
		require.Equal(t, 2, h.profile("boards.greenhouse.io", "del-1").EventCount, "the next aggregation no longer counts them")
		left, err := learning.CountEvents(ctx, db, lee.ID)
		require.NoError(t, err)
		require.EqualValues(t, 2, left)
		var logged []models.DataDeletion
		require.NoError(t, db.Find(&logged).Error)
		require.Len(t, logged, 1)
		require.Equal(t, "dana@example.test", logged[0].Email)
		require.Equal(t, 3, logged[0].Events)
	})
}
