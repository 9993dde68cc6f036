package web

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"roster/internal/roster"
)

// FuzzPeopleQuery: any query string gives a valid People view whose own
// URL reads back as the same view, so links built from it never drift.
func FuzzPeopleQuery(f *testing.F) {
	for _, s := range []string{"", "tab=invited", "status=inactive&q=jo", "tab=bogus&sort=-name", "sort=password_hash",
		"q=%ff%fe&role=admin&license=power_dialer", "cursor=abc&view=card", "q=" + strings.Repeat("é", 300),
		"tab=prepared&tab=active", "q=a+b%26c%3Dd", "sort=-last_login_at&cursor=eyJzIjoiLW5hbWUifQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		q := parsePeopleQuery(v)
		if !roster.ValidStatus(q.Tab) {
			t.Fatalf("tab %q", q.Tab)
		}
		if len(q.Q) > maxSearch || !utf8.ValidString(q.Q) || !utf8.ValidString(q.Role) {
			t.Fatalf("search %q not clipped", q.Q)
		}
		if q.Sort != "" && !peopleSorts[strings.TrimPrefix(q.Sort, "-")] {
			t.Fatalf("sort %q let through", q.Sort)
		}
		u, err := url.Parse(q.URL())
		if err != nil || u.Path != "/people" {
			t.Fatalf("URL %q: %v", q.URL(), err)
		}
		back := parsePeopleQuery(u.Query())
		q.View = ""
		if back != q {
			t.Fatalf("round trip: %+v became %+v via %s", q, back, q.URL())
		}
	})
}

// FuzzLocalPath: whatever a form posts as the page to go back to, the
// redirect stays on this site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/people", "//evil.test", "/\\evil.test", "https://evil.test/", "/people?tab=x", "",
		"javascript:alert(1)", "/%2F%2Fevil", "/a\r\nSet-Cookie: x", " /people", "/people#x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		out := localPath(p, "/fallback")
		if out == "/fallback" {
			return
		}
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, "/\\") ||
			strings.ContainsAny(out, "\r\n") {
			t.Fatalf("%q let through as %q", p, out)
		}
		u, err := url.Parse(out)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("%q leads off-site: %+v", out, u)
		}
	})
}

// FuzzAuditQuery: any query string gives a filter with well-formed dates
// whose links read back as the same filter.
func FuzzAuditQuery(f *testing.F) {
	for _, s := range []string{"", "actor=a@b.test&action=user.invited", "from=2026-01-01&to=2026-13-40", "target=%00",
		"from=yesterday", "cursor=" + strings.Repeat("x", 2000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, _ := url.ParseQuery(raw)
		q := parseAuditQuery(v)
		u, err := url.Parse(q.WithCursor(q.Cursor))
		if err != nil {
			t.Fatal(err)
		}
		if back := parseAuditQuery(u.Query()); back != q {
			t.Fatalf("round trip: %+v became %+v", q, back)
		}
	})
}

// TestMenuItems: each status offers exactly its transitions, and only to
// callers holding the permission.
func TestMenuItems(t *testing.T) {
	admin := actions{Manage: true, Invite: true}
	labels := func(st roster.Status, can actions) string {
		var out []string
		for _, it := range menuItems(&roster.User{Status: st}, can) {
			out = append(out, it.Label)
		}
		return strings.Join(out, "|")
	}
	for _, tc := range []struct {
		status roster.Status
		can    actions
		want   string
	}{
		{roster.StatusActive, admin, "Manage role and license|Disable user|Reset password|Delete"},
		{roster.StatusInvited, admin, "Resend invite|Cancel invite"},
		{roster.StatusPrepared, admin, "Send invite|Manage role and license|Delete"},
		{roster.StatusInactive, admin, "Re-enable|Delete"},
		{roster.StatusActive, actions{Manage: true, Invite: true, Trial: true}, "Disable user"},
		{roster.StatusInvited, actions{Manage: true, Invite: true, Trial: true}, ""},
		{roster.StatusActive, actions{}, ""},
		{roster.StatusInvited, actions{Manage: true}, ""},
		{roster.StatusPrepared, actions{Invite: true}, "Send invite"},
	} {
		if got := labels(tc.status, tc.can); got != tc.want {
			t.Errorf("%s with %+v: %q, want %q", tc.status, tc.can, got, tc.want)
		}
	}
}
