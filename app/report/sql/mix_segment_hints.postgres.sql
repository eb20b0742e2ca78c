-- The per-segment hints of all profiles, by segment and source (from the hint summaries).
SELECT s.key AS segment, COALESCE(s.value->>'source', 'none') AS source, COUNT(*) AS profiles
FROM (SELECT COALESCE(hint_summary, style_hint) AS style_hint FROM form_profiles) p, jsonb_each(CASE WHEN jsonb_typeof(p.style_hint->'by_segment') = 'object'
	THEN p.style_hint->'by_segment' ELSE '{}'::jsonb END) s
GROUP BY 1, 2
