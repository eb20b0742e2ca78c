package learning_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

func TestDerive(t *testing.T) {
	i := seeds.Int
	e := models.AutofillEvent{
		FinalMap:  models.NewJSON(models.StringMap{"#b": "y", "#a": "x"}),
		EditStats: models.NewJSON(models.EditStats{TotalCharsAdded: i(10), TotalCharsDeleted: i(5)}),
	}
	learning.Derive(&e)
	require.NotNil(t, e.FinalMapHash)
	require.Equal(t, learning.FinalMapHash(models.StringMap{"#a": "x", "#b": "y"}), *e.FinalMapHash, "the same map, whatever its order")
	require.NotEqual(t, learning.FinalMapHash(models.StringMap{"#a": "y", "#b": "x"}), *e.FinalMapHash)
	require.NotEqual(t, learning.FinalMapHash(models.StringMap{}), learning.FinalMapHash(nil), "{} and null are different JSON")
	require.Equal(t, 15, *e.EditTotal)

	for _, c := range []struct {
		added, deleted *int
		want           *int
	}{
		{nil, nil, nil},
		{i(3), nil, i(3)},
		{nil, i(4), i(4)},
		{i(0), i(0), i(0)},
		{i(-2), i(5), i(3)},
		{i(1 << 53), i(1), i(1<<53 + 1)},
		{i(1<<53 + 1), i(2), i(2)},
		{i(-1<<53 - 1), nil, nil},
	} {
		require.Equal(t, c.want, learning.EditTotal(models.EditStats{TotalCharsAdded: c.added, TotalCharsDeleted: c.deleted}))
	}
}

// TestWritersStoreDerivedColumns: SaveEvents and the demo loader (COPY on Postgres, INSERT on
// SQLite) store each event's fingerprint and edit total as Derive computes them from the row.
func TestWritersStoreDerivedColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 300, Forms: 20, Days: 7, Seed: seeds.DefaultSeed})
		require.NoError(t, err)
		require.NoError(t, seeds.EnsureUser(ctx, db, "u-sync"))
		i := seeds.Int
		batch := []models.AutofillEvent{
			seeds.Ev{Host: ghAcme, SchemaHash: "s", FinalMap: map[string]string{"#a": "x"}, Added: i(2), Deleted: i(3)}.Model(time.Now().UTC()),
			seeds.Ev{Host: ghAcme, SchemaHash: "s"}.Model(time.Now().UTC()),
		}
		for k := range batch {
			batch[k].ID, batch[k].EventID, batch[k].FinalMapHash, batch[k].EditTotal = "", "", nil, nil
		}
		_, err = learning.SaveEvents(ctx, db, "u-sync", batch, nil)
		require.NoError(t, err)

		var rows []struct {
			FinalMap     string
			EditStats    string
			FinalMapHash *int64
			EditTotal    *int
		}
		require.NoError(t, db.Raw(`SELECT CAST(final_map AS text) AS final_map, CAST(edit_stats AS text) AS edit_stats,
			final_map_hash, edit_total FROM autofill_events`).Scan(&rows).Error)
		require.Len(t, rows, 302)
		for _, r := range rows {
			var e models.AutofillEvent
			require.NoError(t, json.Unmarshal([]byte(r.FinalMap), &e.FinalMap))
			require.NoError(t, json.Unmarshal([]byte(r.EditStats), &e.EditStats))
			learning.Derive(&e)
			require.Equal(t, e.FinalMapHash, r.FinalMapHash, r.FinalMap)
			require.Equal(t, e.EditTotal, r.EditTotal, r.EditStats)
		}
	})
}
