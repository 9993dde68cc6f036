package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"roster/internal/roster"
)

// FuzzOrgForm: any posted org form body reads without panicking; numbers
// are either parsed exactly or reported under their field with the
// default kept; ticked permissions keep only catalogue names; the team
// filter of the People page stays within its bound and is valid UTF-8.
func FuzzOrgForm(f *testing.F) {
	for _, s := range []string{"", "penalty=3&priority=9", "penalty=abc", "penalty=-1&priority=99999999999999999999",
		"permissions=users.read&permissions=nope&permissions=users.read", "permissions=%ff%fe", "penalty=+7",
		"team=" + strings.Repeat("x", 100), "team=%ff&penalty=%20%205%20"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := http.NewRequest("POST", "/queues/x/members", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if r.ParseForm() != nil {
			return
		}
		var v roster.Validation
		got := formInt(r, "penalty", 42, &v)
		raw := strings.TrimSpace(r.PostFormValue("penalty"))
		n, perr := strconv.Atoi(raw)
		switch {
		case raw == "":
			if got != 42 || v.Err() != nil {
				t.Fatalf("empty penalty gave %d, %v", got, v.Err())
			}
		case perr != nil:
			if got != 42 || v.Err() == nil {
				t.Fatalf("penalty %q gave %d without an error", raw, got)
			}
		default:
			if got != n || v.Err() != nil {
				t.Fatalf("penalty %q gave %d, %v", raw, got, v.Err())
			}
		}
		for _, p := range postedPerms(r) {
			if !roster.ValidPermission(p) {
				t.Fatalf("postedPerms kept %q", p)
			}
		}
		groups := permGroups(postedPerms(r), nil)
		total := 0
		for _, g := range groups {
			total += len(g.Perms)
		}
		if total != len(roster.Catalogue) {
			t.Fatalf("permission groups list %d entries, want %d", total, len(roster.Catalogue))
		}
		q := parsePeopleQuery(url.Values(r.PostForm))
		if len(q.Team) > 64 || !utf8.ValidString(q.Team) {
			t.Fatalf("team filter %q", q.Team)
		}
		if q.Team != "" && !strings.Contains(q.URL(), "team=") {
			t.Fatalf("the team filter is not in the URL %s", q.URL())
		}
	})
}
