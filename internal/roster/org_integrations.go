package roster

import "time"

// Integration is a CRM the org connects (Salesforce, HubSpot, …).
type Integration struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"-"`
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// UserIntegration is an org integration a user has linked.
type UserIntegration struct {
	IntegrationID string    `json:"integration_id"`
	Key           string    `json:"key"`
	Name          string    `json:"name"`
	Account       string    `json:"account"`
	LinkedAt      time.Time `json:"linked_at"`
}

// ValidateIntegrationAccount checks the account name a user links with.
func ValidateIntegrationAccount(s string) error {
	if len(s) > 254 {
		return errString("must be at most 254 characters")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return errString("must not contain control characters")
		}
	}
	return nil
}
