package roster

import "time"

// Queue is a call queue of an org.
type Queue struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"-"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// QueueMember is an agent assigned to a queue. A lower penalty is tried
// first; priority orders agents of equal penalty (higher first).
type QueueMember struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Status    Status    `json:"status"`
	Penalty   int       `json:"penalty"`
	Priority  int       `json:"priority"`
	AddedAt   time.Time `json:"added_at"`
}

// Queue member limits.
const (
	MaxPenalty  = 100
	MaxPriority = 100
)

// ValidateQueueMember checks a penalty and priority.
func ValidateQueueMember(penalty, priority int, v *Validation) {
	if penalty < 0 || penalty > MaxPenalty {
		v.Add("penalty", "must be between 0 and %d", MaxPenalty)
	}
	if priority < 0 || priority > MaxPriority {
		v.Add("priority", "must be between 0 and %d", MaxPriority)
	}
}

// ValidateDescription checks a free-text description.
func ValidateDescription(s string) error {
	if len(s) > 1000 {
		return errString("must be at most 1000 characters")
	}
	for _, r := range s {
		if r < ' ' && r != '\n' && r != '\t' || r == 0x7f {
			return errString("must not contain control characters")
		}
	}
	return nil
}
