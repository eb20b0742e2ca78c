-- The window's events per day, from the rollup's day totals.
SELECT day AS key, events AS count
FROM report_day_totals
WHERE day >= ?
