package service

import (
	"slices"
	"testing"
)

func TestParseBool(t *testing.T) {
	for _, s := range []string{"1", "true", "TRUE", "yes", "Yes", "y", "on", " 1 "} {
		if b, err := parseBool(s); err != nil || !b {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, b, err)
		}
	}
	for _, s := range []string{"0", "false", "False", "no", "NO", "n", "off"} {
		if b, err := parseBool(s); err != nil || b {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, b, err)
		}
	}
	for _, s := range []string{"", "2", "maybe", "tru", "-1"} {
		if _, err := parseBool(s); err == nil {
			t.Errorf("parseBool(%q) accepted", s)
		}
	}
}

func TestSplitList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"sales; support ;;east", []string{"sales", "support", "east"}},
		{" ; ", nil},
		{"one", []string{"one"}},
		{"a:1;b:2", []string{"a:1", "b:2"}},
	} {
		if got := splitList(c.in); !slices.Equal(got, c.want) {
			t.Errorf("splitList(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestColumnByHeader(t *testing.T) {
	for h, want := range map[string]string{
		"email": "email", "E-Mail": "email", "Email Address": "email", "FirstName": "first_name",
		"first name": "first_name", "LASTNAME": "last_name", "Exten": "extension", "Number": "extension",
		"License": "license_type", "licence_type": "license_type", "Send Invite": "invite", "Role": "role",
		" created_at ": "created_at", "id": "id",
	} {
		c := columnByHeader(h)
		if c == nil || c.Name != want {
			t.Errorf("columnByHeader(%q) = %v, want %s", h, c, want)
		}
	}
	for _, h := range []string{"", "department", "emails", "first__name"} {
		if c := columnByHeader(h); c != nil {
			t.Errorf("columnByHeader(%q) = %s, want none", h, c.Name)
		}
	}
	// Every name and alias means one column only.
	seen := map[string]string{}
	for _, c := range userColumns {
		for _, k := range append([]string{c.Name}, c.Aliases...) {
			if prev, dup := seen[headerKey(k)]; dup {
				t.Errorf("header %q means both %s and %s", k, prev, c.Name)
			}
			seen[headerKey(k)] = c.Name
		}
	}
}
