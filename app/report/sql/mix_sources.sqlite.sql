-- Profiles by the source of their overall hint, with the recommended style's pooled evidence,
-- from each profile's hint summary (the hint itself for a profile stored without one).
SELECT source, COUNT(*) AS profiles, SUM(not_aggregated) AS not_aggregated,
	COALESCE(SUM(winner_helpful), 0) AS winner_helpful, COALESCE(SUM(winner_rated), 0) AS winner_rated
FROM (SELECT COALESCE(json_extract(p.style_hint, '$.source'), 'none') AS source,
	CASE WHEN json_type(p.style_hint) = 'object' THEN 0 ELSE 1 END AS not_aggregated,
	(SELECT json_extract(c.value, '$.helpful_runs') FROM json_each(p.style_hint, '$.candidates') c
		WHERE json_extract(c.value, '$.is_winner') = 1 LIMIT 1) AS winner_helpful,
	(SELECT json_extract(c.value, '$.rated_runs') FROM json_each(p.style_hint, '$.candidates') c
		WHERE json_extract(c.value, '$.is_winner') = 1 LIMIT 1) AS winner_rated
	FROM (SELECT COALESCE(hint_summary, style_hint) AS style_hint FROM form_profiles) p) s
GROUP BY source
