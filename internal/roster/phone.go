package roster

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// PhoneNumber is one of an org's numbers; any of them may be a user's
// outbound caller ID, and one may be the org's main number, which is the
// caller ID of users who chose none.
type PhoneNumber struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"-"`
	Number    string    `json:"number"` // E.164
	Label     string    `json:"label"`
	Main      bool      `json:"main"`
	CreatedAt time.Time `json:"created_at"`
}

// Voicemail defaults and bounds (seed 002).
const (
	DefaultVoicemailRings = 4
	MinVoicemailRings     = 2
	MaxVoicemailRings     = 10
	// MaxGreetingBytes bounds an uploaded voicemail greeting.
	MaxGreetingBytes = 5 << 20
	// MaxForwardDestinations bounds a call-forwarding list.
	MaxForwardDestinations = 5
	// MaxDisplayNumbers bounds a user's extra display numbers.
	MaxDisplayNumbers = 10
)

// Forwarding modes: ring every destination at once, or one after another.
const (
	ForwardSimultaneous = "simultaneous"
	ForwardSequential   = "sequential"
)

// ValidForwardMode reports whether m is a forwarding mode.
func ValidForwardMode(m string) bool { return m == ForwardSimultaneous || m == ForwardSequential }

// Dial-by-name directory matching, an org setting (seed 002: last name by
// default, first name when the org says so).
const (
	DirectoryMatchLast      = "last_name"
	DirectoryMatchFirst     = "first_name"
	DirectoryMatchFirstLast = "first_or_last_name"
)

// ValidDirectoryMatch reports whether m is a directory matching mode.
func ValidDirectoryMatch(m string) bool {
	return m == DirectoryMatchLast || m == DirectoryMatchFirst || m == DirectoryMatchFirstLast
}

// PhoneLocks are the choices an admin reserved: the user cannot change
// them in their own phone settings.
type PhoneLocks struct {
	Extension bool `json:"extension"`
	CallerID  bool `json:"caller_id"`
}

// VoicemailSettings is a user's voicemail box.
type VoicemailSettings struct {
	Enabled bool `json:"enabled"`
	Rings   int  `json:"rings"`
	// CustomGreeting is true when an uploaded greeting replaces the default one.
	CustomGreeting bool `json:"custom_greeting"`
	PINSet         bool `json:"pin_set"`
	// Email receives new messages when EmailEnabled; empty means the
	// user's own address.
	Email        string `json:"email"`
	EmailEnabled bool   `json:"email_enabled"`
	AttachAudio  bool   `json:"attach_audio"`

	PINHash string `json:"-"`
}

// ForwardingSettings is a user's call forwarding.
type ForwardingSettings struct {
	Enabled bool   `json:"enabled"`
	Mode    string `json:"mode"`
	// Destinations are extensions of the org or E.164 numbers.
	Destinations []string `json:"destinations"`
}

// PhoneSettings is one user's phone identity. The extension itself lives
// on the user (it is searched with the people list); the rest here.
type PhoneSettings struct {
	UserID    string `json:"user_id"`
	OrgID     string `json:"-"`
	Extension string `json:"extension"`
	// CallerID is the chosen org number; empty means the org's main number.
	CallerID string `json:"caller_id"`
	// EffectiveCallerID is what calls actually show: CallerID if it is
	// still one of the org's numbers, else the main number (or empty).
	EffectiveCallerID  string             `json:"effective_caller_id"`
	MobileNumber       string             `json:"mobile_number"`
	LandlineNumber     string             `json:"landline_number"`
	LinkedMobileNumber string             `json:"linked_mobile_number"`
	DisplayNumbers     []string           `json:"display_numbers"`
	CountryPrefix      string             `json:"country_prefix"` // e.g. "+44"; national numbers typed later use it
	Voicemail          VoicemailSettings  `json:"voicemail"`
	Forwarding         ForwardingSettings `json:"forwarding"`
	DoNotDisturb       bool               `json:"do_not_disturb"`
	Language           string             `json:"language"`  // BCP 47 tag
	TimeZone           string             `json:"time_zone"` // IANA name
	Locks              PhoneLocks         `json:"locks"`
	UpdatedAt          *time.Time         `json:"updated_at"`
}

// Defaults for a user who never saved phone settings.
const (
	DefaultLanguage = "en"
	DefaultTimeZone = "UTC"
)

// DefaultPhoneSettings returns the settings of a user who never changed any.
func DefaultPhoneSettings(orgID, userID, extension string) *PhoneSettings {
	return &PhoneSettings{
		UserID: userID, OrgID: orgID, Extension: extension, DisplayNumbers: []string{},
		Voicemail:  VoicemailSettings{Enabled: true, Rings: DefaultVoicemailRings, EmailEnabled: true},
		Forwarding: ForwardingSettings{Mode: ForwardSimultaneous, Destinations: []string{}},
		Language:   DefaultLanguage, TimeZone: DefaultTimeZone,
	}
}

// Voicemail is one message left for a user, as the telephony side reports it.
type Voicemail struct {
	ID              string    `json:"id"`
	OrgID           string    `json:"-"`
	UserID          string    `json:"user_id"`
	CallerNumber    string    `json:"caller_number"` // E.164, or empty when withheld
	CallerName      string    `json:"caller_name"`
	DurationSeconds int       `json:"duration_seconds"`
	AudioURL        string    `json:"audio_url"`
	Transcription   string    `json:"transcription"`
	ReceivedAt      time.Time `json:"received_at"`
	CreatedAt       time.Time `json:"created_at"`
}

// DirectoryEntry is one line of the dial-by-name directory.
type DirectoryEntry struct {
	UserID    string `json:"user_id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Extension string `json:"extension"`
}

// Greeting is an uploaded voicemail greeting.
type Greeting struct {
	UserID      string
	ContentType string // audio/wav or audio/mpeg
	Data        []byte
	UploadedAt  time.Time
}

// Provisioning apps: the mobile app scans a QR code, the desktop app
// opens a link.
const (
	AppMobile  = "mobile"
	AppDesktop = "desktop"
)

// ProvisioningToken is a single-use, short-lived token that configures a
// user's app. Only its hash is stored.
type ProvisioningToken struct {
	ID        string
	OrgID     string
	UserID    string
	App       string
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// EmergencyNumbers can never be extensions: dialling them must reach the
// emergency services, not a colleague.
var EmergencyNumbers = []string{"911", "112", "999", "000"}

// Errors of the extension and PIN parsers, worded as field messages.
var (
	ErrExtensionFormat    = errors.New("must be 2 to 4 digits and not start with 0")
	ErrExtensionEmergency = errors.New("is an emergency number and cannot be an extension")
	ErrPINFormat          = errors.New("must be 4 to 12 digits")
	ErrPINIsExtension     = errors.New("must not be the same as the extension")
)

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseExtension trims s and checks it is an extension: 2–4 ASCII digits,
// no leading zero, not an emergency number. It returns the extension or
// ErrExtensionFormat / ErrExtensionEmergency.
func ParseExtension(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || len(s) > 4 || !allDigits(s) || s[0] == '0' {
		return "", ErrExtensionFormat
	}
	for _, e := range EmergencyNumbers {
		if s == e {
			return "", ErrExtensionEmergency
		}
	}
	return s, nil
}

// ParsePIN checks a voicemail PIN: 4–12 ASCII digits, not the user's
// extension. It returns the PIN or ErrPINFormat / ErrPINIsExtension.
func ParsePIN(s, extension string) (string, error) {
	if len(s) < 4 || len(s) > 12 || !allDigits(s) {
		return "", ErrPINFormat
	}
	if extension != "" && s == extension {
		return "", ErrPINIsExtension
	}
	return s, nil
}

// NextFreeExtension returns the lowest valid extension not in taken,
// preferring three digits (100–999), then four, then two; "" when every
// one is taken.
func NextFreeExtension(taken map[string]bool) string {
	for _, r := range [][2]int{{100, 999}, {1000, 9999}, {10, 99}} {
		for n := r[0]; n <= r[1]; n++ {
			s := strconv.Itoa(n)
			if taken[s] {
				continue
			}
			if _, err := ParseExtension(s); err == nil {
				return s
			}
		}
	}
	return ""
}
