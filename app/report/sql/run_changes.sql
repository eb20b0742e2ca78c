-- The picks a run kept of those it changed, in the order it found them, with the id of the
-- form's profile (empty when it is gone).
SELECT c.*, COALESCE(CAST(p.id AS text), '') AS profile_id
FROM aggregator_run_changes c
LEFT JOIN form_profiles p ON p.host = c.host AND p.schema_hash = c.schema_hash
WHERE c.run_id = ?
ORDER BY c.seq
