package service

import (
	"strings"
	"testing"

	"roster/internal/phone"
	"roster/internal/roster"
)

// FuzzApplyPhonePatch feeds arbitrary text into every free-text field of a
// phone settings patch: the result is either an error or settings whose
// every field is well formed.
func FuzzApplyPhonePatch(f *testing.F) {
	f.Add("101", "+14155550100", "07911 123456", "+44", "1234", "102,+14155550199", "fr-CA", "Europe/Paris", 4)
	f.Add("911", "+1415", "x", "+999", "101", "1,2,3,4,5,6", "und", "Local", 11)
	f.Add("", "", "", "", "", "", "en", "UTC", 2)
	f.Add(" 42 ", "+1 (415) 555-0100", "(415) 555-0100", "1", "000000000000", "+442079460000", "zh-Hant-TW", "America/New_York", 10)
	f.Fuzz(func(t *testing.T, ext, caller, mobile, prefix, pin, dests, lang, zone string, rings int) {
		d := strings.Split(dests, ",")
		cur := roster.DefaultPhoneSettings("o", "u", "")
		patch := PhoneSettingsPatch{Extension: &ext, CallerID: &caller, MobileNumber: &mobile, CountryPrefix: &prefix,
			Voicemail:  &VoicemailPatch{PIN: &pin, Rings: &rings},
			Forwarding: &ForwardingPatch{Destinations: &d}, Language: &lang, TimeZone: &zone}
		got, err := applyPhonePatch(cur, patch, true)
		if err != nil {
			if roster.ErrorKind(err) != roster.KindInvalid {
				t.Fatalf("error of kind %q: %v", roster.ErrorKind(err), err)
			}
			return
		}
		if got.Extension != "" {
			if e, err := roster.ParseExtension(got.Extension); err != nil || e != got.Extension {
				t.Fatalf("extension %q", got.Extension)
			}
		}
		for _, n := range []string{got.CallerID, got.MobileNumber} {
			if n != "" {
				if e, err := phone.ParseNumber(n, ""); err != nil || e != n {
					t.Fatalf("number %q is not canonical E.164", n)
				}
			}
		}
		if pin != "" && (pin == got.Extension || len(pin) < 4 || len(pin) > 12) {
			t.Fatalf("accepted PIN %q with extension %q", pin, got.Extension)
		}
		if got.Voicemail.Rings < 2 || got.Voicemail.Rings > 10 || len(got.Forwarding.Destinations) > 5 {
			t.Fatalf("rings %d, %d destinations", got.Voicemail.Rings, len(got.Forwarding.Destinations))
		}
		if l, err := phone.ParseLanguage(got.Language); err != nil || l != got.Language {
			t.Fatalf("language %q", got.Language)
		}
		if _, err := phone.ParseTimeZone(got.TimeZone); err != nil {
			t.Fatalf("time zone %q", got.TimeZone)
		}
	})
}

func TestApplyPhonePatchLocks(t *testing.T) {
	cur := roster.DefaultPhoneSettings("o", "u", "101")
	cur.Locks = roster.PhoneLocks{Extension: true, CallerID: true}
	same, other := "101", "102"
	for _, tc := range []struct {
		name  string
		patch PhoneSettingsPatch
		admin bool
		kind  roster.Kind
	}{
		{"user changes locked extension", PhoneSettingsPatch{Extension: &other}, false, roster.KindForbidden},
		{"user resends the same extension", PhoneSettingsPatch{Extension: &same}, false, ""},
		{"user changes locked caller ID", PhoneSettingsPatch{CallerID: &other}, false, roster.KindForbidden},
		{"user unlocks", PhoneSettingsPatch{Locks: &LocksPatch{}}, false, roster.KindForbidden},
		{"admin changes locked extension", PhoneSettingsPatch{Extension: &other}, true, ""},
	} {
		_, err := applyPhonePatch(cur, tc.patch, tc.admin)
		if roster.ErrorKind(err) != tc.kind {
			t.Errorf("%s: %v, want kind %q", tc.name, err, tc.kind)
		}
	}
}
