-- Profiles by the source of their overall hint, with the recommended style's pooled evidence.
-- Each profile's hint summary (hint_summary, the hint's figures in the hint's own paths; the
-- hint itself for a profile stored without one) is read once into a record; the winner is the
-- candidate marked so.
SELECT COALESCE(r.source, 'none') AS source, COUNT(*) AS profiles,
	SUM(CASE WHEN jsonb_typeof(p.style_hint) = 'object' THEN 0 ELSE 1 END) AS not_aggregated,
	COALESCE(SUM(w.helpful_runs), 0) AS winner_helpful, COALESCE(SUM(w.rated_runs), 0) AS winner_rated
FROM (SELECT COALESCE(hint_summary, style_hint) AS style_hint FROM form_profiles) p
LEFT JOIN LATERAL jsonb_to_record(CASE WHEN jsonb_typeof(p.style_hint) = 'object' THEN p.style_hint END)
	AS r(source text, candidates jsonb) ON true
LEFT JOIN LATERAL jsonb_to_recordset(CASE WHEN jsonb_typeof(r.candidates) = 'array' THEN r.candidates END)
	AS w(is_winner boolean, helpful_runs bigint, rated_runs bigint) ON w.is_winner
GROUP BY 1
