-- What changes when the profile mix must be read again: the number of profiles and the
-- latest run with its status.
SELECT (SELECT COUNT(*) FROM form_profiles) AS profiles,
	COALESCE((SELECT id || ':' || status FROM aggregator_runs ORDER BY started_at DESC, id DESC LIMIT 1), '') AS last_run
