package seeds

import (
	"encoding/json"
	"io"
	"math"
	"time"

	"github.com/applylens/learning/app/learning"
)

// Truth is the ground truth behind a demo: the helpful rate of every style on every form and
// segment, and so the best style a perfect learner would recommend. Compare the aggregator's
// hints with it to measure the quality of recommendations.
type Truth struct {
	Seed     uint64         `json:"seed"`
	Events   int            `json:"events"`
	Days     int            `json:"days"`
	Now      time.Time      `json:"window_end"`
	Epsilon  float64        `json:"epsilon"`
	Styles   []string       `json:"styles"`
	Forms    []FormTruth    `json:"forms"`
	Segments []SegmentTruth `json:"family_segments"`
}

// FormTruth is one form: the best style for each segment ("none" for runs with no job), the
// rates behind it, and the source its hint is designed to come from.
type FormTruth struct {
	Host           string                        `json:"host"`
	SchemaHash     string                        `json:"schema_hash"`
	HostFamily     string                        `json:"host_family"`
	Events         int                           `json:"events"`
	ExpectedSource string                        `json:"expected_source"`
	Best           map[string]string             `json:"best"`
	HelpfulRate    map[string]map[string]float64 `json:"helpful_rate"`
}

// SegmentTruth is one (family, segment) over all its forms, before per-form deviations.
type SegmentTruth struct {
	HostFamily  string             `json:"host_family"`
	Segment     string             `json:"segment"`
	Best        string             `json:"best"`
	HelpfulRate map[string]float64 `json:"helpful_rate"`
}

// Truth returns the world's ground truth.
func (w *World) Truth() Truth {
	t := Truth{
		Seed: w.Opts.Seed, Events: w.Opts.Events, Days: w.Opts.Days, Now: w.Opts.Now,
		Epsilon: Epsilon, Styles: styleIDs, Forms: []FormTruth{}, Segments: []SegmentTruth{},
	}
	for _, f := range w.Forms {
		ft := FormTruth{
			Host: f.Host, SchemaHash: f.SchemaHash, HostFamily: learning.FamilyLabel(f.Family), Events: f.Events,
			ExpectedSource: f.Source, Best: map[string]string{}, HelpfulRate: map[string]map[string]float64{},
		}
		for seg := range numSegs {
			ft.Best[segName(seg)] = styleIDs[argmax(f.rates[seg])]
			ft.HelpfulRate[segName(seg)] = rateMap(f.rates[seg])
		}
		t.Forms = append(t.Forms, ft)
	}
	for _, fc := range families {
		if fc.family == customFamily {
			continue // no family, no segment-level statistics
		}
		cells := w.famRates[fc.family]
		for seg := range 4 {
			t.Segments = append(t.Segments, SegmentTruth{
				HostFamily: fc.family, Segment: segKeys[seg],
				Best: styleIDs[argmax(cells[seg])], HelpfulRate: rateMap(cells[seg]),
			})
		}
	}
	return t
}

func rateMap(rates []float64) map[string]float64 {
	m := make(map[string]float64, len(rates))
	for k, x := range rates {
		m[styleIDs[k]] = math.Round(x*1000) / 1000
	}
	return m
}

// WriteTruth writes the ground truth as indented JSON.
func (w *World) WriteTruth(out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(w.Truth())
}
