package seeds_test

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
	"github.com/applylens/learning/seeds"
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func small(seed uint64) seeds.Options {
	return seeds.Options{Events: 3000, Users: 5, Seed: seed, Now: fixedNow}
}

func TestSeedCountsAndFlags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		// An existing style row is left alone.
		require.NoError(t, db.Exec("UPDATE gen_styles SET prior_weight = 2.5 WHERE id = 'concise_bullets_v1'").Error)

		var progress []int
		opts := small(1)
		opts.Progress = func(done, total int) {
			require.Equal(t, 3000, total)
			progress = append(progress, done)
		}
		res, err := seeds.Seed(ctx, db, opts)
		require.NoError(t, err)
		require.Equal(t, 3000, res.Events)
		require.Equal(t, []int{0, 3000}, []int{progress[0], progress[len(progress)-1]})
		require.EqualValues(t, 3000, storetest.Count(t, db, "autofill_events"))

		var users []models.User
		require.NoError(t, db.Order("email").Find(&users).Error)
		require.Len(t, users, 5)
		for _, u := range users {
			require.True(t, u.IsDemo, u.Email)
			require.False(t, u.IsAdmin)
		}
		require.EqualValues(t, 5, storetest.Count(t, db, "api_tokens"))
		_, u, err := account.Authenticate(ctx, db, res.Token)
		require.NoError(t, err, "the printed token works")
		require.True(t, u.IsDemo)
		require.Equal(t, res.Users[0].ID, u.ID)

		var styles []models.GenStyle
		require.NoError(t, db.Order("id").Find(&styles).Error)
		require.Len(t, styles, 6)
		for _, s := range styles {
			if s.ID == "concise_bullets_v1" {
				require.InDelta(t, 2.5, s.PriorWeight, 1e-9)
			}
		}

		// Families and segments as the ingest path fills them.
		type hostFam struct{ Host, HostFamily string }
		var hosts []hostFam
		require.NoError(t, db.Raw("SELECT DISTINCT host, host_family FROM autofill_events").Scan(&hosts).Error)
		fams := map[string]bool{}
		for _, h := range hosts {
			require.Equal(t, learning.Family(h.Host), h.HostFamily, h.Host)
			fams[h.HostFamily] = true
		}
		for _, f := range learning.Families() {
			require.True(t, fams[f], f)
		}
		require.True(t, fams[""], "hosts in no family")

		var segs []string
		require.NoError(t, db.Raw("SELECT DISTINCT COALESCE(segment_key, '') FROM autofill_events ORDER BY 1").Scan(&segs).Error)
		require.Equal(t, []string{"", "default", "intern", "junior", "senior"}, segs)

		var bad int64
		require.NoError(t, db.Raw(`SELECT COUNT(*) FROM autofill_events WHERE policy IS NULL
			OR (gen_style_id IS NOT NULL AND propensity IS NULL)
			OR (feedback_status IS NOT NULL AND gen_style_id IS NULL)
			OR created_at > ? OR created_at < ?`, fixedNow, fixedNow.Add(-30*24*time.Hour)).Scan(&bad).Error)
		require.Zero(t, bad)
		var policies []string
		require.NoError(t, db.Raw("SELECT DISTINCT policy FROM autofill_events ORDER BY 1").Scan(&policies).Error)
		require.Equal(t, []string{"exploit", "explore"}, policies)

		// Stored rows read back through the model.
		var ev models.AutofillEvent
		require.NoError(t, db.Where("gen_style_id IS NOT NULL AND feedback_status IS NOT NULL AND status = 'ok'").
			Order("created_at").First(&ev).Error)
		require.NotEmpty(t, ev.FinalMap.V)
		require.NotNil(t, ev.EditStats.V.TotalCharsAdded)
		require.NotNil(t, ev.FeedbackAt)
		require.Equal(t, ev.ID, ev.EventID)
	})
}

type row struct {
	ID, UserID, Host, SchemaHash, Status, Policy string
	GenStyleID, FeedbackStatus, SegmentKey       *string
	EditChars, DurationMS                        *int
	Propensity                                   *float64
	CreatedAt                                    time.Time
}

func readRows(t *testing.T, db *gorm.DB) []row {
	t.Helper()
	var rows []row
	require.NoError(t, db.Raw(`SELECT id, user_id, host, schema_hash, status, policy, gen_style_id, feedback_status,
		segment_key, edit_chars, duration_ms, propensity, created_at FROM autofill_events ORDER BY created_at, id`).Scan(&rows).Error)
	for i := range rows {
		rows[i].CreatedAt = rows[i].CreatedAt.UTC()
	}
	return rows
}

func TestSeedIsDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, small(42))
		require.NoError(t, err)
		first := readRows(t, db)
		require.Len(t, first, 3000)

		again := small(42)
		again.Reset = true
		res, err := seeds.Seed(ctx, db, again)
		require.NoError(t, err)
		require.EqualValues(t, 3000, res.Deleted.Events)
		require.Equal(t, first, readRows(t, db), "same seed, same events")

		other := small(43)
		other.Reset = true
		_, err = seeds.Seed(ctx, db, other)
		require.NoError(t, err)
		second := readRows(t, db)
		require.Len(t, second, 3000)
		ids := map[string]bool{}
		for _, r := range first {
			ids[r.ID] = true
		}
		for _, r := range second {
			require.False(t, ids[r.ID], "another seed makes other events")
		}
	})
}

// addRealData makes a non-demo user with an event, a token and the event's form profile.
func addRealData(t *testing.T, db *gorm.DB) *models.User {
	t.Helper()
	ctx := context.Background()
	u, err := account.CreateUser(ctx, db, account.NewUser{Email: "real@example.com"})
	require.NoError(t, err)
	_, err = seeds.Insert(ctx, db, []seeds.Ev{{User: u.ID, Host: "boards.greenhouse.io", SchemaHash: "real-form"}})
	require.NoError(t, err)
	_, err = account.IssueToken(ctx, db, u.ID, "laptop")
	require.NoError(t, err)
	require.NoError(t, db.Exec(`INSERT INTO form_profiles (id, host, schema_hash, fields, created_at, updated_at)
		VALUES ('6f1d0c2e-0000-4000-8000-000000000001', 'boards.greenhouse.io', 'real-form', '{}', ?, ?)`, fixedNow, fixedNow).Error)
	return u
}

func TestSeedRefusesRealDataUnlessForced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		addRealData(t, db)
		_, err := seeds.Seed(ctx, db, small(1))
		require.ErrorIs(t, err, seeds.ErrRealData)
		require.EqualValues(t, 1, storetest.Count(t, db, "autofill_events"), "nothing written")
		require.EqualValues(t, 1, storetest.Count(t, db, "users"))

		opts := small(1)
		opts.Force = true
		_, err = seeds.Seed(ctx, db, opts)
		require.NoError(t, err)
		require.EqualValues(t, 3001, storetest.Count(t, db, "autofill_events"))
	})
}

func TestSeedRefusesExistingDemoUnlessReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, small(1))
		require.NoError(t, err)
		_, err = seeds.Seed(ctx, db, small(2))
		require.ErrorIs(t, err, seeds.ErrDemoExists)
		require.EqualValues(t, 3000, storetest.Count(t, db, "autofill_events"))
	})
}

func TestResetDeletesOnlyDemoData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		real := addRealData(t, db)
		opts := small(5)
		opts.Force = true
		res, err := seeds.Seed(ctx, db, opts)
		require.NoError(t, err)
		// Profiles as the aggregator would leave them: one demo form, and one with no events.
		f := res.World.Forms[0]
		require.NoError(t, db.Exec(`INSERT INTO form_profiles (id, host, schema_hash, fields, created_at, updated_at) VALUES
			('6f1d0c2e-0000-4000-8000-000000000002', ?, ?, '{}', ?, ?),
			('6f1d0c2e-0000-4000-8000-000000000003', 'gone.example.com', 'old', '{}', ?, ?)`,
			f.Host, f.SchemaHash, fixedNow, fixedNow, fixedNow, fixedNow).Error)

		res, err = seeds.Seed(ctx, db, seeds.Options{Reset: true}) // reset only: no events
		require.NoError(t, err)
		require.Equal(t, seeds.Deleted{Events: 3000, Tokens: 5, Users: 5, Profiles: 2}, res.Deleted)

		var left []models.AutofillEvent
		require.NoError(t, db.Find(&left).Error)
		require.Len(t, left, 1)
		require.Equal(t, real.ID, left[0].UserID)
		require.EqualValues(t, 1, storetest.Count(t, db, "users"))
		require.EqualValues(t, 1, storetest.Count(t, db, "api_tokens"))
		var profiles []string
		require.NoError(t, db.Raw("SELECT schema_hash FROM form_profiles").Scan(&profiles).Error)
		require.Equal(t, []string{"real-form"}, profiles)
		var styles int64
		require.NoError(t, db.Table("gen_styles").Count(&styles).Error)
		require.EqualValues(t, 6, styles, "styles stay")

		// Another finds nothing more to delete.
		res, err = seeds.Seed(ctx, db, seeds.Options{Reset: true})
		require.NoError(t, err)
		require.Equal(t, seeds.Deleted{}, res.Deleted)
	})
}

func TestTruthJSON(t *testing.T) {
	w, err := seeds.NewWorld(seeds.Options{Events: seeds.DefaultEvents, Seed: seeds.DefaultSeed, Now: fixedNow})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, w.WriteTruth(&buf))
	var truth seeds.Truth
	require.NoError(t, json.Unmarshal(buf.Bytes(), &truth))
	require.Len(t, truth.Forms, len(w.Forms))
	require.Len(t, truth.Styles, 6)
	require.Len(t, truth.Segments, 9*4, "every family × segment")
	total := 0
	sources := map[string]int{}
	for _, f := range truth.Forms {
		total += f.Events
		sources[f.ExpectedSource]++
		require.Len(t, f.Best, 5, "four segments and none")
		for seg, best := range f.Best {
			rates := f.HelpfulRate[seg]
			require.Len(t, rates, 6)
			for _, r := range rates {
				require.LessOrEqual(t, r, rates[best], "best is the highest rate")
				require.True(t, r >= 0.05 && r <= 0.95)
			}
		}
	}
	require.Equal(t, seeds.DefaultEvents, total)
	for _, s := range []string{"form", "segment", "family", "none"} {
		require.Positive(t, sources[s], s)
	}
	// Ground truth differs by segment: somewhere the best style for interns and seniors differ.
	differ := 0
	for _, f := range truth.Forms {
		if f.Best["intern"] != f.Best["senior"] {
			differ++
		}
	}
	require.Greater(t, differ, len(truth.Forms)/2)
}
