package seeds_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

func TestInsertFixtures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		rows, err := seeds.Insert(ctx, db, seeds.Concat(
			seeds.Ev{Host: "WWW.Boards.Greenhouse.io", SchemaHash: "f1", Style: "concise_bullets_v1", Feedback: "helpful", EditChars: seeds.Int(12)}.Times(3),
			[]seeds.Ev{{User: "u-other", Host: "careers.acme.com", SchemaHash: "f2", Segment: "senior", FinalMap: map[string]string{"#a": "email"}}},
		))
		require.NoError(t, err)
		require.Len(t, rows, 4)
		var got []models.AutofillEvent
		require.NoError(t, db.Order("host, created_at").Find(&got).Error)
		require.Len(t, got, 4)
		require.Equal(t, "boards.greenhouse.io", got[0].Host)
		require.Equal(t, "greenhouse", got[0].HostFamily)
		require.Equal(t, "helpful", *got[0].FeedbackStatus)
		require.Equal(t, 12, *got[0].EditChars)
		require.Equal(t, "careers.acme.com", got[3].Host)
		require.Equal(t, "", got[3].HostFamily)
		require.Equal(t, "senior", *got[3].SegmentKey)
		require.Equal(t, models.StringMap{"#a": "email"}, got[3].FinalMap.V)
		require.EqualValues(t, 2, storetest.Count(t, db, "users"))
	})
}
