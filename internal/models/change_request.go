package models

import (
	"context"
	"slices"
	"time"

	"backoffice/internal/i18n"
)

// ChangeKind is what a change request does once a second admin approves it.
type ChangeKind string

// The changes that need four eyes: one admin asks, a different admin approves.
const (
	ChangeUserCreate       ChangeKind = "user.create"         // a person who can approve money (Admin or Finance)
	ChangeUserRole         ChangeKind = "user.role"           // any role change
	ChangeUserPassword     ChangeKind = "user.password_reset" // someone else's password
	ChangeUserSecondFactor ChangeKind = "user.2fa_reset"      // someone else's authenticator app
	ChangeUserEnable       ChangeKind = "user.enable"         // a disabled account signs in again
	ChangeDualApproval     ChangeKind = "setting.dual_approval"
	ChangeTopupApproval    ChangeKind = "setting.topup_approval"
)

// IsSetting reports whether the change sets a money threshold (SettingKey
// to SettingValue) rather than changing a person.
func (k ChangeKind) IsSetting() bool { return k == ChangeDualApproval || k == ChangeTopupApproval }

// ChangeKinds lists every kind, for filters.
var ChangeKinds = []ChangeKind{ChangeUserCreate, ChangeUserRole, ChangeUserPassword, ChangeUserSecondFactor, ChangeUserEnable, ChangeDualApproval, ChangeTopupApproval}

// Key is the catalogue key of the kind in words (internal/i18n); an
// unknown kind is its own text.
func (k ChangeKind) Key() string {
	switch k {
	case ChangeUserCreate:
		return "change_req.kind_user_create"
	case ChangeUserRole:
		return "change_req.kind_user_role"
	case ChangeUserPassword:
		return "change_req.kind_user_password"
	case ChangeUserSecondFactor:
		return "change_req.kind_user_2fa"
	case ChangeUserEnable:
		return "change_req.kind_user_enable"
	case ChangeDualApproval:
		return "change_req.kind_dual_approval"
	case ChangeTopupApproval:
		return "change_req.kind_topup_approval"
	}
	return string(k)
}

// Label is the kind in English words, for audit summaries and exports;
// pages show Key in the reader's language.
func (k ChangeKind) Label() string {
	switch k {
	case ChangeUserCreate:
		return "Add staff member"
	case ChangeUserRole:
		return "Change role"
	case ChangeUserPassword:
		return "Reset password"
	case ChangeUserSecondFactor:
		return "Reset second factor"
	case ChangeUserEnable:
		return "Enable sign-in"
	case ChangeDualApproval:
		return "Two-approval threshold"
	case ChangeTopupApproval:
		return "Top-up approval threshold"
	}
	return string(k)
}

// ChangeStatus is where a change request is in its life.
type ChangeStatus string

const (
	ChangePending   ChangeStatus = "pending"
	ChangeApproved  ChangeStatus = "approved" // applied, in the same transaction
	ChangeRejected  ChangeStatus = "rejected"
	ChangeWithdrawn ChangeStatus = "withdrawn"
)

// ChangeStatuses lists every status, for filters.
var ChangeStatuses = []ChangeStatus{ChangePending, ChangeApproved, ChangeRejected, ChangeWithdrawn}

// Key is the catalogue key of the status in words (internal/i18n); an
// unknown status is its own text.
func (s ChangeStatus) Key() string {
	switch s {
	case ChangePending:
		return "change_req.status_pending"
	case ChangeApproved:
		return "change_req.status_approved"
	case ChangeRejected:
		return "change_req.status_rejected"
	case ChangeWithdrawn:
		return "change_req.status_withdrawn"
	}
	return string(s)
}

// Label is the status in English words, for audit summaries and exports;
// pages show Key in the reader's language.
func (s ChangeStatus) Label() string {
	switch s {
	case ChangePending:
		return "Waiting for a second admin"
	case ChangeApproved:
		return "Approved and applied"
	case ChangeRejected:
		return "Rejected"
	case ChangeWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// ChangeRequest is a staff or settings change asked for by one admin that
// takes effect only when a different admin approves it.
type ChangeRequest struct {
	ID   int64
	Kind ChangeKind
	// Subject names what is changed ("user:12", "email:siti@x.co.id",
	// "setting:dual_approval_above"); one request per kind and subject
	// may be pending (a partial unique index).
	Subject string
	Summary string // what happens, in words
	UserID  *int64 // the person changed; nil when adding one
	Name    string // for ChangeUserCreate
	Email   string // for ChangeUserCreate
	Role    Role   // new role (create, role change)
	// PasswordHash is the new password's hash (create, reset); it is wiped
	// when the request is decided or withdrawn.
	PasswordHash string
	SettingKey   string
	SettingValue string
	// Before is the value when the request was made (role, setting); an
	// approval refuses when it has moved since, so nobody approves a change
	// to something they have not seen.
	Before           string `gorm:"column:before_value"`
	Status           ChangeStatus
	RequestedByID    int64
	RequestedByEmail string
	RequestedAt      time.Time
	DecidedByID      *int64
	DecidedByEmail   string
	DecidedAt        *time.Time
	Note             string // why it was rejected or withdrawn
}

// ChangeRefused is a rule saying no, with a sentence for the admin:
// Reason in English (logs, Error), Msg for the page in the reader's
// language (Text). A refusal made with a Reason only is shown as written.
type ChangeRefused struct {
	Reason string
	Msg    i18n.Message
}

func (e *ChangeRefused) Error() string { return e.Reason }

// Text is the refusal in the request's language.
func (e *ChangeRefused) Text(ctx context.Context) string {
	if e.Msg.IsZero() {
		return e.Reason
	}
	return i18n.T(ctx, e.Msg.ID, named(ctx, e.Msg.Args)...)
}

// Refuse makes a refusal from a catalogue key and its arguments (pairs of
// a name and a value, as for i18n.T); a Role or ChangeStatus value is
// named in the reader's language.
func Refuse(key string, args ...any) *ChangeRefused {
	en := i18n.With(context.Background(), i18n.EN)
	return &ChangeRefused{Reason: i18n.T(en, key, named(en, args)...), Msg: i18n.M(key, args...)}
}

func refuse(key string, args ...any) error { return Refuse(key, args...) }

// named replaces each argument value that has a catalogue key (a Role, a
// ChangeStatus) with its words in ctx's language.
func named(ctx context.Context, args []any) []any {
	out := slices.Clone(args)
	for i := 1; i < len(out); i += 2 {
		if k, ok := out[i].(interface{ Key() string }); ok {
			out[i] = i18n.T(ctx, k.Key())
		}
	}
	return out
}

// NeedsFourEyes reports whether adding a person with this role needs a
// second admin: anyone who can approve money or manage staff does.
func NeedsFourEyes(r Role) bool { return r == RoleAdmin || r == RoleFinance }

// MayApprove says whether by may approve r, asked by requester (nil when
// that account is gone).
func (r *ChangeRequest) MayApprove(by, requester *User) error {
	if err := r.mayDecide(by); err != nil {
		return err
	}
	if by.ID == r.RequestedByID {
		return refuse("change_req.refuse_own_approve")
	}
	if requester == nil || requester.Disabled || requester.Role != RoleAdmin {
		return refuse("change_req.refuse_asker_gone", "Email", r.RequestedByEmail)
	}
	return nil
}

// MayReject says whether by may reject r: any other active admin may.
func (r *ChangeRequest) MayReject(by *User) error {
	if err := r.mayDecide(by); err != nil {
		return err
	}
	if by.ID == r.RequestedByID {
		return refuse("change_req.refuse_own_reject")
	}
	return nil
}

// MayWithdraw says whether by may take back r: only the admin who asked.
func (r *ChangeRequest) MayWithdraw(by *User) error {
	if err := r.mayDecide(by); err != nil {
		return err
	}
	if by.ID != r.RequestedByID {
		return refuse("change_req.refuse_withdraw_other", "Email", r.RequestedByEmail)
	}
	return nil
}

func (r *ChangeRequest) mayDecide(by *User) error {
	if r.Status != ChangePending {
		return refuse("change_req.refuse_closed", "Status", r.Status)
	}
	if by == nil || by.Disabled || by.Role != RoleAdmin {
		return refuse("change_req.refuse_not_admin")
	}
	return nil
}

// StillApplies checks the person changed (nil when the request adds one)
// and the setting's current value against what the request was made on.
func (r *ChangeRequest) StillApplies(u *User, settingNow string) error {
	if r.Kind == ChangeUserCreate || r.Kind.IsSetting() {
		if r.Kind.IsSetting() && settingNow != r.Before {
			return refuse("change_req.refuse_threshold_moved")
		}
		return nil
	}
	if u == nil {
		return refuse("change_req.refuse_no_account")
	}
	switch r.Kind {
	case ChangeUserRole:
		if string(u.Role) != r.Before {
			return refuse("change_req.refuse_role_moved", "Name", u.Name, "Now", u.Role, "Before", Role(r.Before))
		}
	case ChangeUserSecondFactor:
		if !u.HasSecondFactor() {
			return refuse("change_req.refuse_no_2fa", "Name", u.Name)
		}
	case ChangeUserEnable:
		if !u.Disabled {
			return refuse("change_req.refuse_already_enabled", "Name", u.Name)
		}
	}
	return nil
}

// KeepsAnAdmin reports whether taking u's admin powers away (disabling
// them, or giving them another role) leaves at least one active admin;
// othersActive counts the active admins other than u.
func KeepsAnAdmin(u *User, othersActive int64) bool {
	if u.Role != RoleAdmin || u.Disabled {
		return true
	}
	return othersActive > 0
}
