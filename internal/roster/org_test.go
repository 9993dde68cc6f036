package roster

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRoleKeyFromName(t *testing.T) {
	for name, want := range map[string]string{
		"Telephony Administrator": "telephony_administrator",
		"  Sales -- Manager! ":    "sales_manager",
		"2nd Line":                "r_2nd_line",
		"Équipe Été":              "quipe_t",
		"!!!":                     "",
		strings.Repeat("a", 60):   strings.Repeat("a", 40),
	} {
		if got := RoleKeyFromName(name); got != want {
			t.Errorf("RoleKeyFromName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestParsePermissions(t *testing.T) {
	var v Validation
	got := ParsePermissions("permissions", []string{"roles.manage", "users.read", "users.read", "root", ""}, &v)
	if !slices.Equal(got, PermissionSet{PermUsersRead, PermRolesManage}) {
		t.Fatalf("got %v, want catalogue order without repeats", got)
	}
	err, _ := v.Err().(*Error)
	if err == nil || len(err.Fields) != 3 || err.Fields[0].Field != "permissions[2]" || err.Fields[1].Field != "permissions[3]" {
		t.Fatalf("errors %+v", err)
	}
}

func TestNewUserPermissions(t *testing.T) {
	role := &Role{Key: "agent", Name: "Agent", Permissions: PermissionSet{PermAnalyticsViewOwn, PermCoachingManage}}
	up := NewUserPermissions("u1", role, PermissionSet{PermAuditView, PermAnalyticsViewOwn})
	want := []PermissionSource{
		{PermAnalyticsViewOwn, []string{"role", "direct"}},
		{PermCoachingManage, []string{"role"}},
		{PermAuditView, []string{"direct"}},
	}
	if len(up.Effective) != len(want) {
		t.Fatalf("effective %+v", up.Effective)
	}
	for i, w := range want {
		if up.Effective[i].Permission != w.Permission || !slices.Equal(up.Effective[i].Sources, w.Sources) {
			t.Errorf("effective[%d] = %+v, want %+v", i, up.Effective[i], w)
		}
	}
	if Effective(PermissionSet{PermUsersManage}, PermissionSet{PermRolesManage}).IsAdmin() != true {
		t.Errorf("role + direct grants together make an admin")
	}
}

func TestDerivePresence(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, c := range []struct {
		name string
		in   PresenceInput
		want Presence
	}{
		{"never seen", PresenceInput{Status: StatusActive}, PresenceOffline},
		{"active now", PresenceInput{Status: StatusActive, LastActive: ago(time.Minute)}, PresenceOnline},
		{"idle 10m", PresenceInput{Status: StatusActive, LastActive: ago(10 * time.Minute)}, PresenceAway},
		{"idle 1h", PresenceInput{Status: StatusActive, LastActive: ago(time.Hour)}, PresenceOffline},
		{"inactive user in a call", PresenceInput{Status: StatusInactive, Set: PresenceInCall, SetAt: now}, PresenceOffline},
		{"in call beats dnd", PresenceInput{Status: StatusActive, Set: PresenceInCall, DND: true, SetAt: ago(time.Hour)}, PresenceInCall},
		{"dnd flag", PresenceInput{Status: StatusActive, DND: true, LastActive: now}, PresenceDND},
		{"set away after activity", PresenceInput{Status: StatusActive, Set: PresenceAway, SetAt: ago(time.Minute), LastActive: ago(2 * time.Minute)}, PresenceAway},
		{"activity after set offline", PresenceInput{Status: StatusActive, Set: PresenceOffline, SetAt: ago(3 * time.Minute), LastActive: ago(time.Minute)}, PresenceOnline},
	} {
		if got := DerivePresence(c.in, now); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func encoded(t testing.TB, enc func(*bytes.Buffer, image.Image) error, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), []color.Color{color.Black, color.White})
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngEnc(b *bytes.Buffer, m image.Image) error  { return png.Encode(b, m) }
func jpegEnc(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }
func gifEnc(b *bytes.Buffer, m image.Image) error  { return gif.Encode(b, m, nil) }

func TestCheckAvatar(t *testing.T) {
	for name, c := range map[string]struct {
		data []byte
		typ  string
		err  error
	}{
		"png":       {encoded(t, pngEnc, 32, 32), "image/png", nil},
		"jpeg":      {encoded(t, jpegEnc, 32, 16), "image/jpeg", nil},
		"gif":       {encoded(t, gifEnc, 16, 32), "image/gif", nil},
		"svg":       {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", ErrAvatarFormat},
		"empty":     {nil, "", ErrAvatarFormat},
		"too tall":  {encoded(t, pngEnc, 10, 1025), "", ErrAvatarSize},
		"truncated": {encoded(t, pngEnc, 64, 64)[:60], "", ErrAvatarFormat},
		"too big":   {make([]byte, MaxAvatarBytes+1), "", ErrAvatarTooLarge},
	} {
		typ, err := CheckAvatar(c.data)
		if typ != c.typ || err != c.err {
			t.Errorf("%s: %q %v, want %q %v", name, typ, err, c.typ, c.err)
		}
	}
}

func TestValidateCallEvent(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	good := CallEvent{ID: " e1 ", UserID: "u", Direction: "outbound", StartedAt: now.Add(-time.Hour), Duration: 30}
	var v Validation
	ValidateCallEvent(0, &good, now, &v)
	if v.Err() != nil || good.ID != "e1" || !good.IsDial() || good.Day() != "2026-05-01" {
		t.Fatalf("good event: %v %+v", v.Err(), good)
	}
	bad := CallEvent{ID: "a\nb", Direction: "up", StartedAt: now.Add(2 * time.Hour), Duration: 86401}
	ValidateCallEvent(3, &bad, now, &v)
	err := v.Err().(*Error)
	var fields []string
	for _, f := range err.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{"events[3].id", "events[3].user_id", "events[3].direction", "events[3].started_at", "events[3].duration_seconds"}
	if !slices.Equal(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
}

// FuzzCheckAvatar: any upload is either refused or a decodable image within
// the limits; never a panic.
func FuzzCheckAvatar(f *testing.F) {
	f.Add(encoded(f, pngEnc, 8, 8))
	f.Add(encoded(f, gifEnc, 3, 2))
	f.Add(encoded(f, jpegEnc, 5, 5))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("GIF89a\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, err := CheckAvatar(data)
		if err != nil {
			if typ != "" {
				t.Fatalf("refused with a type %q", typ)
			}
			return
		}
		cfg, _, derr := image.DecodeConfig(bytes.NewReader(data))
		if derr != nil || cfg.Width > MaxAvatarSide || cfg.Height > MaxAvatarSide || len(data) > MaxAvatarBytes {
			t.Fatalf("accepted %s: %v %+v", typ, derr, cfg)
		}
	})
}

// FuzzRoleNames: a derived key is either empty or valid, and a name that
// passes validation is printable text of bounded length.
func FuzzRoleNames(f *testing.F) {
	for _, s := range []string{"Telephony Administrator", "", "9", "a\x00b", "Ünïcode ✓", strings.Repeat("x_", 50)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		key := RoleKeyFromName(name)
		if key != "" && ValidateRoleKey(key) != nil {
			t.Fatalf("RoleKeyFromName(%q) = %q, which is not a valid key", name, key)
		}
		if ValidateDisplayName(name) == nil {
			if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100 || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' }) {
				t.Fatalf("accepted name %q", name)
			}
		}
	})
}

// FuzzParsePermissions: the result only holds catalogue permissions, once
// each, and every input name is either kept or reported.
func FuzzParsePermissions(f *testing.F) {
	f.Add("users.read,roles.manage")
	f.Add("users.read,users.read,,nope")
	f.Add("")
	f.Fuzz(func(t *testing.T, list string) {
		names := strings.Split(list, ",")
		var v Validation
		got := ParsePermissions("p", names, &v)
		seen := map[Permission]bool{}
		for _, p := range got {
			if !ValidPermission(p) || seen[p] {
				t.Fatalf("result %v", got)
			}
			seen[p] = true
		}
		bad := 0
		if err, ok := v.Err().(*Error); ok {
			bad = len(err.Fields)
		}
		if len(got)+bad != len(names) {
			t.Fatalf("%d kept + %d reported for %d names", len(got), bad, len(names))
		}
	})
}
