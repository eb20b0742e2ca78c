package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// phase50LearningTables is the original's Phase 5.0 schema, with the fix that blocked its
// deployment: autofill_events.user_id is varchar(64), like users.id. On a database of the
// original service every table exists already and this step only records itself.
var phase50LearningTables = &gormigrate.Migration{
	ID: "202511010000_phase50_learning_tables",
	Migrate: func(tx *gorm.DB) error {
		if err := ddl(tx, "CREATE TABLE IF NOT EXISTS "+ownedTable+" (name varchar(64) PRIMARY KEY)"); err != nil {
			return err
		}
		tables := []struct{ name, body string }{
			{"users", `
				id          varchar(64)  PRIMARY KEY,
				email       varchar(320) NOT NULL,
				name        varchar(255),
				picture_url text,
				is_demo     boolean      NOT NULL DEFAULT false,
				created_at  {ts}         NOT NULL DEFAULT {now},
				updated_at  {ts}         NOT NULL DEFAULT {now}`},
			{"form_profiles", `
				id              {uuid}        PRIMARY KEY,
				host            text          NOT NULL,
				schema_hash     text          NOT NULL,
				fields          {json}        NOT NULL DEFAULT '{}',
				success_rate    {real}(5,2),
				avg_edit_chars  {real}(10,2),
				avg_duration_ms integer,
				last_seen_at    {ts},
				created_at      {ts}          NOT NULL DEFAULT {now},
				style_hint      {json}`},
			{"autofill_events", `
				id                {uuid}      PRIMARY KEY,
				user_id           varchar(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				host              text        NOT NULL,
				schema_hash       text        NOT NULL,
				suggested_map     {json}      NOT NULL DEFAULT '{}',
				final_map         {json}      NOT NULL DEFAULT '{}',
				gen_style_id      text,
				edit_stats        {json}      NOT NULL DEFAULT '{}',
				duration_ms       integer,
				validation_errors {json}      NOT NULL DEFAULT '{}',
				status            text        NOT NULL DEFAULT 'ok',
				created_at        {ts}        NOT NULL DEFAULT {now},
				application_id    integer,
				feedback_status   text,
				edit_chars        integer`},
			{"gen_styles", `
				id            text          PRIMARY KEY,
				name          text          NOT NULL,
				temperature   {real}(3,2)   NOT NULL DEFAULT 0.7,
				tone          text          NOT NULL DEFAULT 'concise',
				format        text          NOT NULL DEFAULT 'bullets',
				length_hint   text          NOT NULL DEFAULT 'medium',
				keywords_json {json}        NOT NULL DEFAULT '[]',
				prior_weight  {real}(10,4)  NOT NULL DEFAULT 1.0,
				created_at    {ts}          NOT NULL DEFAULT {now},
				updated_at    {ts}          NOT NULL DEFAULT {now}`},
		}
		for _, t := range tables {
			if err := createTableIfMissing(tx, t.name, t.body); err != nil {
				return err
			}
		}
		return ddl(tx,
			"CREATE UNIQUE INDEX IF NOT EXISTS ix_users_email ON users (email)",
			"CREATE UNIQUE INDEX IF NOT EXISTS ix_form_profiles_host_schema ON form_profiles (host, schema_hash)",
			"CREATE INDEX IF NOT EXISTS ix_form_profiles_last_seen ON form_profiles (last_seen_at)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_user_id ON autofill_events (user_id)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_host_schema ON autofill_events (host, schema_hash)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_created_at ON autofill_events (created_at)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_status ON autofill_events (status)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_gen_style_id ON autofill_events (gen_style_id)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_feedback_status ON autofill_events (feedback_status)",
			"CREATE INDEX IF NOT EXISTS ix_gen_styles_prior_weight ON gen_styles (prior_weight)",
			`INSERT INTO gen_styles (id, name, temperature, tone, format, length_hint, prior_weight) VALUES
				('concise_bullets_v1',    'Concise Bullets',      0.5, 'concise',   'bullets',   'short',  1.0),
				('narrative_para_v1',     'Narrative Paragraph',  0.7, 'narrative', 'paragraph', 'medium', 1.0),
				('confident_detailed_v1', 'Confident & Detailed', 0.6, 'confident', 'bullets',   'long',   1.0)
			ON CONFLICT (id) DO NOTHING`,
		)
	},
	Rollback: func(tx *gorm.DB) error {
		// Only the tables this step created go; adopted ones (and their rows) stay.
		for _, name := range []string{"autofill_events", "form_profiles", "gen_styles", "users"} {
			if err := dropOwnedTable(tx, name); err != nil {
				return err
			}
		}
		return ddl(tx, "DROP TABLE IF EXISTS "+ownedTable)
	},
}
