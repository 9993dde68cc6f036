package phone

import (
	"errors"
	"strings"
	"testing"

	"roster/internal/phone/phonetest"
)

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in, prefix, want string
	}{
		{"+14155550100", "", "+14155550100"},
		{" +1 (415) 555-0100 ", "", "+14155550100"},
		{"+44 20 7946 0000", "", "+442079460000"},
		{"020 7946 0000", "+44", "+442079460000"},
		{"(415) 555-0100", "+1", "+14155550100"},
		{"4155550100", "", ""}, // national number without a country
		{"+1415", "", ""},      // too short
		{"+999123456", "", ""}, // no such country
		{"+1 415 555 0100 ext 5", "", ""},
		{"++14155550100", "", ""},
		{"+14155550100+", "", ""},
		{"tel:+14155550100", "", ""},
		{"+1٤١٥5550100", "", ""}, // non-ASCII digits
		{"", "", ""},
		{strings.Repeat("1", 41), "+1", ""},
	} {
		got, err := ParseNumber(tc.in, tc.prefix)
		if got != tc.want || (tc.want == "") != errors.Is(err, ErrNumber) {
			t.Errorf("ParseNumber(%q, %q) = %q, %v; want %q", tc.in, tc.prefix, got, err, tc.want)
		}
	}
}

func TestParseCountryPrefix(t *testing.T) {
	for in, want := range map[string]string{"+1": "+1", "44": "+44", " +33 ": "+33", "+999": "", "+0": "", "": "", "+": "",
		"+1234": "", "x1": "", "+01": ""} {
		got, err := ParseCountryPrefix(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseCountryPrefix(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]string{"en": "en", "en-gb": "en-GB", "fr": "fr", "pt-BR": "pt-BR", "und": "",
		"": "", "english": "", "en_US!": "", "x-klingon": ""} {
		got, err := ParseLanguage(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseTimeZone(t *testing.T) {
	for in, want := range map[string]string{"Europe/Paris": "Europe/Paris", "UTC": "UTC", "America/New_York": "America/New_York",
		"Local": "", "": "", "Mars/Olympus": "", "../../etc/passwd": "", "/etc/localtime": "", "Europe/paris": ""} {
		got, err := ParseTimeZone(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseTimeZone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestSniffAudio(t *testing.T) {
	wav := phonetest.WAV(100)
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"wav", wav, AudioWAV},
		{"mp3", phonetest.MP3(3, false), AudioMP3},
		{"mp3 with id3", phonetest.MP3(2, true), AudioMP3},
		{"one mp3 frame", phonetest.MP3(1, false), AudioMP3},
		{"empty", nil, ""},
		{"text named .wav", []byte("this is not audio at all, whatever the file is called"), ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ""},
		{"riff avi", append([]byte("RIFF\x00\x00\x00\x00AVI "), wav[12:]...), ""},
		{"wave without fmt", []byte("RIFF\x04\x00\x00\x00WAVE"), ""},
		{"truncated fmt", wav[:30], ""},
		{"lone sync word", []byte{0xFF, 0xFB, 0x90, 0x00, 'x', 'y'}, ""},
		{"id3 then text", append([]byte{'I', 'D', '3', 4, 0, 0, 0, 0, 0, 2, 0, 0}, []byte("hello world")...), ""},
	} {
		got, err := SniffAudio(tc.in)
		if got != tc.want || (tc.want == "") != errors.Is(err, ErrAudio) {
			t.Errorf("%s: SniffAudio = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// FuzzParseNumber checks that whatever is accepted is canonical E.164 that
// parses to itself with or without a country prefix.
func FuzzParseNumber(f *testing.F) {
	for _, s := range [][2]string{{"+14155550100", ""}, {"020 7946 0000", "+44"}, {"+1 (415) 555-0100", "+1"},
		{"++1", ""}, {"+999", ""}, {"0", "+0"}, {"+49 151 23456789", ""}, {"(((", "+1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, prefix string) {
		got, err := ParseNumber(s, prefix)
		if err != nil {
			if got != "" {
				t.Fatalf("error with result %q", got)
			}
			return
		}
		if !strings.HasPrefix(got, "+") || len(got) > 16 || len(got) < 4 {
			t.Fatalf("accepted %q as %q, which is not E.164", s, got)
		}
		for _, r := range got[1:] {
			if r < '0' || r > '9' {
				t.Fatalf("accepted %q as %q, which is not E.164", s, got)
			}
		}
		if again, err := ParseNumber(got, ""); err != nil || again != got {
			t.Fatalf("E.164 %q does not parse to itself: %q, %v", got, again, err)
		}
	})
}

// FuzzSniffAudio checks that the sniffer never panics and only answers
// the two content types.
func FuzzSniffAudio(f *testing.F) {
	f.Add(phonetest.WAV(10))
	f.Add(phonetest.MP3(2, true))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \xff\xff\xff\xff"))
	f.Add([]byte("ID3\x04\x00\x10\x7f\x7f\x7f\x7f"))
	f.Add([]byte{0xFF, 0xE2, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := SniffAudio(b)
		if err == nil && got != AudioWAV && got != AudioMP3 {
			t.Fatalf("content type %q", got)
		}
	})
}

// FuzzParseLanguageAndZone checks that accepted tags and zones are stable.
func FuzzParseLanguageAndZone(f *testing.F) {
	f.Add("en-GB")
	f.Add("Europe/Paris")
	f.Add("zh-Hant-TW")
	f.Add("../x")
	f.Fuzz(func(t *testing.T, s string) {
		if l, err := ParseLanguage(s); err == nil {
			if again, err := ParseLanguage(l); err != nil || again != l {
				t.Fatalf("language %q -> %q -> %q, %v", s, l, again, err)
			}
		}
		if z, err := ParseTimeZone(s); err == nil && z != strings.TrimSpace(s) {
			t.Fatalf("zone %q -> %q", s, z)
		}
	})
}
