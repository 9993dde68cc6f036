package web

import (
	"testing"

	"roster/internal/phone"
)

// TestPhoneChoicesAreCanonical: every language and time zone the settings
// page offers is accepted by the service as is, so choosing one never
// fails and the stored value selects the same option again.
func TestPhoneChoicesAreCanonical(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range languageChoices {
		got, err := phone.ParseLanguage(o.Value)
		if err != nil || got != o.Value {
			t.Errorf("language %q reads back as %q, %v", o.Value, got, err)
		}
		if seen[o.Value] {
			t.Errorf("language %q offered twice", o.Value)
		}
		seen[o.Value] = true
	}
	for _, o := range timeZoneChoices() {
		got, err := phone.ParseTimeZone(o.Value)
		if err != nil || got != o.Value {
			t.Errorf("time zone %q reads back as %q, %v", o.Value, got, err)
		}
		if seen[o.Value] {
			t.Errorf("time zone %q offered twice", o.Value)
		}
		seen[o.Value] = true
	}
	if got := withCurrent(languageChoices, "gd"); got[0].Value != "gd" || len(got) != len(languageChoices)+1 {
		t.Errorf("a language set elsewhere is not offered: %v", got[:2])
	}
	if got := withCurrent(languageChoices, "fr"); len(got) != len(languageChoices) {
		t.Error("an offered language was added again")
	}
}
