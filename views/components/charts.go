// Package components holds the small pieces the admin pages are built from: cards, charts,
// tables' pagers, empty states. Charts are inline SVG drawn from view-model numbers.
package components

import (
	"fmt"
	"math"
)

// ChartItem is one slice or bar: display-ready text and the share (0..1) that sets its size.
type ChartItem struct {
	Key   string // machine key: class and test ids derive from it
	Label string
	Count string // formatted count
	Pct   string // formatted percentage
	Share float64
	Extra string // an extra column (e.g. the helpful ratio), "" for none
}

// ChartProps is a chart with its items.
type ChartProps struct {
	TestID     string
	Title      string // for screen readers
	Total      string // shown in the donut's hole
	TotalLabel string
	ExtraHead  string // the heading of the extra column, "" for none
	Items      []ChartItem
	Empty      string // shown instead of the chart when nothing is counted
	SharesOnly bool   // the items are shares, not counts: the legend has no count column
}

// donutRadius gives the donut a circumference of 100, so that a share maps to a dash length.
const donutRadius = 15.91549430918954

type donutSlice struct {
	Item   ChartItem
	Dash   string
	Offset string
}

func donutSlices(items []ChartItem) []donutSlice {
	var out []donutSlice
	cum := 0.0
	for _, it := range items {
		if it.Share <= 0 {
			continue
		}
		p := math.Min(it.Share*100, 100)
		out = append(out, donutSlice{Item: it, Dash: fmt.Sprintf("%.3f %.3f", p, 100-p), Offset: fmt.Sprintf("%.3f", 25-cum)})
		cum += p
	}
	return out
}

func allZero(items []ChartItem) bool {
	for _, it := range items {
		if it.Share > 0 {
			return false
		}
	}
	return true
}

// barWidth is a bar's length in the 0..100 viewBox: at least a sliver when the share is not 0.
func barWidth(share float64) string {
	if share <= 0 {
		return "0"
	}
	return fmt.Sprintf("%.2f", math.Max(share*100, 0.8))
}

type stackPart struct {
	Item  ChartItem
	X     string
	Width string
}

func stackParts(items []ChartItem) []stackPart {
	var out []stackPart
	x := 0.0
	for _, it := range items {
		if it.Share <= 0 {
			continue
		}
		w := it.Share * 100
		out = append(out, stackPart{Item: it, X: fmt.Sprintf("%.2f", x), Width: fmt.Sprintf("%.2f", w)})
		x += w
	}
	return out
}

// SparkPoint is one day of a sparkline.
type SparkPoint struct {
	Label string // "2026-11-29: 1,234 events"
	Value float64
}

type sparkBar struct {
	Label     string
	X, Y, W   string
	H         string
	HasHeight bool
}

const sparkHeight = 36.0

func sparkBars(points []SparkPoint) ([]sparkBar, string) {
	maxV := 0.0
	for _, p := range points {
		maxV = math.Max(maxV, p.Value)
	}
	step := 4.0
	var out []sparkBar
	for i, p := range points {
		h := 0.0
		if maxV > 0 {
			h = p.Value / maxV * sparkHeight
			if p.Value > 0 {
				h = math.Max(h, 1)
			}
		}
		out = append(out, sparkBar{Label: p.Label, X: fmt.Sprintf("%.1f", float64(i)*step), W: fmt.Sprintf("%.1f", step-1),
			Y: fmt.Sprintf("%.2f", sparkHeight-h), H: fmt.Sprintf("%.2f", h), HasHeight: h > 0})
	}
	return out, fmt.Sprintf("0 0 %.0f %.0f", math.Max(float64(len(points))*step-1, 1), sparkHeight)
}

// IntervalProps is one estimate with its interval, as shares (0..1) and as display text.
type IntervalProps struct {
	TestID                      string
	Key                         string // colour class: c-<Key>
	Label                       string // "mean 62% (90% interval 48–75%)"
	Mean, Low, High             float64
	MeanText, LowText, HighText string
}

// pos is a share's x in the 0..100 viewBox, clamped.
func pos(share float64) string { return fmt.Sprintf("%.2f", math.Min(math.Max(share, 0), 1)*100) }

// span is the width from lo to hi, at least a sliver so that a narrow interval still shows.
func span(lo, hi float64) string {
	lo, hi = math.Min(math.Max(lo, 0), 1), math.Min(math.Max(hi, 0), 1)
	return fmt.Sprintf("%.2f", math.Max((hi-lo)*100, 0.6))
}

// tick centres the mean's 1.2-wide mark on the mean.
func tick(share float64) string {
	return fmt.Sprintf("%.2f", math.Min(math.Max(math.Min(math.Max(share, 0), 1)*100-0.6, 0), 98.8))
}
