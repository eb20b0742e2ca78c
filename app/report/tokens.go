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

// ListTokens returns the extension tokens of a user (every user's when userID is ""), live
// ones first, newest first.
func ListTokens(ctx context.Context, db *gorm.DB, userID string) ([]TokenRow, error) {
	var rows []TokenRow
	var user any // NULL: every user's
	if userID != "" {
		user = userID
	}
	err := db.WithContext(ctx).Raw(sqlListTokens.For(db), user, user).Scan(&rows).Error
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

// UserRow is one user with the number of live tokens.
type UserRow struct {
	models.User
	LiveTokens int
}

// ListUsers returns every user, admins first, then by email.
func ListUsers(ctx context.Context, db *gorm.DB) ([]UserRow, error) {
	var rows []UserRow
	err := db.WithContext(ctx).Raw(sqlListUsers.For(db)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return rows, nil
}

// ListDeletions returns the newest deletions of users' data, up to limit.
func ListDeletions(ctx context.Context, db *gorm.DB, limit int) ([]models.DataDeletion, error) {
	var rows []models.DataDeletion
	if err := db.WithContext(ctx).Order("created_at DESC, id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list data deletions: %w", err)
	}
	return rows, nil
}
