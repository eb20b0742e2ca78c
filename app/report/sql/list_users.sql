-- Every user with the number of live tokens, admins first, then by email.
SELECT u.*, (SELECT COUNT(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) AS live_tokens
FROM users u
ORDER BY u.is_admin DESC, u.email
