-- Users and forms active since the window began, and whether any event exists at all.
SELECT
	(SELECT COUNT(*) FROM report_users WHERE last_event_at >= ?) AS users,
	(SELECT COUNT(*) FROM report_forms WHERE last_event_at >= ?) AS forms,
	(SELECT COUNT(*) FROM (SELECT 1 FROM autofill_events LIMIT 1) e) AS any_event
