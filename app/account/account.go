// Package account manages users, their admin passwords and their extension tokens.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// TokenPrefix starts every extension token, so that a leaked one is easy to recognise.
const TokenPrefix = "alk_"

// Errors callers tell apart.
var (
	ErrNotFound     = errors.New("not found")
	ErrEmailTaken   = errors.New("a user with this email exists already")
	ErrBadEmail     = errors.New("email is not a valid address")
	ErrWeakPassword = errors.New("password must be at least 8 characters")
	ErrBadLogin     = errors.New("email or password is wrong")
	ErrLongName     = errors.New("name is too long")
	// ErrLongPassword: bcrypt reads no further than 72 bytes.
	ErrLongPassword = errors.New("password must be " + LongPasswordLimit)
)

// LongPasswordLimit says how long a password may be, for ErrLongPassword and the pages.
const LongPasswordLimit = "at most 72 bytes: 72 unaccented letters, digits or symbols, fewer otherwise " +
	"(an accented, Cyrillic or Greek letter takes 2, a Chinese character 3, most emoji 4)"

// The longest names, in characters: a user's (users.name is varchar(255)) and a token's.
const (
	MaxUserNameLen  = 255
	MaxTokenNameLen = 100
)

// CheckName refuses a name over max characters (MaxUserNameLen, MaxTokenNameLen).
func CheckName(name string, max int) error {
	if n := utf8.RuneCountInString(name); n > max {
		return fmt.Errorf("%w: %d characters, at most %d", ErrLongName, n, max)
	}
	return nil
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Email    string
	Name     string
	Admin    bool
	Demo     bool
	Password string // empty: no admin login
}

// NormalizeEmail trims and lower-cases an email and checks its form.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 320 {
		return "", fmt.Errorf("%w: %q", ErrBadEmail, email)
	}
	return e, nil
}

// CreateUser adds a user.
func CreateUser(ctx context.Context, db *gorm.DB, nu NewUser) (*models.User, error) {
	email, err := NormalizeEmail(nu.Email)
	if err != nil {
		return nil, err
	}
	if err := CheckName(nu.Name, MaxUserNameLen); err != nil {
		return nil, err
	}
	u := &models.User{ID: "u-" + uuid.NewString()[:18], Email: email, IsAdmin: nu.Admin, IsDemo: nu.Demo}
	if nu.Name != "" {
		u.Name = &nu.Name
	}
	if nu.Password != "" {
		h, err := HashPassword(nu.Password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = &h
	}
	if err := db.WithContext(ctx).Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return nil, fmt.Errorf("%w: %s", ErrEmailTaken, email)
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user.
func UserByEmail(ctx context.Context, db *gorm.DB, email string) (*models.User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	var u models.User
	err = db.WithContext(ctx).Where("email = ?", e).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("user %s: %w", e, ErrNotFound)
	}
	return &u, err
}

// UserByID finds a user.
func UserByID(ctx context.Context, db *gorm.DB, id string) (*models.User, error) {
	var u models.User
	err := db.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	return &u, err
}

// HashPassword bcrypts a password after checking its length.
func HashPassword(pw string) (string, error) {
	if utf8.RuneCountInString(pw) < 8 {
		return "", ErrWeakPassword
	}
	if len(pw) > 72 {
		return "", ErrLongPassword
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// SetPassword replaces a user's password (and makes the user an admin when admin is true).
func SetPassword(ctx context.Context, db *gorm.DB, userID, pw string, admin bool) error {
	h, err := HashPassword(pw)
	if err != nil {
		return err
	}
	updates := map[string]any{"password_hash": h, "updated_at": time.Now().UTC()}
	if admin {
		updates["is_admin"] = true
	}
	return db.WithContext(ctx).Model(&models.User{}).Where("id = ?", userID).Updates(updates).Error
}

// Login checks a user's email and password (admins and ordinary users alike; a disabled user
// is refused; what the user may reach is for the caller to decide). Every refusal costs what a
// real check costs (one bcrypt comparison at the default cost), so that how long a refusal
// takes does not tell whether the email exists, is disabled or has a password.
func Login(ctx context.Context, db *gorm.DB, email, pw string) (*models.User, error) {
	u, err := UserByEmail(ctx, db, email)
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBadEmail) {
		return nil, err
	}
	hash := dummyHash()
	if err == nil && u.PasswordHash != nil && u.DisabledAt == nil {
		hash = []byte(*u.PasswordHash)
	}
	match := compareHash(hash, []byte(pw)) == nil
	if err != nil || u.PasswordHash == nil || u.DisabledAt != nil || !match {
		return nil, ErrBadLogin
	}
	return u, nil
}

// compareHash is bcrypt's comparison (a variable, so that a test can count the comparisons).
var compareHash = bcrypt.CompareHashAndPassword

// dummyHash is what a refused sign-in compares with when there is no password to check: a
// hash made at start at the cost of real ones, of a random password nobody knows.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte(RandomPassword()), bcrypt.DefaultCost)
	if err != nil {
		panic(fmt.Sprintf("account: make the dummy password hash: %v", err))
	}
	return h
})

// IssuedToken is a new token: Plain is shown once and never stored.
type IssuedToken struct {
	Token models.APIToken
	Plain string
}

// IssueToken makes a new extension token for a user.
func IssueToken(ctx context.Context, db *gorm.DB, userID, name string) (*IssuedToken, error) {
	if err := CheckName(name, MaxTokenNameLen); err != nil {
		return nil, err
	}
	var raw [20]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	plain := TokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:]))
	tok := models.APIToken{
		ID:        uuid.NewString(),
		UserID:    userID,
		Name:      name,
		Prefix:    plain[:len(TokenPrefix)+6],
		TokenHash: HashToken(plain),
		CreatedAt: time.Now().UTC(),
	}
	if err := db.WithContext(ctx).Create(&tok).Error; err != nil {
		return nil, fmt.Errorf("issue token: %w", err)
	}
	return &IssuedToken{Token: tok, Plain: plain}, nil
}

// HashToken is the stored form of a token.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the live token and its user for a presented token, in one query.
func Authenticate(ctx context.Context, db *gorm.DB, plain string) (*models.APIToken, *models.User, error) {
	if !strings.HasPrefix(plain, TokenPrefix) || len(plain) > 128 {
		return nil, nil, ErrNotFound
	}
	var row struct {
		models.User
		TokenID         string
		TokenLastUsedAt *time.Time
	}
	err := db.WithContext(ctx).Table("api_tokens t").
		Select("u.*, t.id AS token_id, t.last_used_at AS token_last_used_at").
		Joins("JOIN users u ON u.id = t.user_id").
		Where("t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL", HashToken(plain)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		return nil, nil, err
	}
	u := row.User
	return &models.APIToken{ID: row.TokenID, UserID: u.ID, LastUsedAt: row.TokenLastUsedAt}, &u, nil
}

// TouchToken records that a token was used (at most once a minute per token).
func TouchToken(ctx context.Context, db *gorm.DB, tok *models.APIToken) {
	now := time.Now().UTC()
	if tok.LastUsedAt != nil && now.Sub(*tok.LastUsedAt) < time.Minute {
		return
	}
	db.WithContext(ctx).Model(&models.APIToken{}).Where("id = ?", tok.ID).Update("last_used_at", now)
}

// RevokeToken stops a token from working at once.
func RevokeToken(ctx context.Context, db *gorm.DB, tokenID string) error {
	return RevokeUserToken(ctx, db, "", tokenID)
}

// RevokeUserToken revokes a token of one user (any user's when userID is ""): a user cannot
// revoke someone else's token.
func RevokeUserToken(ctx context.Context, db *gorm.DB, userID, tokenID string) error {
	q := db.WithContext(ctx).Model(&models.APIToken{}).Where("id = ? AND revoked_at IS NULL", tokenID)
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	res := q.Update("revoked_at", time.Now().UTC())
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("token %s: %w", tokenID, ErrNotFound)
	}
	return nil
}

// EnsureAdmin makes sure an admin with this email and password exists (ADMIN_EMAIL and
// ADMIN_PASSWORD at start). It returns true when it created the user.
func EnsureAdmin(ctx context.Context, db *gorm.DB, email, pw string) (bool, error) {
	u, err := UserByEmail(ctx, db, email)
	if errors.Is(err, ErrNotFound) {
		_, err = CreateUser(ctx, db, NewUser{Email: email, Admin: true, Password: pw})
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	if u.IsAdmin && u.PasswordHash != nil && bcrypt.CompareHashAndPassword([]byte(*u.PasswordHash), []byte(pw)) == nil {
		return false, nil
	}
	return false, SetPassword(ctx, db, u.ID, pw, true)
}

// HasAdmin reports whether any admin with a password exists.
func HasAdmin(ctx context.Context, db *gorm.DB) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.User{}).Where("is_admin AND password_hash IS NOT NULL").Count(&n).Error
	return n > 0, err
}

// RandomPassword returns a password for a generated admin.
func RandomPassword() string {
	var raw [12]byte
	_, _ = rand.Read(raw[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:]))
}

// SetDisabled disables a user (no sign-in, no token works, and every session ends) or enables
// them again.
func SetDisabled(ctx context.Context, db *gorm.DB, userID string, disabled bool) error {
	updates := map[string]any{"disabled_at": nil, "updated_at": time.Now().UTC()}
	if disabled {
		updates["disabled_at"] = time.Now().UTC()
		updates["session_epoch"] = gorm.Expr("session_epoch + 1")
	}
	return update(ctx, db, userID, updates)
}

// SetAdmin makes a user an admin, or an ordinary user again.
func SetAdmin(ctx context.Context, db *gorm.DB, userID string, admin bool) error {
	return update(ctx, db, userID, map[string]any{"is_admin": admin, "updated_at": time.Now().UTC()})
}

func update(ctx context.Context, db *gorm.DB, userID string, updates map[string]any) error {
	res := db.WithContext(ctx).Model(&models.User{}).Where("id = ?", userID).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("update user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	return nil
}
