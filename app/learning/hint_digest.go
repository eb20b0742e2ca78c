package learning

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"slices"
	"sync"

	"github.com/applylens/learning/app/models"
)

// hintDigest is the digest of a hint apart from its stamps (computed_at and run_id): two hints
// with the same digest are the same hint, so a run that plans the stored hint again neither
// encodes nor writes it. It hashes the hint's fields themselves, in a fixed order, with every
// string's length, every pointer's and list's nil-ness and every list's and map's length
// marked, map keys sorted and floats by their bits, rather than the hint's JSON: encoding a
// hint (25 KB on average) only to hash it was half of what planning a profile cost at 300,000
// forms. TestHintDigestSeesEveryField changes each value of a hint's JSON in turn and requires
// another digest, so a field added to a hint and left out here fails it.
//
// The digest starts with hintFormat. A run trusts a stored digest only when it starts so
// (readProfiles): one written by an older build (a hash of the JSON) or before a change of the
// stored JSON's layout is compared by reading the stored hint itself, once, and the row is
// written again with this digest.
func hintDigest(h *models.StyleHint) string {
	d := digestBuffers.Get().(*digester)
	defer func() {
		d.b = d.b[:0]
		digestBuffers.Put(d)
	}()
	d.choice(&h.Choice)
	d.str(h.HostFamily)
	d.mapLen(h.StyleStats == nil, len(h.StyleStats))
	for _, id := range slices.Sorted(maps.Keys(h.StyleStats)) {
		st := h.StyleStats[id]
		d.str(id)
		d.stats(&st)
	}
	d.mapLen(h.BySegment == nil, len(h.BySegment))
	for _, seg := range slices.Sorted(maps.Keys(h.BySegment)) {
		c := h.BySegment[seg]
		d.str(seg)
		d.choice(&c)
	}
	d.str(h.Policy)
	d.ints(h.Thresholds.Form, h.Thresholds.Segment, h.Thresholds.Family)
	d.present(h.Kappas != nil)
	if k := h.Kappas; k != nil {
		d.floats(k.Global, k.Family, k.Segment, k.SegmentAcross, k.Form, k.FormNoFamily, k.Discipline, k.FormDiscipline)
	}
	d.ints(h.WindowDays)
	sum := sha256.Sum256(d.b)
	return hintFormat + hex.EncodeToString(sum[:16])
}

// hintFormat starts every digest hintDigest makes. Change it when the JSON a hint is stored as
// changes while its values do not (a renamed or newly omitted field, another compaction of
// by_segment): the values' digest would not see that, and the stored hints would keep the old
// layout until their data changed.
const hintFormat = "h2:"

// digester appends a hint's fields to b (hintDigest).
type digester struct{ b []byte }

var digestBuffers = sync.Pool{New: func() any { return &digester{b: make([]byte, 0, 16<<10)} }}

func (d *digester) choice(c *models.Choice) {
	d.optStr(c.PreferredStyleID)
	d.str(c.Source)
	d.str(c.SegmentKey)
	d.mapLen(c.Candidates == nil, len(c.Candidates))
	for i := range c.Candidates {
		d.stats(&c.Candidates[i])
	}
	d.present(c.Shares != nil)
	if c.Shares != nil {
		d.shares(c.Shares)
	}
	d.str(c.Confidence)
	d.present(c.RunsNeeded != nil)
	if c.RunsNeeded != nil {
		d.ints(*c.RunsNeeded)
	}
}

func (d *digester) stats(s *models.StyleStats) {
	d.str(s.StyleID)
	d.str(s.Level)
	d.str(s.SegmentKey)
	d.ints(s.TotalRuns, s.HelpfulRuns, s.UnhelpfulRuns, s.RatedRuns)
	d.optFloat(s.HelpfulRatio)
	d.optFloat(s.AvgEditChars)
	d.present(s.IsWinner)
	d.present(s.Posterior != nil)
	if p := s.Posterior; p != nil {
		d.floats(p.Mean, p.Low, p.High, p.Alpha, p.Beta, p.PBest, p.ExpectedLoss)
		d.shares(&p.Shares)
	}
}

func (d *digester) shares(s *models.Shares) {
	d.floats(s.Form, s.Discipline, s.Segment, s.Family, s.Global)
}

func (d *digester) str(s string) {
	d.b = binary.AppendUvarint(d.b, uint64(len(s)))
	d.b = append(d.b, s...)
}

func (d *digester) optStr(s *string) {
	d.present(s != nil)
	if s != nil {
		d.str(*s)
	}
}

func (d *digester) optFloat(f *float64) {
	d.present(f != nil)
	if f != nil {
		d.floats(*f)
	}
}

func (d *digester) present(yes bool) {
	if yes {
		d.b = append(d.b, 1)
	} else {
		d.b = append(d.b, 0)
	}
}

// mapLen marks a list or map: nil (JSON null) apart from empty, then its length.
func (d *digester) mapLen(isNil bool, n int) {
	d.present(!isNil)
	d.b = binary.AppendUvarint(d.b, uint64(n))
}

func (d *digester) ints(v ...int) {
	for _, n := range v {
		d.b = binary.AppendVarint(d.b, int64(n))
	}
}

func (d *digester) floats(v ...float64) {
	for _, f := range v {
		d.b = binary.LittleEndian.AppendUint64(d.b, math.Float64bits(f))
	}
}
