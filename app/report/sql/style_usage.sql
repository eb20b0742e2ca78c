-- Each style's events since a day, by rating, from the daily rollup.
SELECT gen_style_id, feedback_status, SUM(events) AS events
FROM report_daily_events
WHERE day >= ? AND gen_style_id <> ''
GROUP BY gen_style_id, feedback_status
