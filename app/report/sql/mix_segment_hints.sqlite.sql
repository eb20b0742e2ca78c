-- The per-segment hints of all profiles, by segment and source.
SELECT s.key AS segment, COALESCE(json_extract(s.value, '$.source'), 'none') AS source, COUNT(*) AS profiles
FROM (SELECT COALESCE(hint_summary, style_hint) AS style_hint FROM form_profiles) p, json_each(p.style_hint, '$.by_segment') s
WHERE json_type(p.style_hint, '$.by_segment') = 'object'
GROUP BY 1, 2
