package roster

import (
	"errors"
	"strconv"
	"testing"
)

func TestParseExtension(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"10", "10", nil},
		{" 101 ", "101", nil},
		{"9999", "9999", nil},
		{"1", "", ErrExtensionFormat},
		{"10000", "", ErrExtensionFormat},
		{"012", "", ErrExtensionFormat},
		{"00", "", ErrExtensionFormat},
		{"12a", "", ErrExtensionFormat},
		{"１２３", "", ErrExtensionFormat}, // full-width digits are not ASCII digits
		{"-12", "", ErrExtensionFormat},
		{"", "", ErrExtensionFormat},
		{"911", "", ErrExtensionEmergency},
		{"112", "", ErrExtensionEmergency},
		{"999", "", ErrExtensionEmergency},
		{"000", "", ErrExtensionFormat},
	} {
		got, err := ParseExtension(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("ParseExtension(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParsePIN(t *testing.T) {
	for _, tc := range []struct {
		pin, ext string
		err      error
	}{
		{"1234", "", nil},
		{"0000", "101", nil},
		{"123456789012", "101", nil},
		{"123", "", ErrPINFormat},
		{"1234567890123", "", ErrPINFormat},
		{"12 34", "", ErrPINFormat},
		{"12a4", "", ErrPINFormat},
		{"1001", "1001", ErrPINIsExtension},
	} {
		_, err := ParsePIN(tc.pin, tc.ext)
		if !errors.Is(err, tc.err) {
			t.Errorf("ParsePIN(%q, %q) = %v; want %v", tc.pin, tc.ext, err, tc.err)
		}
	}
}

func TestNextFreeExtension(t *testing.T) {
	if got := NextFreeExtension(nil); got != "100" {
		t.Fatalf("empty org: %q, want 100", got)
	}
	taken := map[string]bool{}
	for n := 100; n <= 910; n++ {
		taken[strconv.Itoa(n)] = true
	}
	if got := NextFreeExtension(taken); got != "912" {
		t.Fatalf("100-910 taken: %q, want 912 (911 is an emergency number)", got)
	}
	for n := 10; n <= 9999; n++ {
		taken[strconv.Itoa(n)] = true
	}
	if got := NextFreeExtension(taken); got != "" {
		t.Fatalf("all taken: %q, want none", got)
	}
}

// FuzzParseExtension checks that whatever is accepted is a well-formed,
// non-emergency extension that parses to itself.
func FuzzParseExtension(f *testing.F) {
	for _, s := range []string{"10", "101", "9999", "0", "911", "112", " 42 ", "4２", "\x00", "1e3", "+12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExtension(s)
		if err != nil {
			if got != "" {
				t.Fatalf("error with a result %q", got)
			}
			return
		}
		if len(got) < 2 || len(got) > 4 || got[0] == '0' || !allDigits(got) {
			t.Fatalf("accepted malformed extension %q from %q", got, s)
		}
		for _, e := range EmergencyNumbers {
			if got == e {
				t.Fatalf("accepted emergency number %q", got)
			}
		}
		if again, err := ParseExtension(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

// FuzzParsePIN checks that an accepted PIN is 4–12 digits and never the
// extension.
func FuzzParsePIN(f *testing.F) {
	f.Add("1234", "101")
	f.Add("101", "101")
	f.Add("4321", "4321")
	f.Add("123456789012345", "")
	f.Add("12\n34", "")
	f.Fuzz(func(t *testing.T, pin, ext string) {
		got, err := ParsePIN(pin, ext)
		if err != nil {
			return
		}
		if got != pin || len(got) < 4 || len(got) > 12 || !allDigits(got) || got == ext {
			t.Fatalf("accepted bad PIN %q (extension %q)", got, ext)
		}
	})
}
