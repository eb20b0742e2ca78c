-- The window's events per day, from the daily rollup.
SELECT day AS key, SUM(events) AS count
FROM report_daily_events
WHERE day >= ?
GROUP BY day
