-- The window's events by segment, policy, style, rating and discipline: its weeks from the
-- weekly rollup, its days before the first of them from the daily one (arguments:
-- Window.rollupArgs).
SELECT segment_key, policy, gen_style_id, feedback_status, discipline, SUM(events) AS events,
	SUM(ok_events) AS ok_events, SUM(propensity_events) AS prop_events, SUM(inv_propensity) AS inv_prop,
	SUM(inv_propensity_var) AS inv_prop_var
FROM (
	SELECT segment_key, policy, gen_style_id, feedback_status, discipline, events, ok_events, propensity_events,
		inv_propensity, inv_propensity_var
	FROM report_weekly_events
	WHERE week >= ?
	UNION ALL
	SELECT segment_key, policy, gen_style_id, feedback_status, discipline, events, ok_events, propensity_events,
		inv_propensity, inv_propensity_var
	FROM report_daily_events
	WHERE day >= ? AND day < ?
) r
GROUP BY segment_key, policy, gen_style_id, feedback_status, discipline
