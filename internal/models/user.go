// Package models holds the plain structs stored by GORM and their typed
// enums. Queries live in internal/store.
package models

import "time"

// Role is what a staff member may do; see PRODUCT.md.
type Role string

const (
	RoleAdmin   Role = "admin"
	RoleFinance Role = "finance"
	RoleAuditor Role = "auditor"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleFinance, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleFinance, RoleAuditor:
		return true
	}
	return false
}

// Key is the catalogue key of the role's name (internal/i18n); an unknown
// role is its own text.
func (r Role) Key() string {
	switch r {
	case RoleAdmin:
		return "role.admin"
	case RoleFinance:
		return "role.finance"
	case RoleAuditor:
		return "role.auditor"
	}
	return string(r)
}

// Label is the role's name in English, for audit summaries, exports and
// the command line; pages show Key in the reader's language.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Admin"
	case RoleFinance:
		return "Finance"
	case RoleAuditor:
		return "Auditor"
	}
	return string(r)
}

// User is a staff account.
type User struct {
	ID                int64
	Email             string
	Name              string
	Role              Role
	PasswordHash      string
	Disabled          bool
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
	// TOTPSecret is the second-factor secret sealed with the server's key
	// (auth.SealSecret), "" until enrolled. It is never shown again.
	TOTPSecret    string     `gorm:"column:totp_secret"`
	TOTPEnabledAt *time.Time `gorm:"column:totp_enabled_at"`
	// Lang is the language chosen in the header ("en", "id"); "" follows
	// the browser's Accept-Language.
	Lang string
}

// HasSecondFactor reports whether the user has enrolled a TOTP app.
func (u *User) HasSecondFactor() bool { return u.TOTPSecret != "" }

// NeedsSecondFactor reports whether signing in asks for a code: always for
// admins and for finance (who approve money), and for anyone enrolled.
func (u *User) NeedsSecondFactor() bool {
	return u.Role == RoleAdmin || u.Role == RoleFinance || u.HasSecondFactor()
}

// RecoveryCode is one single-use code for a lost authenticator; only its
// hash is stored.
type RecoveryCode struct {
	ID        int64
	UserID    int64
	CodeHash  string
	UsedAt    *time.Time
	CreatedAt time.Time
}

// Session is a signed-in browser. The cookie holds the token; the database
// holds only its SHA-256, so a copy of the database cannot sign anyone in.
type Session struct {
	ID         int64
	TokenHash  string
	UserID     int64
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry
	// SecondFactorAt is when this session last passed a TOTP or recovery
	// code check; nil while a required second factor is still owed.
	SecondFactorAt *time.Time
}

// AuditEntry is one change a staff member made, or a sign-in event. Entries
// are append-only: nothing updates or deletes them (a trigger enforces it).
type AuditEntry struct {
	ID         int64
	At         time.Time
	ActorID    *int64
	ActorEmail string
	Action     string // e.g. "user.create", "login.failed"
	ObjectType string
	ObjectID   string
	Summary    string // before → after, in words
	IP         string
	RequestID  string
}

// Setting is one admin-editable value.
type Setting struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time
}
