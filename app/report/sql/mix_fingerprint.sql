-- What changes when the profile mix must be read again: the number of profiles and the
-- latest finished run with its status. A run in progress does not count: its pages are served
-- the mix from before it (rather than a recount while it competes for the machine), and the
-- mix is recounted once it ends.
SELECT (SELECT COUNT(*) FROM form_profiles) AS profiles,
	COALESCE((SELECT id || ':' || status FROM aggregator_runs WHERE status <> 'running'
		ORDER BY started_at DESC, id DESC LIMIT 1), '') AS last_run
