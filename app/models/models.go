// Package models holds the GORM structs of the service. They carry no business logic; the
// migrations in /migrations own the schema and keep their own copies of these structs.
package models

import "time"

// User is a person using the extension or the admin pages. Ids are strings (varchar 64), as in
// the original service's users table.
type User struct {
	ID           string  `gorm:"primaryKey;size:64"`
	Email        string  `gorm:"size:320;uniqueIndex"`
	Name         *string `gorm:"size:255"`
	PictureURL   *string
	IsDemo       bool
	IsAdmin      bool
	PasswordHash *string
	SessionEpoch int        // sessions signed at another epoch are over (sign out everywhere)
	DisabledAt   *time.Time // set by an admin: no sign-in, no token works
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// APIToken is an extension token. Only its SHA-256 hash is stored, with a short prefix that
// lets a person recognise it.
type APIToken struct {
	ID         string `gorm:"primaryKey;size:64"`
	UserID     string `gorm:"size:64;index"`
	Name       string
	Prefix     string `gorm:"size:16"`
	TokenHash  string `gorm:"size:64;uniqueIndex"`
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// TableName keeps the table name explicit.
func (APIToken) TableName() string { return "api_tokens" }

// EditStats is what the extension measured of the user's edits.
type EditStats struct {
	TotalCharsAdded   *int           `json:"total_chars_added,omitempty"`
	TotalCharsDeleted *int           `json:"total_chars_deleted,omitempty"`
	PerField          map[string]any `json:"per_field,omitempty"`
}

// AutofillEvent is one autofill run synced by the extension.
type AutofillEvent struct {
	ID               string `gorm:"primaryKey"`
	EventID          string // the client's idempotency key, unique per user
	UserID           string `gorm:"size:64"`
	Host             string
	SchemaHash       string
	HostFamily       string `gorm:"size:32"` // "" when the host is in no family
	SuggestedMap     JSON[StringMap]
	FinalMap         JSON[StringMap]
	GenStyleID       *string
	EditStats        JSON[EditStats]
	DurationMS       *int `gorm:"column:duration_ms"`
	ValidationErrors JSON[map[string]any]
	Status           string
	ApplicationID    *int
	FeedbackStatus   *string // helpful | unhelpful | nil
	EditChars        *int
	SegmentKey       *string `gorm:"size:128"`
	// Discipline is the job's discipline by learning's rules of version DisciplineRules (nil:
	// no job title, or an event stored before disciplines were).
	Discipline      *string `gorm:"size:32"`
	DisciplineRules *int16
	Policy          *string `gorm:"size:16"`
	Propensity      *float64
	// PropensityImputed: the client sent no propensity; it was imputed from what /profile served
	// the caller (learning.ImputePropensity).
	PropensityImputed bool
	OccurredAt        *time.Time // when the client says the run happened
	FeedbackAt        *time.Time
	CreatedAt         time.Time // server receipt time: the aggregator's window
	// Derived from the content by learning.Derive, which every writer calls: a fingerprint of
	// FinalMap and the edits of EditStats as the aggregator counts them (nil: none reported).
	FinalMapHash *int64
	EditTotal    *int
}

// FormProfile is what the aggregator knows of one form (host, schema_hash).
type FormProfile struct {
	ID            string `gorm:"primaryKey"`
	Host          string
	SchemaHash    string
	HostFamily    string          // "" when the host is in no family; written with the profile (learning.Family)
	Fields        JSON[StringMap] // the canonical map
	SuccessRate   *float64
	AvgEditChars  *float64
	AvgDurationMS *int `gorm:"column:avg_duration_ms"`
	EventCount    int
	LastSeenAt    *time.Time
	LastEventAt   *time.Time
	StyleHint     JSON[*StyleHint]
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// GenStyle is an answer-generation style.
type GenStyle struct {
	ID           string `gorm:"primaryKey"`
	Name         string
	Temperature  float64
	Tone         string
	Format       string
	LengthHint   string
	KeywordsJSON JSON[[]string] `gorm:"column:keywords_json"`
	PriorWeight  float64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// DataDeletion records that a user deleted all their events (for the admins; the events are gone).
type DataDeletion struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	Email     string
	Events    int
	CreatedAt time.Time
}

// AggregatorRun is one run of the aggregator.
type AggregatorRun struct {
	ID              string `gorm:"primaryKey"`
	Trigger         string `gorm:"column:triggered_by"` // cli | schedule | admin
	Days            int
	DryRun          bool
	Status          string // running | ok | error
	FormsTotal      int
	FormsDone       int
	EventsRead      int64
	ProfilesUpdated int
	HintsChanged    int
	PicksChanged    int // (form, segment) picks whose style changed; the first ones are in AggregatorRunChange
	SourceMix       JSON[map[string]int]
	Error           *string
	StartedAt       time.Time
	HeartbeatAt     time.Time
	FinishedAt      *time.Time
	DurationMS      *int64 `gorm:"column:duration_ms"`
}

// ProfileRead is a caller's last read of a form's profile: what it was served, and a rating
// held for the run that read started (sent before that run's sync).
type ProfileRead struct {
	UserID             string `gorm:"primaryKey"`
	Host               string `gorm:"primaryKey"`
	SchemaHash         string `gorm:"primaryKey"`
	ReadAt             time.Time
	PreferredStyleID   *string
	CompetitorStyleIDs JSON[[]string]
	ServedStyleID      *string // the style the server chose for the run (with ServedPolicy, ServedPropensity), when it chose
	ServedPolicy       *string
	ServedPropensity   *float64
	PendingFeedback    *string
	PendingStyleID     *string
	PendingAt          *time.Time
}

// AggregatorRunChange is one (form, segment) pick that a run changed, and why.
type AggregatorRunChange struct {
	RunID      string `gorm:"primaryKey"`
	Seq        int    `gorm:"primaryKey"`
	Host       string
	SchemaHash string
	SegmentKey string
	FromStyle  *string
	ToStyle    *string
	FromSource string
	ToSource   string
	Reason     string
}
