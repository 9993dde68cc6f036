package roster

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TrialDialLimit is how many dials a trial org may make (seed 000).
const TrialDialLimit = 500

// MaxCallEventBatch bounds one POST of call events.
const MaxCallEventBatch = 1000

// CallEvent is one finished call reported by the telephony side.
type CallEvent struct {
	ID        string    `json:"id"`
	UserID    string    `json:"user_id"`
	Direction string    `json:"direction"` // inbound or outbound; outbound calls are dials
	Answered  bool      `json:"answered"`  // answered calls are calls handled
	StartedAt time.Time `json:"started_at"`
	Duration  int       `json:"duration_seconds"`
}

// Day is the UTC date a call counts on.
func (e CallEvent) Day() string { return e.StartedAt.UTC().Format(time.DateOnly) }

// IsDial reports whether the event counts against a trial's dial allowance.
func (e CallEvent) IsDial() bool { return e.Direction == "outbound" }

// ValidateCallEvent checks one event of a batch, reporting under
// events[i].field. now bounds how far in the future a start may lie.
func ValidateCallEvent(i int, e *CallEvent, now time.Time, v *Validation) {
	at := "events[" + strconv.Itoa(i) + "]."
	e.ID = strings.TrimSpace(e.ID)
	if e.ID == "" || len(e.ID) > 100 || !utf8.ValidString(e.ID) || strings.ContainsFunc(e.ID, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		v.Add(at+"id", "must be 1 to 100 printable characters")
	}
	if e.UserID == "" {
		v.Add(at+"user_id", "is required")
	} else if !ValidID(e.UserID) {
		v.Add(at+"user_id", "is not a user ID")
	}
	if e.Direction != "inbound" && e.Direction != "outbound" {
		v.Add(at+"direction", "must be inbound or outbound")
	}
	switch {
	case e.StartedAt.IsZero():
		v.Add(at+"started_at", "is required (RFC 3339)")
	case e.StartedAt.After(now.Add(time.Hour)):
		v.Add(at+"started_at", "must not be in the future")
	case e.StartedAt.Year() < 2000:
		v.Add(at+"started_at", "must be after 2000")
	}
	if e.Duration < 0 || e.Duration > 86400 {
		v.Add(at+"duration_seconds", "must be between 0 and 86400")
	}
}

// CallIngest is the outcome of one batch.
type CallIngest struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// DialsRemaining is set for trial orgs.
	DialsRemaining *int `json:"dials_remaining,omitempty"`
}

// DayCount is calls handled on one day.
type DayCount struct {
	Day          string `json:"day"`
	CallsHandled int    `json:"calls_handled"`
}

// UserCallStats is one user's calls handled per day.
type UserCallStats struct {
	UserID string     `json:"user_id"`
	Total  int        `json:"total"`
	Days   []DayCount `json:"days"`
}

// PlanShowsCallStats reports whether the plan includes call statistics.
func PlanShowsCallStats(p Plan) bool { return p == PlanProfessional || p == PlanProPlus }
