package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/internal/roster"
)

// stdUserJSON is what encoding/json writes for v, the reference the
// appender must match byte for byte.
func stdUserJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

// appendedUserJSON is the appender's body for a *roster.User or a
// roster.Page[roster.User], newline included as writeUser adds it.
func appendedUserJSON(t testing.TB, v any) ([]byte, error) {
	var b []byte
	var err error
	switch v := v.(type) {
	case *roster.User:
		b, err = appendUser(nil, v)
	case roster.Page[roster.User]:
		b, err = appendUserPage(nil, &v)
	default:
		t.Fatalf("no appender for %T", v)
	}
	return append(b, '\n'), err
}

// checkSameJSON fails unless the appender writes exactly what encoding/json
// writes for v, or both refuse it.
func checkSameJSON(t testing.TB, v any) {
	t.Helper()
	want, werr := stdUserJSON(v)
	got, gerr := appendedUserJSON(t, v)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("encoding/json error %v, appender error %v", werr, gerr)
	}
	if werr != nil {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("appender and encoding/json differ\n got: %q\nwant: %q", got, want)
	}
	if !json.Valid(got) {
		t.Fatalf("appender wrote invalid JSON: %q", got)
	}
}

// controlChars is every byte encoding/json escapes without a short form,
// the short forms, and DEL, which it writes as it is.
func controlChars() string {
	var sb strings.Builder
	for c := range 0x20 {
		sb.WriteByte(byte(c))
	}
	sb.WriteByte(0x7f)
	return sb.String()
}

func TestUserJSONMatchesEncodingJSON(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// The store reads times as microseconds since the epoch, in UTC.
	at := time.Date(2024, 3, 9, 14, 5, 7, 123456000, time.UTC)
	whole := time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC)
	fromParis := time.Date(2024, 7, 1, 9, 30, 0, 500000000, paris).UTC()
	nanos := time.Date(2024, 1, 2, 3, 4, 5, 1, time.UTC)
	base := func() roster.User {
		return roster.User{
			ID: "0d6f8a7e-3b9c-4d51-9a3e-6a1f2b3c4d5e", OrgID: "org", Email: "jane@acme.test",
			FirstName: "Jane", LastName: "Doe", Status: roster.StatusActive, RoleID: "r1", Role: "agent",
			LicenseType: "voice", CreatedAt: at, UpdatedAt: at, PasswordHash: "secret",
		}
	}
	tricky := []string{
		"", "Zoë Ångström", "日本語", "😀 emoji", "<script>alert(1)</script>", "a&b", "\u2028", "x\u2029y",
		"\xff", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x82", controlChars(), `"quoted"`, `back\slash`,
		`\u0000`, "\ufffd", "\u2027\u202a", "tab\there\nnew\r\b\f",
	}
	cases := map[string]func(u *roster.User){
		"plain":         func(*roster.User) {},
		"no last login": func(u *roster.User) { u.LastLoginAt = nil },
		"last login":    func(u *roster.User) { u.LastLoginAt = &whole },
		"sub-second":    func(u *roster.User) { u.CreatedAt, u.UpdatedAt = at, nanos },
		"whole seconds": func(u *roster.User) { u.CreatedAt, u.UpdatedAt = whole, whole },
		"from Paris":    func(u *roster.User) { u.CreatedAt, u.LastLoginAt = fromParis, &fromParis },
		"Paris unconverted": func(u *roster.User) {
			p := time.Date(2024, 7, 1, 9, 30, 0, 5000, paris)
			u.CreatedAt, u.LastLoginAt = p, &p
		},
		"zero times":  func(u *roster.User) { u.CreatedAt, u.UpdatedAt = time.Time{}, time.Time{} },
		"extension":   func(u *roster.User) { u.Extension = "1001" },
		"presence":    func(u *roster.User) { u.Presence = roster.PresenceDND },
		"empty teams": func(u *roster.User) { u.Teams = []roster.TeamRef{} },
		"teams": func(u *roster.User) {
			u.Teams = []roster.TeamRef{{ID: "t1", Name: "Sales"}, {ID: "t2", Name: "<Support & Care>"}}
		},
		"empty team ref": func(u *roster.User) { u.Teams = []roster.TeamRef{{}} },
		"all empty":      func(u *roster.User) { *u = roster.User{} },
		"hidden fields":  func(u *roster.User) { u.Activity = &roster.PresenceInput{DND: true} },
		"everything": func(u *roster.User) {
			u.Extension, u.Presence, u.LastLoginAt = "42", roster.PresenceOnline, &nanos
			u.Teams = []roster.TeamRef{{ID: "t", Name: "\u2028"}}
		},
	}
	for i, s := range tricky {
		cases[fmt.Sprintf("string %d", i)] = func(u *roster.User) {
			u.ID, u.Email, u.FirstName, u.LastName, u.Status, u.Role = s, s, s, s, roster.Status(s), s
			u.LicenseType, u.Extension, u.Presence = s, s, roster.Presence(s)
			u.Teams = []roster.TeamRef{{ID: s, Name: s}}
		}
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			u := base()
			edit(&u)
			checkSameJSON(t, &u)
			checkSameJSON(t, roster.Page[roster.User]{Items: []roster.User{u, base()}, NextCursor: u.FirstName})
		})
	}
	t.Run("nil user", func(t *testing.T) { checkSameJSON(t, (*roster.User)(nil)) })
	t.Run("nil items", func(t *testing.T) { checkSameJSON(t, roster.Page[roster.User]{}) })
	t.Run("empty page", func(t *testing.T) {
		checkSameJSON(t, roster.Page[roster.User]{Items: []roster.User{}})
		got, _ := appendedUserJSON(t, roster.Page[roster.User]{Items: []roster.User{}})
		if string(got) != "{\"items\":[],\"next_cursor\":\"\"}\n" {
			t.Fatalf("empty page: %q", got)
		}
	})
	t.Run("cursor", func(t *testing.T) {
		checkSameJSON(t, roster.Page[roster.User]{Items: []roster.User{base()}, NextCursor: "eyJzIjoiZW1haWwifQ<>&\xff"})
	})
}

// TestUserJSONRefusesWhatEncodingJSONRefuses: times RFC 3339 cannot express
// fail in both encoders, however far into the body they are.
func TestUserJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	bad := []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600)),
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", -100*3600)),
	}
	for i, tm := range bad {
		for j, edit := range []func(u *roster.User){
			func(u *roster.User) { u.LastLoginAt = &tm },
			func(u *roster.User) { u.CreatedAt = tm },
			func(u *roster.User) { u.UpdatedAt = tm },
		} {
			u := roster.User{ID: "x", CreatedAt: time.Unix(0, 0).UTC(), UpdatedAt: time.Unix(0, 0).UTC()}
			edit(&u)
			if _, err := stdUserJSON(&u); err == nil {
				t.Fatalf("case %d/%d: encoding/json accepted %v", i, j, tm)
			}
			if _, err := appendedUserJSON(t, &u); err == nil {
				t.Fatalf("case %d/%d: appender accepted %v", i, j, tm)
			}
			if _, err := appendedUserJSON(t, roster.Page[roster.User]{Items: []roster.User{{}, u}}); err == nil {
				t.Fatalf("case %d/%d: page appender accepted %v", i, j, tm)
			}
		}
	}
	// The edges that are still fine.
	for _, tm := range []time.Time{
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 23*3600+59*60)),
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(23*3600+59*60+59))),
	} {
		checkSameJSON(t, &roster.User{CreatedAt: tm, UpdatedAt: tm, LastLoginAt: &tm})
	}
}

// populate sets every encoded field reachable from v to a non-empty value,
// so that no omitempty field is left out. It fails on a kind it does not
// know, so that a new field type is noticed here and in the appender.
func populate(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	if v.Type() == reflect.TypeFor[time.Time]() {
		v.Set(reflect.ValueOf(time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("v<" + path + ">")
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		populate(t, v.Elem(), path)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			populate(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			populate(t, v.Field(i), path+"."+f.Name)
		}
	default:
		t.Fatalf("%s: populate has no value for a %s; teach it, and appendUser, this field", path, v.Type())
	}
}

// jsonKeys is the set of member names encoding/json writes for a struct type
// (all of them, when nothing is empty).
func jsonKeys(t *testing.T, typ reflect.Type) []string {
	var keys []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if f.Anonymous {
			t.Fatalf("%s embeds %s: the appender does not handle embedded fields", typ, f.Name)
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		keys = append(keys, name)
	}
	slices.Sort(keys)
	return keys
}

// objectKeys is the sorted member names of a JSON object.
func objectKeys(t *testing.T, b []byte) []string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return slices.Sorted(maps.Keys(m))
}

// TestUserJSONCoversEveryField: for a user with every field filled in, the
// appender writes every member the struct tags name, and the same bytes as
// encoding/json. Adding a field to roster.User (or roster.TeamRef) without
// adding it to appendUser fails here.
func TestUserJSONCoversEveryField(t *testing.T) {
	var u roster.User
	populate(t, reflect.ValueOf(&u).Elem(), "User")
	got, err := appendUser(nil, &u)
	if err != nil {
		t.Fatal(err)
	}
	if want := jsonKeys(t, reflect.TypeFor[roster.User]()); !slices.Equal(objectKeys(t, got), want) {
		t.Fatalf("appender writes members %v, roster.User has %v", objectKeys(t, got), want)
	}
	var teams struct {
		Teams []json.RawMessage `json:"teams"`
	}
	if err := json.Unmarshal(got, &teams); err != nil || len(teams.Teams) != 2 {
		t.Fatalf("teams: %v %s", err, got)
	}
	if want := jsonKeys(t, reflect.TypeFor[roster.TeamRef]()); !slices.Equal(objectKeys(t, teams.Teams[0]), want) {
		t.Fatalf("appender writes team members %v, roster.TeamRef has %v", objectKeys(t, teams.Teams[0]), want)
	}
	page := roster.Page[roster.User]{Items: []roster.User{u}}
	populate(t, reflect.ValueOf(&page.NextCursor).Elem(), "NextCursor")
	populate(t, reflect.ValueOf(&page.PrevCursor).Elem(), "PrevCursor")
	pb, err := appendUserPage(nil, &page)
	if err != nil {
		t.Fatal(err)
	}
	if want := jsonKeys(t, reflect.TypeOf(page)); !slices.Equal(objectKeys(t, pb), want) {
		t.Fatalf("appender writes page members %v, roster.Page has %v", objectKeys(t, pb), want)
	}
	checkSameJSON(t, &u)
	checkSameJSON(t, page)
	page.PrevCursor = "" // left out when empty, as encoding/json's omitempty does
	checkSameJSON(t, page)
}

// TestWriteUserMatchesWriteJSON: the helpers answer with writeJSON's status,
// headers and body.
func TestWriteUserMatchesWriteJSON(t *testing.T) {
	at := time.Date(2024, 3, 9, 14, 5, 7, 123456000, time.UTC)
	u := &roster.User{ID: "u1", Email: "a@b.test", Status: roster.StatusInvited, CreatedAt: at, UpdatedAt: at,
		Teams: []roster.TeamRef{{ID: "t", Name: "<T>"}}}
	// Big enough that the pooled buffer grows, and the second run reuses it.
	var items []roster.User
	for range 300 {
		items = append(items, *u)
	}
	for i := range 2 {
		for name, c := range map[string]struct {
			std, fast func(w http.ResponseWriter) error
		}{
			"user": {func(w http.ResponseWriter) error { return writeJSON(w, http.StatusOK, u) },
				func(w http.ResponseWriter) error { return writeUser(w, http.StatusOK, u) }},
			"page": {func(w http.ResponseWriter) error {
				return writeJSON(w, http.StatusOK, roster.Page[roster.User]{Items: items, NextCursor: "c"})
			}, func(w http.ResponseWriter) error {
				return writeUserPage(w, http.StatusOK, roster.Page[roster.User]{Items: items, NextCursor: "c"})
			}},
		} {
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			if err := c.std(want); err != nil {
				t.Fatal(err)
			}
			if err := c.fast(got); err != nil {
				t.Fatal(err)
			}
			// The same headers, and the body's length, known before it goes.
			if n := got.Header().Get("Content-Length"); n != strconv.Itoa(got.Body.Len()) {
				t.Fatalf("%s run %d: Content-Length %q for a body of %d bytes", name, i, n, got.Body.Len())
			}
			got.Header().Del("Content-Length")
			if got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) {
				t.Fatalf("%s run %d: %d %v, want %d %v", name, i, got.Code, got.Header(), want.Code, want.Header())
			}
			if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
				t.Fatalf("%s run %d: body\n%s\nwant\n%s", name, i, got.Body, want.Body)
			}
		}
	}
}

// TestWriteUserRefusesBeforeWriting: a time the encoder refuses is an error
// before any status or byte goes out, so the caller can still answer with a
// problem.
func TestWriteUserRefusesBeforeWriting(t *testing.T) {
	bad := roster.User{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	for name, write := range map[string]func(w http.ResponseWriter) error{
		"user": func(w http.ResponseWriter) error { return writeUser(w, http.StatusOK, &bad) },
		"page": func(w http.ResponseWriter) error {
			return writeUserPage(w, http.StatusOK, roster.Page[roster.User]{Items: []roster.User{bad}})
		},
	} {
		rec := httptest.NewRecorder()
		if err := write(rec); err == nil {
			t.Fatalf("%s: no error", name)
		}
		if rec.Flushed || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
			t.Fatalf("%s: wrote %d %v %q", name, rec.Code, rec.Header(), rec.Body)
		}
	}
}

// FuzzUserJSON: for any strings and times, the appender writes what
// encoding/json writes (or refuses what it refuses), and valid JSON.
func FuzzUserJSON(f *testing.F) {
	now := time.Date(2024, 3, 9, 14, 5, 7, 123456789, time.UTC)
	for _, s := range []string{"", "jane@acme.test", "<script>&", "\u2028\u2029", "\xff\xfe", controlChars(), `"\`, "Zoë 😀", "\xed\xa0\x80"} {
		f.Add(s, s, s, s, s, s, s, s, s, s, s, s, now.UnixNano(), now.UnixMicro(), now.Unix(), int32(0), true)
	}
	f.Add("id", "e", "f", "l", "active", "agent", "voice", "", "", "", "", "", int64(0), int64(-1), int64(253402300800), int32(3600), false)
	f.Add("id", "e", "f", "l", "active", "agent", "voice", "1", "dnd", "t", "T", "c", int64(-1), int64(1<<62), int64(-62135596801), int32(-86400), true)
	f.Fuzz(func(t *testing.T, id, email, first, last, status, role, license, ext, presence, teamID, teamName, cursor string,
		createdNS, updatedUS, lastLoginS int64, zone int32, hasLastLogin bool) {
		loc := time.UTC
		if zone != 0 {
			loc = time.FixedZone("", int(zone))
		}
		u := roster.User{
			ID: id, Email: email, FirstName: first, LastName: last, Status: roster.Status(status), Role: role,
			LicenseType: license, Extension: ext, Presence: roster.Presence(presence),
			CreatedAt: time.Unix(0, createdNS).In(loc), UpdatedAt: time.UnixMicro(updatedUS).UTC(),
		}
		if hasLastLogin {
			last := time.Unix(lastLoginS, createdNS%1e9).In(loc)
			u.LastLoginAt = &last
		}
		if teamID != "" || teamName != "" {
			u.Teams = []roster.TeamRef{{ID: teamID, Name: teamName}, {ID: teamName, Name: teamID}}
		}
		checkSameJSON(t, &u)
		checkSameJSON(t, roster.Page[roster.User]{Items: []roster.User{u, {ID: cursor}}, NextCursor: cursor})
	})
}

// discardResponse is a ResponseWriter that keeps nothing but its headers.
type discardResponse struct{ h http.Header }

func (d *discardResponse) Header() http.Header         { return d.h }
func (d *discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardResponse) WriteHeader(int)             {}

// BenchmarkUserPageJSON answers a page of 100 users as the people list reads
// them (most signed in, some with an extension, teams and presence) with
// encoding/json and with the appender.
func BenchmarkUserPageJSON(b *testing.B) {
	first := []string{"Jane", "Joe", "Zoë", "Ångel", "Priya", "Mohammed", "Li", "Olga"}
	last := []string{"Doe", "Smith", "Müller", "O'Brien", "García", "Nakamura", "Kowalski", "Ndiaye"}
	created := time.Date(2023, 4, 5, 6, 7, 8, 123456000, time.UTC)
	page := roster.Page[roster.User]{Items: make([]roster.User, 100), NextCursor: "eyJzIjoiZW1haWwiLCJ2IjoiamFuZS45OUBhY21lLnRlc3QiLCJpIjoiMDE5MmE1ZGUtN2YyYy03YjQxLWE1ZTgtM2QxYzBmMmU5YjQ3In0"}
	for i := range page.Items {
		fn, ln := first[i%len(first)], last[i/len(first)%len(last)]
		u := roster.User{
			ID:    fmt.Sprintf("0192a5de-7f2c-7b41-a5e8-%012x", i),
			Email: strings.ToLower(fmt.Sprintf("%s.%s.%d@acme.test", fn, ln, i)), FirstName: fn, LastName: ln,
			Status: roster.StatusActive, Role: "agent", LicenseType: "voice", Presence: roster.PresenceOffline,
			CreatedAt: created.Add(time.Duration(i) * time.Hour), UpdatedAt: created.Add(time.Duration(i)*time.Hour + 1500*time.Microsecond),
			Teams: []roster.TeamRef{{ID: fmt.Sprintf("0192a5de-0000-7000-8000-%012x", i%5), Name: "Support"}},
		}
		if i%10 != 0 {
			at := created.Add(time.Duration(i) * 24 * time.Hour)
			u.LastLoginAt = &at
			u.Presence = roster.PresenceOnline
		}
		if i%3 == 0 {
			u.Extension = fmt.Sprint(1000 + i)
			u.Teams = append(u.Teams, roster.TeamRef{ID: "0192a5de-0000-7000-8000-0000000000ff", Name: "Sales & Renewals"})
		}
		page.Items[i] = u
	}
	checkSameJSON(b, page)
	w := &discardResponse{h: http.Header{}}
	b.Run("encoding_json", func(b *testing.B) {
		for b.Loop() {
			if err := writeJSON(w, http.StatusOK, page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appender", func(b *testing.B) {
		for b.Loop() {
			if err := writeUserPage(w, http.StatusOK, page); err != nil {
				b.Fatal(err)
			}
		}
	})
}
