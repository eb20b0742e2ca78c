-- The hints by the policy that made them (empty for a hint from before policies).
SELECT COALESCE(style_hint->>'policy', '') AS key, COUNT(*) AS count
FROM (SELECT COALESCE(hint_summary, style_hint) AS style_hint FROM form_profiles) p
WHERE jsonb_typeof(style_hint) = 'object'
GROUP BY 1
