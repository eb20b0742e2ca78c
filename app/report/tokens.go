package report

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// TokenRow is one extension token with its user's email.
type TokenRow struct {
	models.APIToken
	Email string
}

// ListTokens returns every extension token, live ones first, newest first.
func ListTokens(ctx context.Context, db *gorm.DB) ([]TokenRow, error) {
	var rows []TokenRow
	err := db.WithContext(ctx).Table("api_tokens t").
		Select("t.*, u.email").Joins("JOIN users u ON u.id = t.user_id").
		Order("CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END, t.created_at DESC, t.id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return rows, nil
}

// UserEmails returns up to limit user emails, admins first, for the token form's suggestions.
func UserEmails(ctx context.Context, db *gorm.DB, limit int) ([]string, error) {
	var emails []string
	err := db.WithContext(ctx).Model(&models.User{}).
		Order("is_admin DESC, email").Limit(limit).Pluck("email", &emails).Error
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return emails, nil
}
