package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

// TestAdoptLegacyPhase50 loads a production database of the original service at Phase 5.0
// (users.id varchar, no segment_key, no policy) and migrates it with no manual SQL.
func TestAdoptLegacyPhase50(t *testing.T) {
	pg := storetest.Postgres(t, "the legacy fixture is a Postgres dump")
	ctx := context.Background()
	db, _ := pg.Open(t)
	require.NoError(t, db.Exec(string(storetest.Testdata(t, "legacy_phase50_postgres.sql"))).Error)

	type event struct {
		ID, UserID, Host, SchemaHash, Status string
		GenStyleID, FeedbackStatus           *string
		EditChars, ApplicationID             *int
	}
	var before []event
	require.NoError(t, db.Raw(`SELECT id::text AS id, user_id, host, schema_hash, status, gen_style_id,
		feedback_status, edit_chars, application_id FROM autofill_events ORDER BY id`).Scan(&before).Error)
	require.Len(t, before, 4)
	counts := map[string]int64{}
	for _, tbl := range []string{"users", "autofill_events", "form_profiles", "gen_styles", "extension_applications"} {
		counts[tbl] = storetest.Count(t, db, tbl)
	}
	var weight float64
	require.NoError(t, db.Raw("SELECT prior_weight FROM gen_styles WHERE id = 'confident_detailed_v1'").Scan(&weight).Error)

	require.NoError(t, migrations.Up(ctx, db))

	st, err := migrations.ReadStatus(ctx, db)
	require.NoError(t, err)
	require.True(t, st.Current())
	require.Equal(t, "character varying(128)", st.Checks[0].Detail)
	require.True(t, st.Checks[1].Present)

	for tbl, n := range counts {
		require.Equal(t, n, storetest.Count(t, db, tbl), tbl)
	}
	var after []event
	require.NoError(t, db.Raw(`SELECT id::text AS id, user_id, host, schema_hash, status, gen_style_id,
		feedback_status, edit_chars, application_id FROM autofill_events ORDER BY id`).Scan(&after).Error)
	require.Equal(t, before, after, "every row and id kept")

	// Existing types are kept: ids stay varchar, the foreign key stays.
	var userIDType, eventIDType string
	require.NoError(t, db.Raw(`SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()
		AND table_name = 'autofill_events' AND column_name = 'user_id'`).Scan(&userIDType).Error)
	require.Equal(t, "character varying", userIDType)
	require.NoError(t, db.Raw(`SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()
		AND table_name = 'autofill_events' AND column_name = 'event_id'`).Scan(&eventIDType).Error)
	require.Equal(t, "uuid", eventIDType)

	// event_id backfilled from id, host_family from host.
	var missing int64
	require.NoError(t, db.Raw("SELECT count(*) FROM autofill_events WHERE event_id IS NULL OR event_id <> id").Scan(&missing).Error)
	require.Zero(t, missing)
	var families []string
	require.NoError(t, db.Raw("SELECT DISTINCT host_family FROM autofill_events ORDER BY 1").Scan(&families).Error)
	require.Equal(t, []string{"greenhouse", "lever"}, families)

	// The derived columns are backfilled: each row's fingerprint of its map, and its edit total
	// as the aggregator counts it (a row whose edit_stats reports nothing has none).
	rows := readDerived(t, db)
	total := func(n int64) *int64 { return &n }
	want := map[int64]*int64{
		hashOf(t, `{"input[name=first_name]":"first_name","input[name=email]":"email"}`): total(15),
		hashOf(t, `{"input[name=first_name]":"first_name"}`):                             total(0),
		hashOf(t, `{"input[name=name]":"full_name"}`):                                    nil,
		hashOf(t, `{}`): total(3),
	}
	require.Len(t, rows, len(want))
	for _, r := range rows {
		require.NotNil(t, r.FinalMapHash)
		wantTotal, ok := want[*r.FinalMapHash]
		require.True(t, ok, "fingerprint %d is one of the legacy maps'", *r.FinalMapHash)
		require.Equal(t, wantTotal, r.EditTotal)
		delete(want, *r.FinalMapHash)
	}

	var weightAfter float64
	require.NoError(t, db.Raw("SELECT prior_weight FROM gen_styles WHERE id = 'confident_detailed_v1'").Scan(&weightAfter).Error)
	require.Equal(t, weight, weightAfter, "seeded styles are not overwritten")

	// The legacy form profile's hint survives.
	var hint string
	require.NoError(t, db.Raw("SELECT style_hint::text FROM form_profiles WHERE schema_hash = 'gh-acme-1'").Scan(&hint).Error)
	require.Contains(t, hint, "concise_bullets_v1")

	// A second up does nothing.
	require.NoError(t, migrations.Up(ctx, db))
	var applied int64
	require.NoError(t, db.Table(migrations.TableName).Count(&applied).Error)
	require.EqualValues(t, len(migrations.IDs()), applied)

	// Rolling everything back removes only what we added: the original's tables and rows stay.
	require.NoError(t, migrations.DownAll(ctx, db))
	for tbl, n := range counts {
		require.Equal(t, n, storetest.Count(t, db, tbl), tbl)
	}
	require.False(t, db.Migrator().HasColumn("autofill_events", "segment_key"))
	require.False(t, db.Migrator().HasColumn("autofill_events", "final_map_hash"))
	require.False(t, db.Migrator().HasColumn("autofill_events", "edit_total"))
	require.False(t, db.Migrator().HasTable("api_tokens"))
	require.NoError(t, migrations.Up(ctx, db))
}
