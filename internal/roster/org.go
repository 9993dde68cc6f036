package roster

import (
	"regexp"
	"strings"
	"time"
)

// Plan is an org's subscription plan.
type Plan string

// The plans.
const (
	PlanTrial        Plan = "trial"
	PlanStandard     Plan = "standard"
	PlanProfessional Plan = "professional"
	PlanProPlus      Plan = "pro_plus"
)

// ValidPlan reports whether p is a known plan.
func ValidPlan(p Plan) bool {
	switch p {
	case PlanTrial, PlanStandard, PlanProfessional, PlanProPlus:
		return true
	}
	return false
}

// Trial allowances (seed 000): invitations ever sent, cancelled ones included.
const TrialInvitationLimit = 15

// Org is a tenant.
type Org struct {
	ID              string        `json:"id"`
	Slug            string        `json:"slug"`
	Name            string        `json:"name"`
	Plan            Plan          `json:"plan"`
	InviteTTL       time.Duration `json:"-"` // 0 = the server default
	InvitationsSent int           `json:"invitations_sent"`
	CreatedAt       time.Time     `json:"created_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

// ValidateNewOrg checks an org's name, slug and plan.
func ValidateNewOrg(name, slug string, plan Plan) error {
	var v Validation
	if strings.TrimSpace(name) == "" || len(name) > 200 {
		v.Add("name", "must be 1 to 200 characters")
	}
	if !slugRE.MatchString(slug) {
		v.Add("slug", "must be 1 to 40 lower-case letters, digits or dashes")
	}
	if !ValidPlan(plan) {
		v.Add("plan", "must be one of trial, standard, professional, pro_plus")
	}
	return v.Err()
}

// LicensePool is a license type of an org with its seat counts.
type LicensePool struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Purchased int    `json:"purchased"`
	Used      int    `json:"used"`
	Available int    `json:"available"`
}

var licenseTypeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ValidateLicensePool checks the operator's input for a license pool.
func ValidateLicensePool(typ, name string, quantity int) error {
	var v Validation
	if !licenseTypeRE.MatchString(typ) {
		v.Add("type", "must be 1 to 40 lower-case letters, digits or underscores, starting with a letter")
	}
	if strings.TrimSpace(name) == "" || len(name) > 100 {
		v.Add("name", "must be 1 to 100 characters")
	}
	if quantity < 0 || quantity > 1_000_000 {
		v.Add("quantity", "must be between 0 and 1000000")
	}
	return v.Err()
}
