-- The window's events by seniority and discipline, from the daily rollup.
SELECT segment_key, discipline, SUM(events) AS events
FROM report_daily_events
WHERE day >= ?
GROUP BY segment_key, discipline
