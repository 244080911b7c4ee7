package models

import (
	"fmt"
	"time"
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

// Label is the kind in words.
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

// Label is the status in words.
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

// ChangeRefused is a rule saying no, with a sentence for the admin.
type ChangeRefused struct{ Reason string }

func (e *ChangeRefused) Error() string { return e.Reason }

func refuse(format string, args ...any) error {
	return &ChangeRefused{Reason: fmt.Sprintf(format, args...)}
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
		return refuse("You asked for this change, so a different admin must approve it.")
	}
	if requester == nil || requester.Disabled || requester.Role != RoleAdmin {
		return refuse("%s, who asked for this, is no longer an active admin. Reject the request.", r.RequestedByEmail)
	}
	return nil
}

// MayReject says whether by may reject r: any other active admin may.
func (r *ChangeRequest) MayReject(by *User) error {
	if err := r.mayDecide(by); err != nil {
		return err
	}
	if by.ID == r.RequestedByID {
		return refuse("You asked for this change; withdraw it instead.")
	}
	return nil
}

// MayWithdraw says whether by may take back r: only the admin who asked.
func (r *ChangeRequest) MayWithdraw(by *User) error {
	if err := r.mayDecide(by); err != nil {
		return err
	}
	if by.ID != r.RequestedByID {
		return refuse("Only %s, who asked for this change, can withdraw it.", r.RequestedByEmail)
	}
	return nil
}

func (r *ChangeRequest) mayDecide(by *User) error {
	if r.Status != ChangePending {
		return refuse("This request is already closed: %s.", r.Status.Label())
	}
	if by == nil || by.Disabled || by.Role != RoleAdmin {
		return refuse("Only an admin can decide staff and settings changes.")
	}
	return nil
}

// StillApplies checks the person changed (nil when the request adds one)
// and the setting's current value against what the request was made on.
func (r *ChangeRequest) StillApplies(u *User, settingNow string) error {
	if r.Kind == ChangeUserCreate || r.Kind.IsSetting() {
		if r.Kind.IsSetting() && settingNow != r.Before {
			return refuse("The threshold changed since this was asked for. Reject this request and ask again.")
		}
		return nil
	}
	if u == nil {
		return refuse("This staff account no longer exists. Reject the request.")
	}
	switch r.Kind {
	case ChangeUserRole:
		if string(u.Role) != r.Before {
			return refuse("%s is now %s, not %s as when this was asked for. Reject this request and ask again.", u.Name, u.Role.Label(), Role(r.Before).Label())
		}
	case ChangeUserSecondFactor:
		if !u.HasSecondFactor() {
			return refuse("%s has no second factor any more. Reject the request.", u.Name)
		}
	case ChangeUserEnable:
		if !u.Disabled {
			return refuse("%s can already sign in. Reject the request.", u.Name)
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
