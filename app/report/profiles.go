package report

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// ProfilesPageSize is how many profiles a page lists.
const ProfilesPageSize = 25

// Profile sort orders.
const (
	SortRecent  = "recent"  // last seen first
	SortEvents  = "events"  // most events first
	SortHost    = "host"    // by host and schema hash
	SortSuccess = "success" // highest success rate first
	SortUpdated = "updated" // last aggregated first
)

// ProfileSorts lists the sort orders; the first is the default.
func ProfileSorts() []string {
	return []string{SortRecent, SortEvents, SortHost, SortSuccess, SortUpdated}
}

var profileOrder = map[string]string{
	SortRecent:  "last_seen_at DESC NULLS LAST, id",
	SortEvents:  "event_count DESC, host, schema_hash",
	SortHost:    "host, schema_hash",
	SortSuccess: "success_rate DESC NULLS LAST, event_count DESC, id",
	SortUpdated: "updated_at DESC NULLS LAST, id",
}

// ProfileFilter selects and orders profiles. Empty fields do not filter.
type ProfileFilter struct {
	Family  string // a family, or learning.FamilyOther
	Source  string // the overall hint's source; none includes profiles with no hint
	Segment string // profiles with a hint for this segment
	// Discipline: profiles of forms with events of jobs of this discipline (learning.Disciplines).
	Discipline string
	Host       string // text the host contains
	Sort       string
	Page       int
}

// ProfileRow is one line of the profiles list.
type ProfileRow struct {
	ID          string
	Host        string
	SchemaHash  string
	Family      string // label: learning.FamilyOther for none
	Source      string
	Preferred   string // the overall preferred style, "" for none
	Segments    []string
	EventCount  int
	SuccessRate *float64
	AvgEdits    *float64
	Aggregated  bool
	Withheld    bool
	Profile     models.FormProfile
}

// ListProfiles returns a page of profiles and how many match.
func ListProfiles(ctx context.Context, db *gorm.DB, f ProfileFilter) ([]ProfileRow, int64, error) {
	db = db.WithContext(ctx)
	d := store.DialectOf(db)
	q := db.Model(&models.FormProfile{})
	if f.Family != "" {
		family, ok := storedFamily(f.Family)
		if !ok {
			return nil, 0, nil
		}
		q = q.Where("host_family = ?", family)
	}
	if f.Source != "" {
		q = q.Where("COALESCE("+d.JSONText("style_hint", "source")+", 'none') = ?", f.Source)
	}
	if f.Segment != "" {
		// The key goes into the JSON path, so only known segments pass.
		if f.Segment == None || !learning.ValidSegment(f.Segment) {
			return nil, 0, fmt.Errorf("segment %q: %w", f.Segment, ErrBadFilter)
		}
		q = q.Where(d.JSONText("style_hint", "by_segment", f.Segment) + " IS NOT NULL")
	}
	if f.Discipline != "" {
		if !learning.ValidDiscipline(f.Discipline) {
			return nil, 0, fmt.Errorf("discipline %q: %w", f.Discipline, ErrBadFilter)
		}
		// Answered from the events' discipline index, then matched to the profiles by form.
		q = q.Where("(host, schema_hash) IN (SELECT host, schema_hash FROM autofill_events WHERE discipline = ?)", f.Discipline)
	}
	if h := strings.ToLower(strings.TrimSpace(f.Host)); h != "" {
		q = q.Where(`host LIKE ? ESCAPE '\'`, likePattern(h))
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count profiles: %w", err)
	}
	order, ok := profileOrder[f.Sort]
	if !ok {
		order = profileOrder[SortRecent]
	}
	var ps []models.FormProfile
	err := q.Select("id", "host", "schema_hash", "host_family", "success_rate", "avg_edit_chars", "avg_duration_ms", "event_count",
		"last_seen_at", "last_event_at", "style_hint", "created_at", "updated_at").
		Order(order).Limit(ProfilesPageSize).Offset(offset(f.Page, ProfilesPageSize)).Find(&ps).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list profiles: %w", err)
	}
	rows := make([]ProfileRow, len(ps))
	for i, p := range ps {
		rows[i] = profileRow(p)
	}
	return rows, total, nil
}

func profileRow(p models.FormProfile) ProfileRow {
	r := ProfileRow{
		ID: p.ID, Host: p.Host, SchemaHash: p.SchemaHash, EventCount: p.EventCount,
		SuccessRate: p.SuccessRate, AvgEdits: p.AvgEditChars, Source: models.SourceNone,
		Family: learning.FamilyLabel(p.HostFamily), Withheld: learning.Withheld(&p), Profile: p,
	}
	if h := p.StyleHint.V; h != nil {
		r.Aggregated = true
		if h.Source != "" {
			r.Source = h.Source
		}
		if h.PreferredStyleID != nil {
			r.Preferred = *h.PreferredStyleID
		}
		for s := range h.BySegment {
			r.Segments = append(r.Segments, s)
		}
		sortSegments(r.Segments)
	}
	return r
}

// sortSegments orders segment keys as learning.Segments does, unknown ones last.
func sortSegments(keys []string) {
	rank := map[string]int{}
	for i, s := range learning.Segments() {
		rank[s] = i + 1
	}
	sort.Slice(keys, func(i, j int) bool {
		ri, rj := rank[keys[i]], rank[keys[j]]
		if ri == 0 {
			ri = 1 << 20
		}
		if rj == 0 {
			rj = 1 << 20
		}
		if ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
}

// ChoiceDetail is one choice of a profile (overall or for a segment) with its explanation.
type ChoiceDetail struct {
	Segment     string // "" for the overall choice
	Choice      models.Choice
	Explanation string
}

// ProfileDetail is everything the profile page shows.
type ProfileDetail struct {
	Row        ProfileRow
	Profile    models.FormProfile
	Hint       *models.StyleHint
	Confidence float64
	Overall    ChoiceDetail
	BySegment  []ChoiceDetail
}

// GetProfile reads one profile with its choices explained.
func GetProfile(ctx context.Context, db *gorm.DB, id string) (*ProfileDetail, error) {
	// The column is a uuid on Postgres, which fails a query with any other text: such an id
	// names no profile, on either database. The canonical form is what both store.
	u, err := uuid.Parse(id)
	if err != nil {
		return nil, fmt.Errorf("profile %q: %w", id, ErrNotFound)
	}
	pp, err := byID[models.FormProfile](ctx, db, "profile", u.String())
	if err != nil {
		return nil, err
	}
	p := *pp
	d := &ProfileDetail{Row: profileRow(p), Profile: p, Hint: p.StyleHint.V, Confidence: learning.Confidence(&p)}
	h := p.StyleHint.V
	if h == nil {
		d.Overall = ChoiceDetail{Choice: models.Choice{Source: models.SourceNone},
			Explanation: learning.NoHintExplanation + " for this form: the aggregator has not processed it. Run the aggregator from the overview."}
		return d, nil
	}
	family := p.HostFamily
	d.Overall = ChoiceDetail{Choice: h.Choice, Explanation: learning.Explain(h.Choice, family, h.Thresholds)}
	for _, s := range d.Row.Segments {
		c := h.BySegment[s]
		d.BySegment = append(d.BySegment, ChoiceDetail{Segment: s, Choice: c, Explanation: learning.Explain(c, family, h.Thresholds)})
	}
	return d, nil
}
