-- The window's events from the daily rollup, by segment, policy, style and rating.
SELECT segment_key, policy, gen_style_id, feedback_status, SUM(events) AS events, SUM(ok_events) AS ok_events,
	SUM(propensity_events) AS prop_events, SUM(inv_propensity) AS inv_prop, SUM(inv_propensity_var) AS inv_prop_var
FROM report_daily_events
WHERE day >= ?
GROUP BY segment_key, policy, gen_style_id, feedback_status
