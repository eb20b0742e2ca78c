-- The extension tokens of one user (of every user when the id is NULL), live ones first,
-- newest first, with their user's email.
SELECT t.*, u.email
FROM api_tokens t
JOIN users u ON u.id = t.user_id
WHERE (CAST(? AS text) IS NULL OR t.user_id = ?)
ORDER BY CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END, t.created_at DESC, t.id
