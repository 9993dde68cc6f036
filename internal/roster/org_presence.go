package roster

import "time"

// Presence is what colleagues and the telephony side see of a user.
type Presence string

// The presence states, strongest first where they combine.
const (
	PresenceOnline  Presence = "online"
	PresenceAway    Presence = "away"
	PresenceDND     Presence = "dnd"
	PresenceInCall  Presence = "in_call"
	PresenceOffline Presence = "offline"
)

// ValidPresence reports whether p is a presence the telephony side may set.
func ValidPresence(p Presence) bool {
	switch p {
	case PresenceOnline, PresenceAway, PresenceDND, PresenceInCall, PresenceOffline:
		return true
	}
	return false
}

// How recent activity must be to count as online or away.
const (
	OnlineWithin = 5 * time.Minute
	AwayWithin   = 30 * time.Minute
)

// PresenceInput is what presence is derived from.
type PresenceInput struct {
	Status Status // the user's lifecycle status
	// Set is the telephony side's last word, and when it was said ("" if
	// never).
	Set   Presence
	SetAt time.Time
	DND   bool
	// LastActive is the newest use of a session or API token (zero if none).
	LastActive time.Time
}

// DerivePresence combines the inputs: a user who is not active is offline;
// a call in progress wins over DND, which wins over everything else; a
// status the telephony side set counts until newer activity is seen;
// otherwise activity within OnlineWithin is online, within AwayWithin away.
func DerivePresence(in PresenceInput, now time.Time) Presence {
	if in.Status != StatusActive {
		return PresenceOffline
	}
	if in.Set == PresenceInCall {
		return PresenceInCall
	}
	if in.DND || in.Set == PresenceDND {
		return PresenceDND
	}
	if in.Set != "" && !in.SetAt.Before(in.LastActive) {
		return in.Set
	}
	switch {
	case in.LastActive.IsZero():
		return PresenceOffline
	case now.Sub(in.LastActive) <= OnlineWithin:
		return PresenceOnline
	case now.Sub(in.LastActive) <= AwayWithin:
		return PresenceAway
	}
	return PresenceOffline
}

// PresenceView is a user's presence with its inputs.
type PresenceView struct {
	UserID     string     `json:"user_id"`
	Presence   Presence   `json:"presence"`
	DND        bool       `json:"dnd"`
	Set        Presence   `json:"set_status,omitempty"`
	SetAt      *time.Time `json:"set_at,omitempty"`
	LastActive *time.Time `json:"last_active_at"`
}
