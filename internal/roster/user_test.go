package roster

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Jane@Example.com", "jane@example.com"},
		{"  JOE@acme.TEST \n", "joe@acme.test"},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"},
		{"o'brien@example.ie", "o'brien@example.ie"},
	} {
		got, err := NormalizeEmail(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", " ", "plain", "@example.com", "jane@", "jane@localhost", "jane@.example.com", "jane@example.com.",
		"jane@exa..mple.com", "Jane <jane@example.com>", "jane@example.com (work)", "ja ne@example.com",
		"jane@example.com, joe@example.com", "jane\x00@example.com", strings.Repeat("a", 65) + "@example.com",
		"a@" + strings.Repeat("b", 250) + ".com", "\xff@example.com",
	} {
		if got, err := NormalizeEmail(bad); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", bad, got)
		}
	}
}

func TestSplitEmails(t *testing.T) {
	got := SplitEmails("Jane@Example.com, joe@example.com;ann@x.test\n\tbob@x.test  ,,\r\ncid@x.test ")
	want := []string{"Jane@Example.com", "joe@example.com", "ann@x.test", "bob@x.test", "cid@x.test"}
	if !slices.Equal(got, want) {
		t.Fatalf("SplitEmails = %q, want %q", got, want)
	}
	if got := SplitEmails(" ,;\n "); len(got) != 0 {
		t.Fatalf("SplitEmails of separators only = %q, want none", got)
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"", "Jane", "Zoë-Ann O'Neil", "李小龙", strings.Repeat("é", 100)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{strings.Repeat("a", 101), "Jane\nDoe", "tab\there", "del\x7f"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("ValidateName(%q) = nil, want an error", bad)
		}
	}
}

func TestStatusHoldsSeat(t *testing.T) {
	for s, want := range map[Status]bool{StatusActive: true, StatusInvited: true, StatusPrepared: false, StatusInactive: false} {
		if s.HoldsSeat() != want || !ValidStatus(s) {
			t.Errorf("%s: HoldsSeat %v, want %v (valid %v)", s, s.HoldsSeat(), want, ValidStatus(s))
		}
	}
	if ValidStatus("deleted") || ValidStatus("") {
		t.Error("unknown statuses must not be valid")
	}
}

func TestUserName(t *testing.T) {
	if n := (&User{FirstName: " Jane", LastName: "Roe ", Email: "j@x.test"}).Name(); n != "Jane Roe" {
		t.Errorf("Name = %q", n)
	}
	if n := (&User{Email: "j@x.test"}).Name(); n != "j@x.test" {
		t.Errorf("Name without names = %q, want the email", n)
	}
}

// FuzzNormalizeEmail checks that whatever an admin pastes, a normalised
// address is lower case, trimmed, one address, and stable when normalised again.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"Jane@Example.com", " a@b.co ", "a@b", `"quoted"@example.com`, "a@[127.0.0.1]",
		"Jane <j@x.test>", "ü@exämple.com", "a@b.c\x00", "a,b@c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			return
		}
		if got != strings.ToLower(got) || got != strings.TrimSpace(got) || !utf8.ValidString(got) {
			t.Fatalf("NormalizeEmail(%q) = %q: not lower-case, trimmed UTF-8", s, got)
		}
		if strings.Count(got, "@") < 1 || strings.ContainsAny(got, " ,;\n\r\t<>") && !strings.HasPrefix(got, `"`) {
			t.Fatalf("NormalizeEmail(%q) = %q: not a single plain address", s, got)
		}
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("NormalizeEmail is not idempotent on %q: %q, %v", got, again, err)
		}
		if len(SplitEmails(got)) != 1 {
			t.Fatalf("a valid address %q splits into %q", got, SplitEmails(got))
		}
	})
}

// FuzzSplitEmails checks that splitting never loses or invents characters
// other than separators.
func FuzzSplitEmails(f *testing.F) {
	for _, s := range []string{"a@b.c, d@e.f", "a@b.c;d@e.f\n", " \t\r\n,,;", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := SplitEmails(s)
		isSep := func(r rune) bool { return strings.ContainsRune(",; \n\r\t", r) }
		// Separators are ASCII, so compare bytes: invalid UTF-8 must pass
		// through untouched.
		var kept strings.Builder
		for i := 0; i < len(s); i++ {
			if !isSep(rune(s[i])) {
				kept.WriteByte(s[i])
			}
		}
		if strings.Join(parts, "") != kept.String() {
			t.Fatalf("SplitEmails(%q) = %q, lost or invented characters", s, parts)
		}
		for _, p := range parts {
			if p == "" || strings.IndexFunc(p, isSep) >= 0 {
				t.Fatalf("SplitEmails(%q) gave the piece %q", s, p)
			}
		}
	})
}

func TestParseStatusList(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want []Status
		bad  bool
	}{
		{nil, nil, false},
		{[]string{""}, nil, false},
		{[]string{"active"}, []Status{StatusActive}, false},
		{[]string{" prepared , active,,prepared", "inactive", "active"}, []Status{StatusPrepared, StatusActive, StatusInactive}, false},
		{[]string{"active,gone"}, nil, true},
		{[]string{"Active"}, nil, true},
	} {
		got, err := ParseStatusList(c.in)
		if (err != nil) != c.bad || (!c.bad && !slices.Equal(got, c.want)) {
			t.Errorf("ParseStatusList(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.bad)
		}
		var e *Error
		if c.bad && (!errors.As(err, &e) || e.Kind != KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "status") {
			t.Errorf("ParseStatusList(%q): error %#v is not one invalid status", c.in, err)
		}
	}
}

// FuzzParseStatusList: whatever a client sends, the answer is statuses that
// exist, each once, or an invalid-status error exactly when some entry is
// not one.
func FuzzParseStatusList(f *testing.F) {
	for _, s := range []string{"active", "active,prepared", " invited ,", "x,active", "\xff", strings.Repeat("a,", 100)} {
		f.Add(s, "inactive")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := ParseStatusList([]string{a, b})
		anyBad := false
		for _, v := range []string{a, b} {
			for s := range strings.SplitSeq(v, ",") {
				if s = strings.TrimSpace(s); s != "" && !ValidStatus(Status(s)) {
					anyBad = true
				}
			}
		}
		if anyBad != (err != nil) {
			t.Fatalf("%q, %q: error %v, but an unknown status is there: %v", a, b, err, anyBad)
		}
		if err != nil {
			if ErrorKind(err) != KindInvalid {
				t.Fatalf("%q, %q: error of kind %v", a, b, ErrorKind(err))
			}
			return
		}
		seen := map[Status]bool{}
		for _, st := range got {
			if !ValidStatus(st) || seen[st] {
				t.Fatalf("%q, %q: %v", a, b, got)
			}
			seen[st] = true
		}
	})
}
