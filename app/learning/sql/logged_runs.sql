-- The window's rated runs of a style, grouped by context, style, propensity and rating. All
-- time starts at the zero time.
SELECT host, schema_hash, COALESCE(host_family, ''), COALESCE(segment_key, ''), gen_style_id,
	COALESCE(propensity, 0), CASE WHEN feedback_status = 'helpful' THEN 1 ELSE 0 END, COUNT(*)
FROM autofill_events
WHERE created_at >= ?
	AND gen_style_id IS NOT NULL AND gen_style_id <> '' AND feedback_status IN ('helpful', 'unhelpful')
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY 1, 2, 3, 4, 5, 6, 7
