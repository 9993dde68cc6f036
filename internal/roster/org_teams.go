package roster

import (
	"bytes"
	"errors"
	"image"
	_ "image/gif" // avatars may be GIF
	_ "image/jpeg"
	_ "image/png"
	"strings"
	"time"
)

// Team is a group of users in one org.
type Team struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"-"`
	Name        string    `json:"name"`
	Disabled    bool      `json:"disabled"`
	HasAvatar   bool      `json:"has_avatar"`
	MemberCount int       `json:"member_count"`
	RoleIDs     []string  `json:"role_ids"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TeamMembership is one user's place in one team, as bulk writes (the
// seed) store it.
type TeamMembership struct {
	TeamID  string
	UserID  string
	Leader  bool
	AddedAt time.Time
}

// TeamMember is a user's membership of a team.
type TeamMember struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Status    Status    `json:"status"`
	Role      string    `json:"role"`
	Leader    bool      `json:"leader"`
	Presence  string    `json:"presence,omitempty"`
	AddedAt   time.Time `json:"added_at"`
}

// TeamRef names a team in a user's JSON.
type TeamRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Disabled teams are shown only to those who manage teams.
	Disabled bool `json:"-"`
}

// NameKey is the case-insensitive form under which team and queue names are
// unique in an org.
func NameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// Avatar limits: small enough to keep in the database and serve inline.
const (
	MaxAvatarBytes = 256 << 10
	MaxAvatarSide  = 1024
)

// Avatar errors.
var (
	ErrAvatarTooLarge = errors.New("must be at most 256 KiB")
	ErrAvatarFormat   = errors.New("must be a PNG, JPEG or GIF image")
	ErrAvatarSize     = errors.New("must be at most 1024×1024 pixels")
)

// CheckAvatar validates an uploaded team avatar by its content, never its
// name, and returns its media type.
func CheckAvatar(data []byte) (string, error) {
	if len(data) > MaxAvatarBytes {
		return "", ErrAvatarTooLarge
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", ErrAvatarFormat
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxAvatarSide || cfg.Height > MaxAvatarSide {
		return "", ErrAvatarSize
	}
	// DecodeConfig reads only the header: decode the whole image so that a
	// truncated or corrupt file is refused now rather than shown broken.
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return "", ErrAvatarFormat
	}
	return "image/" + format, nil
}
