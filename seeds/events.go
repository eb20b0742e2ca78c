package seeds

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

// event is one generated autofill run, as both writers need it. Negative numbers and empty
// strings stand for NULL where the column allows it.
type event struct {
	ID         [16]byte
	UserID     string
	Host       string
	SchemaHash string
	Family     string
	Suggested  string // JSON
	Final      string // JSON
	FinalHash  int64  // learning.FinalMapHash of Final
	Style      string
	EditStats  string // JSON
	EditTotal  int    // learning.EditTotal of EditStats, which always reports both counters
	DurationMS int
	Validation string // JSON
	Status     string
	Feedback   string
	EditChars  int
	Segment    string
	Discipline string
	Policy     string
	Propensity float64
	OccurredAt time.Time
	FeedbackAt time.Time
	CreatedAt  time.Time
	Job        *Job
}

// Shares that shape every run (the per-form and per-segment ones live on Form and World).
const (
	noStyleShare    = 0.03 // the user skipped answer generation
	ratedIfHelpful  = 0.30 // people rate a good answer less often than a bad one
	ratedIfNot      = 0.42
	okShare         = 0.94
	flakyOKShare    = 0.55
	nullEditShare   = 0.03 // older clients send no edit_chars
	nullDurShare    = 0.02
	offlineShare    = 0.04 // synced hours after the run
	firstHourMargin = 5 * time.Minute
)

// generator turns the world's plan into events, one at a time, in time order.
type generator struct {
	w         *World
	i         int
	hour      int
	inHour    int
	hourTimes []time.Duration
	buf       []byte
	lengthOf  []float64
	mapHash   [][3]int64 // by form: learning.FinalMapHash of each of its maps
}

// generator starts the events of the world. A world makes its events once.
func (w *World) generator() *generator {
	g := &generator{w: w, hour: -1, mapHash: make([][3]int64, len(w.Forms))}
	for _, s := range Styles() {
		g.lengthOf = append(g.lengthOf, answerLength[s.LengthHint])
	}
	for i, f := range w.Forms {
		for k, js := range f.maps {
			var m models.StringMap
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				panic("seeds: a planned map is not JSON: " + err.Error())
			}
			g.mapHash[i][k] = learning.FinalMapHash(m)
		}
	}
	return g
}

func (g *generator) total() int { return len(g.w.slots) }

// next fills ev with the next event; false when there are no more.
func (g *generator) next(ev *event) bool {
	w := g.w
	if g.i >= len(w.slots) {
		return false
	}
	t := g.nextTime()
	fi := w.slots[g.i]
	f := w.Forms[fi]
	g.i++
	r := w.rng

	*ev = event{
		Host: f.Host, SchemaHash: f.SchemaHash, Family: f.Family, CreatedAt: t,
		DurationMS: -1, EditChars: -1, Propensity: -1, Validation: "{}", Status: "ok",
	}
	// A UUIDv7 like the ingest path's ids: the receipt time in milliseconds, then bits from the
	// random stream. Time-ordered ids keep the primary key's inserts at its right edge.
	a, b := r.Uint64(), r.Uint64()
	ms := uint64(t.UnixMilli())
	for k := range 6 {
		ev.ID[k] = byte(ms >> (8 * (5 - k)))
	}
	ev.ID[6], ev.ID[7] = 0x70|byte(a)&0x0f, byte(a>>8) // version 7
	for k := range 8 {
		ev.ID[8+k] = byte(b >> (8 * k))
	}
	ev.ID[8] = ev.ID[8]&0x3f | 0x80 // RFC 9562 variant
	ev.UserID = w.Users[pickIndex(r, w.userCum)].ID

	seg := segNone
	if r.Float64() >= f.noJob {
		ts := w.titles[pickIndex(r, f.segCum[:])]
		title := ts[r.IntN(len(ts))]
		seg = title.seg
		ev.Job = &title.job
		ev.Discipline = title.job.Discipline
	}
	ev.Segment = segKeys[seg]

	// The style: epsilon-greedy around the hint the extension has for this form and segment.
	style := -1
	ev.Policy = "exploit"
	if r.Float64() >= noStyleShare {
		pref := f.pref[seg]
		if r.Float64() < Epsilon {
			style = r.IntN(len(styleIDs) - 1)
			if style >= pref {
				style++
			}
			ev.Policy = "explore"
			ev.Propensity = Epsilon / float64(len(styleIDs)-1)
		} else {
			style = pref
			ev.Propensity = 1 - Epsilon
		}
		ev.Style = styleIDs[style]
	}

	helpful := style >= 0 && r.Float64() < f.rate(seg, ev.Discipline, style)
	if style >= 0 {
		rated := ratedIfNot
		if helpful {
			rated = ratedIfHelpful
		}
		if r.Float64() < rated {
			ev.Feedback = "unhelpful"
			if helpful {
				ev.Feedback = "helpful"
			}
			delay := time.Duration(math.Exp(math.Log(120)+r.NormFloat64()) * float64(time.Second))
			ev.FeedbackAt = t.Add(delay).Truncate(time.Microsecond)
			if ev.FeedbackAt.After(w.Opts.Now) {
				ev.FeedbackAt = w.Opts.Now
			}
		}
	}

	okP := okShare
	if f.flaky {
		okP = flakyOKShare
	}
	switch x := r.Float64(); {
	case x < okP:
	case x < okP+(1-okP)*0.6:
		ev.Status, ev.Validation = "partial", f.invalid[0]
	default:
		ev.Status, ev.Validation = "error", f.invalid[1]
	}

	// The maps: mostly right; sometimes the user fixes a swapped pair or clears a field.
	sv, fv, mapEdits := 0, 0, 0
	switch x := r.Float64(); {
	case x < 0.82:
	case x < 0.92:
		sv, mapEdits = 1, 15+r.IntN(45)
	case x < 0.95:
		sv, fv = 1, 1
	default:
		fv, mapEdits = 2, 5+r.IntN(30)
	}
	ev.Suggested, ev.Final, ev.FinalHash = f.maps[sv], f.maps[fv], g.mapHash[fi][fv]

	// Edits: a helpful answer needs a few, an unhelpful one is largely rewritten.
	gen := 0
	if style >= 0 {
		mu, sigma := math.Log(0.3), 0.5
		if helpful {
			mu, sigma = math.Log(0.05), 0.6
		}
		gen = int(math.Round(g.lengthOf[style] * math.Min(math.Exp(mu+sigma*r.NormFloat64()), 2.5)))
	}
	ev.EditChars = gen
	if r.Float64() < nullEditShare {
		ev.EditChars = -1
	}
	share := 0.35 + 0.4*r.Float64()
	genAdded := int(math.Round(float64(gen) * share))
	mapAdded := int(math.Round(float64(mapEdits) * share))
	added, deleted := genAdded+mapAdded, gen+mapEdits-genAdded-mapAdded
	ev.EditStats = g.editStats(added, deleted, style >= 0, f.question, genAdded, gen-genAdded)
	ev.EditTotal = *learning.EditTotal(models.EditStats{TotalCharsAdded: &added, TotalCharsDeleted: &deleted})

	if r.Float64() >= nullDurShare {
		ev.DurationMS = int(f.durBase * math.Exp(0.35*r.NormFloat64()))
	}
	lag := 200*time.Millisecond + time.Duration(r.Int64N(int64(4*time.Second)))
	if r.Float64() < offlineShare {
		lag = time.Minute + time.Duration(r.Int64N(int64(6*time.Hour)))
	}
	ev.OccurredAt = t.Add(-lag).Truncate(time.Microsecond)
	return true
}

// editStats writes the edit_stats JSON without reflection (it is made a million times).
func (g *generator) editStats(added, deleted int, perField bool, field string, fa, fd int) string {
	b := append(g.buf[:0], `{"total_chars_added":`...)
	b = strconv.AppendInt(b, int64(added), 10)
	b = append(b, `,"total_chars_deleted":`...)
	b = strconv.AppendInt(b, int64(deleted), 10)
	if perField {
		b = append(b, `,"per_field":{"`...)
		b = append(b, field...)
		b = append(b, `":{"added":`...)
		b = strconv.AppendInt(b, int64(fa), 10)
		b = append(b, `,"deleted":`...)
		b = strconv.AppendInt(b, int64(fd), 10)
		b = append(b, "}}"...)
	}
	b = append(b, '}')
	g.buf = b
	return string(b)
}

// nextTime is the receipt time of the next event: hour by hour through the window, sorted
// within each hour.
func (g *generator) nextTime() time.Time {
	w := g.w
	for g.inHour >= len(g.hourTimes) {
		g.hour++
		lo := time.Duration(0)
		if g.hour == 0 {
			lo = firstHourMargin // stay inside a window the aggregator measures a moment later
		}
		g.hourTimes = g.hourTimes[:0]
		for range w.hourCnt[g.hour] {
			g.hourTimes = append(g.hourTimes, lo+time.Duration(w.rng.Int64N(int64(time.Hour-lo))))
		}
		slices.Sort(g.hourTimes)
		g.inHour = 0
	}
	d := g.hourTimes[g.inHour]
	g.inHour++
	return w.start.Add(time.Duration(g.hour)*time.Hour + d).Truncate(time.Microsecond)
}
