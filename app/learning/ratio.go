package learning

// HelpfulRatio is the one definition of a helpful ratio: helpful runs over rated runs (helpful
// + unhelpful; unrated runs count in neither), or nil when no run is rated. The aggregator's
// statistics, the dashboard's source mix, styles and overview all use it.
func HelpfulRatio(helpful, rated int64) *float64 {
	if rated <= 0 {
		return nil
	}
	r := float64(helpful) / float64(rated)
	return &r
}
