-- The window's events by seniority and discipline: its weeks from the weekly rollup, its days
-- before the first of them from the daily one (arguments: Window.rollupArgs).
SELECT segment_key, discipline, SUM(events) AS events
FROM (
	SELECT segment_key, discipline, events FROM report_weekly_events WHERE week >= ?
	UNION ALL
	SELECT segment_key, discipline, events FROM report_daily_events WHERE day >= ? AND day < ?
) r
GROUP BY segment_key, discipline
