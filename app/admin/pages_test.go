package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

func TestProfilesListAndPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, true)

		var profiles []models.FormProfile
		require.NoError(t, db.Find(&profiles).Error)
		bySource := map[string]int{}
		byFamily := map[string]int{}
		for _, p := range profiles {
			src := "none"
			if h := p.StyleHint.V; h != nil {
				src = h.Source
			}
			bySource[src]++
			byFamily[learning.FamilyLabel(learning.Family(p.Host))]++
		}

		doc := c.page(admin.PathProfiles)
		require.Contains(t, text(doc.Selection, "profiles-summary"), fmtCount(len(profiles))+" profiles")
		require.Len(t, byTestID(doc, "profile-row").Nodes, min(25, len(profiles)))

		// Filters: the summary counts what the database holds.
		for _, q := range []url.Values{{"source": {"form"}}, {"source": {"family"}}, {"family": {"greenhouse"}}, {"family": {"workday"}}} {
			doc := c.page(admin.PathProfiles + "?" + q.Encode())
			want := bySource[q.Get("source")]
			if f := q.Get("family"); f != "" {
				want = byFamily[f]
			}
			if want == 0 {
				require.Equal(t, 1, byTestID(doc, "profiles-empty").Length(), q.Encode())
				continue
			}
			require.Contains(t, text(doc.Selection, "profiles-summary"), fmtCount(want)+" profile", q.Encode())
			doc.Find(`[data-testid="profile-row"]`).Each(func(_ int, s *goquery.Selection) {
				if src := q.Get("source"); src != "" {
					require.Equal(t, src, text(s, "badge"))
				}
			})
		}
		// Discipline: the profiles of forms with events of jobs of that discipline, counted
		// here from the events; with a segment, both must hold.
		var formDiscs []struct{ Host, SchemaHash, Discipline string }
		require.NoError(t, db.Model(&models.AutofillEvent{}).Distinct("host", "schema_hash", "discipline").
			Where("discipline IS NOT NULL").Scan(&formDiscs).Error)
		withDisc := map[string]map[[2]string]bool{}
		for _, r := range formDiscs {
			if withDisc[r.Discipline] == nil {
				withDisc[r.Discipline] = map[[2]string]bool{}
			}
			withDisc[r.Discipline][[2]string{r.Host, r.SchemaHash}] = true
		}
		require.NotEmpty(t, withDisc["data"])
		for _, d := range []string{"data", "sales", "people"} {
			want, wantSenior := 0, 0
			for _, p := range profiles {
				if withDisc[d][[2]string{p.Host, p.SchemaHash}] {
					want++
					if h := p.StyleHint.V; h != nil {
						if _, ok := h.BySegment["senior"]; ok {
							wantSenior++
						}
					}
				}
			}
			require.Positive(t, want, d)
			doc := c.page(admin.PathProfiles + "?discipline=" + d)
			require.Contains(t, text(doc.Selection, "profiles-summary"), fmtCount(want)+" profile", d)
			require.Equal(t, d, doc.Find(`select[name="discipline"] option[selected]`).AttrOr("value", ""))
			doc = c.page(admin.PathProfiles + "?discipline=" + d + "&segment=senior")
			require.Contains(t, text(doc.Selection, "profiles-summary"), fmtCount(wantSenior)+" profile", d)
		}
		doc = c.page(admin.PathProfiles + "?discipline=wizardry")
		require.Contains(t, text(doc.Selection, "profiles-summary"), fmtCount(len(profiles))+" profiles", "an unknown discipline is ignored")

		// The selected filter stays selected, an unknown value is ignored.
		doc = c.page(admin.PathProfiles + "?source=form&sort=events&family=bogus")
		require.Equal(t, "form", doc.Find(`select[name="source"] option[selected]`).AttrOr("value", ""))
		require.Equal(t, "events", doc.Find(`select[name="sort"] option[selected]`).AttrOr("value", ""))
		require.Equal(t, "", doc.Find(`select[name="family"] option[selected]`).AttrOr("value", "x"))

		// Pages: the second page continues the first.
		if len(profiles) > 25 {
			doc = c.page(admin.PathProfiles + "?sort=host")
			next := byTestID(doc, "pager-next").AttrOr("href", "")
			require.Contains(t, next, "page=2")
			first := byTestID(doc, "profile-link").First().Text()
			doc2 := c.page(next)
			require.NotEqual(t, first, byTestID(doc2, "profile-link").First().Text())
			require.NotEmpty(t, byTestID(doc2, "pager-prev").AttrOr("href", ""))
		}

		// A profile with a form-level hint: its map, its choices, the winner marked.
		var p models.FormProfile
		for _, x := range profiles {
			if h := x.StyleHint.V; h != nil && h.Source == models.SourceForm && len(x.Fields.V) > 0 {
				p = x
				break
			}
		}
		require.NotEmpty(t, p.ID)
		doc = c.page(strings.Replace(admin.PathProfile, ":id", p.ID, 1))
		require.Equal(t, p.Host, text(doc.Selection, "page-title"))
		require.Len(t, byTestID(doc, "canonical-row").Nodes, len(p.Fields.V))
		overall := byTestID(doc, "choice-overall")
		require.Equal(t, *p.StyleHint.V.PreferredStyleID, text(overall, "preferred"))
		require.Equal(t, learning.Explain(p.StyleHint.V.Choice, p.StyleHint.V.HostFamily, p.StyleHint.V.Thresholds), text(overall, "explanation"))
		winners := overall.Find(`tr[data-winner="true"]`)
		require.Equal(t, 1, winners.Length())
		require.Equal(t, *p.StyleHint.V.PreferredStyleID, strings.TrimSpace(winners.Find("code").First().Text()))
		require.Len(t, overall.Find(`[data-testid="candidate"]`).Nodes, len(p.StyleHint.V.Candidates))
		for seg := range p.StyleHint.V.BySegment {
			require.Equal(t, 1, byTestID(doc, "choice-"+seg).Length(), "a section for %s", seg)
		}
	})
}

// fmtCount writes n with thousands separators, as the pages do.
func fmtCount(n int) string {
	d := strconv.Itoa(n)
	var b strings.Builder
	for i := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(d[i])
	}
	return b.String()
}

func TestEventsList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, true)

		doc := c.page(admin.PathEvents)
		rows := byTestID(doc, "event-row")
		require.Len(t, rows.Nodes, 50)
		next := byTestID(doc, "pager-next").AttrOr("href", "")
		require.Contains(t, next, "before=")
		doc2 := c.page(next)
		require.Len(t, byTestID(doc2, "event-row").Nodes, 50)

		doc = c.page(admin.PathEvents + "?segment=senior&policy=explore")
		require.NotZero(t, byTestID(doc, "event-row").Length())
		byTestID(doc, "event-segment").Each(func(_ int, s *goquery.Selection) { require.Equal(t, "senior", strings.TrimSpace(s.Text())) })

		// Discipline, with a segment: as many rows as the database holds (a page at most), each
		// of that discipline; the filter stays selected.
		for _, d := range []string{"data", "design", "none"} {
			var n int64
			q := db.Model(&models.AutofillEvent{}).Where("segment_key = 'senior'")
			if d == "none" {
				q = q.Where("discipline IS NULL OR discipline = ''")
			} else {
				q = q.Where("discipline = ?", d)
			}
			require.NoError(t, q.Count(&n).Error)
			doc = c.page(admin.PathEvents + "?segment=senior&discipline=" + d)
			require.Equal(t, int(min(n, 50)), byTestID(doc, "event-row").Length(), d)
			want := d
			if d == "none" {
				want = "—"
			}
			byTestID(doc, "event-discipline").Each(func(_ int, s *goquery.Selection) { require.Equal(t, want, strings.TrimSpace(s.Text())) })
			require.Equal(t, d, doc.Find(`select[name="discipline"] option[selected]`).AttrOr("value", ""))
		}

		var host string
		require.NoError(t, db.Model(&models.AutofillEvent{}).Select("host").Order("created_at DESC").Limit(1).Scan(&host).Error)
		var n int64
		require.NoError(t, db.Model(&models.AutofillEvent{}).Where("host = ? AND feedback_status = 'helpful'", host).Count(&n).Error)
		doc = c.page(admin.PathEvents + "?" + url.Values{"host": {strings.ToUpper(host)}, "rating": {"helpful"}}.Encode())
		require.Equal(t, int(min(n, 50)), byTestID(doc, "event-row").Length())

		for _, before := range []string{"garbage", "2026-12-07T00:00:00Z_x"} { // the second passed as a cursor: a 500 on Postgres
			r := c.get(admin.PathEvents + "?before=" + url.QueryEscape(before))
			require.Equal(t, http.StatusBadRequest, r.StatusCode, before)
		}
		doc = c.page(admin.PathEvents + "?family=ashby&segment=intern&rating=unhelpful&style=none")
		require.Equal(t, 1, byTestID(doc, "events-empty").Length())
	})
}

func TestStylesCreateAndEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, false)

		doc := c.page(admin.PathStyles)
		require.Equal(t, 1, byTestID(doc, "style-row-concise_bullets_v1").Length())

		// The prior weight is the aggregator's: shown with a note, never an input.
		doc = c.page(admin.PathStyleNew)
		require.Empty(t, byTestID(doc, "input-prior_weight").Nodes)
		require.Equal(t, "1", text(doc.Selection, "value-prior_weight"))
		require.Contains(t, text(doc.Selection, "note-prior_weight"), "aggregator")

		r := c.post(admin.PathStyles, url.Values{"id": {"Bad Id"}, "name": {""}, "temperature": {"7"}, "tone": {"warm"},
			"format": {"bullets"}, "length_hint": {"huge"}, "keywords": {"a, b"}, "prior_weight": {"-1"}})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		for _, f := range []string{"id", "name", "temperature", "length_hint"} {
			require.NotEmpty(t, text(r.Doc.Selection, "error-"+f), "an error next to %s", f)
		}
		require.Empty(t, text(r.Doc.Selection, "error-tone"))
		require.Empty(t, text(r.Doc.Selection, "error-prior_weight"), "a posted prior weight is ignored")
		require.Equal(t, "1", text(r.Doc.Selection, "value-prior_weight"))
		require.Equal(t, "warm", byTestID(r.Doc, "input-tone").AttrOr("value", ""), "what was typed stays")

		// Not a number, or not finite: the error sits next to the field.
		for _, temp := range []string{"NaN", "nan", "Inf", "+Inf", "-inf", "infinity", "1e999"} {
			c.page(admin.PathStyleNew)
			r = c.post(admin.PathStyles, url.Values{"id": {"odd_temp"}, "name": {"Odd"}, "temperature": {temp}, "tone": {"warm"},
				"format": {"bullets"}, "length_hint": {"short"}})
			require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, temp)
			field := byTestID(r.Doc, "input-temperature").Parent()
			require.Equal(t, "A number from 0 to 2.", text(field, "error-temperature"), temp)
			require.Equal(t, temp, byTestID(r.Doc, "input-temperature").AttrOr("value", ""), "what was typed stays")
		}

		// Lengths are in characters, as the errors say: 80 accented letters are a name.
		c.page(admin.PathStyleNew)
		r = c.post(admin.PathStyles, url.Values{"id": {"accented_v1"}, "name": {strings.Repeat("é", 80)}, "temperature": {"0.5"},
			"tone": {strings.Repeat("é", 40)}, "format": {"bullets"}, "length_hint": {"short"}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)

		form := url.Values{"id": {"warm_story_v1"}, "name": {"Warm Story"}, "temperature": {"0.8"}, "tone": {"warm"},
			"format": {"paragraph"}, "length_hint": {"long"}, "keywords": {"impact, team"}, "prior_weight": {"NaN"}}
		r = c.post(admin.PathStyles, form)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		doc = c.page(r.Header.Get("Location"))
		require.Equal(t, "Style created.", text(doc.Selection, "flash"))
		require.Contains(t, byTestID(doc, "style-row-warm_story_v1").Text(), "impact, team")
		require.Contains(t, text(doc.Selection, "prior-weight-note"), "Set by the aggregator")
		var s models.GenStyle
		require.NoError(t, db.Where("id = ?", "warm_story_v1").Take(&s).Error)
		require.Equal(t, 1.0, s.PriorWeight, "a new style starts neutral, whatever was posted")

		c.page(admin.PathStyleNew)
		r = c.post(admin.PathStyles, form)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.Equal(t, "A style with this id exists already.", text(r.Doc.Selection, "error-id"))

		// As an aggregator run would.
		require.NoError(t, db.Exec("UPDATE gen_styles SET prior_weight = 1.75 WHERE id = ?", "warm_story_v1").Error)
		edit := strings.Replace(admin.PathStyle, ":id", "warm_story_v1", 1)
		doc = c.page(edit)
		require.Equal(t, "warm_story_v1", text(doc.Selection, "style-id"))
		require.Equal(t, "1.75", text(doc.Selection, "value-prior_weight"))
		require.Empty(t, byTestID(doc, "input-prior_weight").Nodes)
		form.Set("name", "Warm Story II")
		form.Set("prior_weight", "5")
		form.Set("temperature", "NaN")
		r = c.post(edit, form)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.NotEmpty(t, text(byTestID(r.Doc, "input-temperature").Parent(), "error-temperature"))
		require.Equal(t, "1.75", text(r.Doc.Selection, "value-prior_weight"), "the stored weight, not the posted one")
		form.Set("temperature", "0.4")
		r = c.post(edit, form)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
		require.NoError(t, db.Where("id = ?", "warm_story_v1").Take(&s).Error)
		require.Equal(t, "Warm Story II", s.Name)
		require.InDelta(t, 0.4, s.Temperature, 1e-9)
		require.Equal(t, []string{"impact", "team"}, s.KeywordsJSON.V)
		require.InDelta(t, 1.75, s.PriorWeight, 1e-9, "saving the form leaves the aggregator's weight alone")
	})
}

func TestTokensIssueAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		c, _ := signedIn(t, db, false)

		c.page(admin.PathTokens)
		r := c.post(admin.PathTokens, url.Values{"email": {"dana@example.test"}, "name": {"laptop"}})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.Contains(t, text(r.Doc.Selection, "error-email"), "No user has this email")
		r = c.post(admin.PathTokens, url.Values{"email": {"not an email"}, "create_user": {"1"}})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)

		r = c.post(admin.PathTokens, url.Values{"email": {"dana@example.test"}, "name": {"laptop"}, "create_user": {"1"}})
		require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
		plain := text(r.Doc.Selection, "token-plain")
		require.True(t, strings.HasPrefix(plain, account.TokenPrefix), plain)
		_, u, err := account.Authenticate(ctx, db, plain)
		require.NoError(t, err)
		require.Equal(t, "dana@example.test", u.Email)

		doc := c.page(admin.PathTokens)
		require.NotContains(t, doc.Text(), plain, "shown once")
		row := byTestID(doc, "token-row")
		require.Equal(t, 1, row.Length())
		require.Contains(t, row.Text(), plain[:10])

		c.page(admin.PathTokens)
		r = c.post(row.Find("form").AttrOr("action", ""), nil)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
		_, _, err = account.Authenticate(ctx, db, plain)
		require.ErrorIs(t, err, account.ErrNotFound)
		doc = c.page(r.Header.Get("Location"))
		require.Contains(t, text(doc.Selection, "flash"), "revoked")
		require.Equal(t, 0, byTestID(doc, "revoke-token").Length())
		r = c.post(row.Find("form").AttrOr("action", ""), nil)
		require.Equal(t, http.StatusNotFound, r.StatusCode)
	})
}

func TestSchemaPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, false)
		doc := c.page(admin.PathSchema)
		require.Contains(t, text(doc.Selection, "schema-summary"), "The schema is current")
		checks := byTestID(doc, "schema-check")
		require.Equal(t, 2, checks.Length())
		checks.Each(func(_ int, s *goquery.Selection) {
			require.Equal(t, "present", text(s, "badge"))
		})
		col := text(checks.First(), "schema-check-detail")
		require.Contains(t, strings.ToLower(col), "var")
		require.Contains(t, col, "128")
		require.Contains(t, text(checks.Last(), "schema-check-detail"), "segment_key")
		require.Equal(t, byTestID(doc, "schema-step").Length(), doc.Find(`[data-status="applied"]`).Length())
	})
}
