package storetest_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// TestExtensionUniqueUnderConcurrency races writers giving one extension
// to different users with no org lock: the unique index alone must let
// exactly one win, on both databases.
func TestExtensionUniqueUnderConcurrency(t *testing.T) {
	const workers = 12
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		var users []*roster.User
		for i := range workers {
			users = append(users, mkUser(t, db, o.ID, role, fmt.Sprintf("u%d@example.com", i)))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		var other []error
		start := make(chan struct{})
		for _, u := range users {
			wg.Go(func() {
				<-start
				err := db.Tx(ctx, func(c *store.Conn) error {
					cur, err := c.User(ctx, o.ID, u.ID)
					if err != nil {
						return err
					}
					cur.Extension = "204"
					time.Sleep(time.Millisecond)
					return c.UpdateUser(ctx, o.ID, cur)
				})
				mu.Lock()
				defer mu.Unlock()
				switch roster.ErrorKind(err) {
				case "":
					if err == nil {
						wins++
					} else {
						other = append(other, err)
					}
				case roster.KindConflict:
					conflicts++
				default:
					other = append(other, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(other) > 0 {
			t.Fatalf("unexpected errors: %v", other)
		}
		if wins != 1 || conflicts != workers-1 {
			t.Fatalf("%d writers won and %d got a conflict; want 1 and %d", wins, conflicts, workers-1)
		}
		var n int
		must(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE org_id = '`+o.ID+`' AND extension = '204'`).Scan(&n))
		if n != 1 {
			t.Fatalf("%d users hold extension 204", n)
		}
	})
}

func TestExtensionRules(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role, otherRole := mkRole(t, db, o.ID, "agent"), mkRole(t, db, other.ID, "agent")
		withExt := func(e string) func(*roster.User) { return func(u *roster.User) { u.Extension = e } }
		gone := mkUser(t, db, o.ID, role, "gone@example.com", withStatus(roster.StatusInactive), withExt("300"))
		// Users without an extension never collide with each other.
		mkUser(t, db, o.ID, role, "a@example.com")
		mkUser(t, db, o.ID, role, "b@example.com")
		// Another org may use the same extension.
		mkUser(t, db, other.ID, otherRole, "x@example.com", withExt("300"))

		// The inactive user keeps theirs.
		u := &roster.User{ID: newID(), Email: "c@example.com", Status: roster.StatusActive, RoleID: role.ID,
			Extension: "300", CreatedAt: now(), UpdatedAt: now()}
		wantKind(t, db.Reader().CreateUser(ctx, o.ID, u), roster.KindConflict)

		got, err := db.Reader().UserByExtension(ctx, o.ID, "300")
		must(t, err)
		if got.ID != gone.ID {
			t.Fatalf("UserByExtension = %s, want the inactive user", got.Email)
		}
		_, err = db.Reader().UserByExtension(ctx, o.ID, "301")
		wantNotFound(t, err)
		_, err = db.Reader().UserByExtension(ctx, o.ID, "")
		wantNotFound(t, err)

		exts, err := db.Reader().Extensions(ctx, o.ID)
		must(t, err)
		if len(exts) != 1 || !exts["300"] {
			t.Fatalf("Extensions = %v, want just 300", exts)
		}

		// Once deleted, the extension is free again.
		must(t, db.Reader().DeleteUser(ctx, o.ID, gone.ID))
		must(t, db.Reader().CreateUser(ctx, o.ID, u))

		// The people-list search finds users by extension.
		page, err := db.Reader().ListUsers(ctx, o.ID, roster.UserFilter{Query: "300"})
		must(t, err)
		if len(page.Items) != 1 || page.Items[0].ID != u.ID {
			t.Fatalf("search by extension found %v", emailsOf(page.Items))
		}
	})
}

func TestPhoneNumbersStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		r := db.Reader()
		a := &roster.PhoneNumber{ID: newID(), Number: "+14155550100", Label: "Main line", Main: true, CreatedAt: now()}
		b := &roster.PhoneNumber{ID: newID(), Number: "+14155550101", CreatedAt: now()}
		must(t, r.CreatePhoneNumber(ctx, o.ID, a))
		must(t, r.CreatePhoneNumber(ctx, o.ID, b))
		// Same number twice in one org: conflict; in another org: fine.
		wantKind(t, r.CreatePhoneNumber(ctx, o.ID, &roster.PhoneNumber{ID: newID(), Number: a.Number, CreatedAt: now()}), roster.KindConflict)
		must(t, r.CreatePhoneNumber(ctx, other.ID, &roster.PhoneNumber{ID: newID(), Number: a.Number, Main: true, CreatedAt: now()}))
		// A second main number is refused by the index.
		b.Main = true
		wantKind(t, r.UpdatePhoneNumber(ctx, o.ID, b), roster.KindConflict)
		must(t, r.ClearMainPhoneNumber(ctx, o.ID))
		must(t, r.UpdatePhoneNumber(ctx, o.ID, b))

		list, err := r.PhoneNumbers(ctx, o.ID)
		must(t, err)
		if len(list) != 2 || list[0].ID != b.ID || !list[0].Main || list[1].Main || list[1].Label != "Main line" {
			t.Fatalf("PhoneNumbers = %+v", list)
		}
		// Another org's number looks missing.
		_, err = r.PhoneNumber(ctx, other.ID, a.ID)
		wantNotFound(t, err)
		wantNotFound(t, r.DeletePhoneNumber(ctx, other.ID, a.ID))
		wantNotFound(t, r.UpdatePhoneNumber(ctx, other.ID, a))
		must(t, r.DeletePhoneNumber(ctx, o.ID, a.ID))
		_, err = r.PhoneNumber(ctx, o.ID, a.ID)
		wantNotFound(t, err)
	})
}

func TestPhoneSettingsStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "u@example.com", func(u *roster.User) { u.Extension = "101" })
		r := db.Reader()

		_, err := r.PhoneSettings(ctx, o.ID, u.ID)
		wantNotFound(t, err)
		dnd, err := r.DoNotDisturb(ctx, o.ID, u.ID)
		must(t, err)
		if dnd {
			t.Fatal("DND on before any settings were saved")
		}

		ts := now()
		ps := roster.DefaultPhoneSettings(o.ID, u.ID, "")
		ps.CallerID, ps.MobileNumber, ps.LandlineNumber, ps.LinkedMobileNumber = "+14155550100", "+447700900123", "+442079460000", "+447700900124"
		ps.DisplayNumbers = []string{"+14155550102", "+14155550103"}
		ps.CountryPrefix = "+44"
		ps.Voicemail = roster.VoicemailSettings{Enabled: false, Rings: 7, PINHash: "$argon2id$x", Email: "vm@example.com", EmailEnabled: true, AttachAudio: true}
		ps.Forwarding = roster.ForwardingSettings{Enabled: true, Mode: roster.ForwardSequential, Destinations: []string{"102", "+14155550104"}}
		ps.DoNotDisturb, ps.Language, ps.TimeZone = true, "fr", "Europe/Paris"
		ps.Locks = roster.PhoneLocks{Extension: true, CallerID: true}
		ps.UpdatedAt = &ts
		must(t, r.SavePhoneSettings(ctx, o.ID, ps))

		got, err := r.PhoneSettings(ctx, o.ID, u.ID)
		must(t, err)
		want := *ps
		want.Extension = "101"
		want.Voicemail.PINSet = true
		if got.Extension != want.Extension || got.CallerID != want.CallerID || got.MobileNumber != want.MobileNumber ||
			got.LandlineNumber != want.LandlineNumber || got.LinkedMobileNumber != want.LinkedMobileNumber ||
			!slices.Equal(got.DisplayNumbers, want.DisplayNumbers) || got.CountryPrefix != want.CountryPrefix ||
			got.Voicemail != want.Voicemail || got.Forwarding.Enabled != want.Forwarding.Enabled ||
			got.Forwarding.Mode != want.Forwarding.Mode || !slices.Equal(got.Forwarding.Destinations, want.Forwarding.Destinations) ||
			got.DoNotDisturb != want.DoNotDisturb || got.Language != want.Language || got.TimeZone != want.TimeZone ||
			got.Locks != want.Locks || !got.UpdatedAt.Equal(ts) {
			t.Fatalf("round trip:\n got  %+v\n want %+v", got, want)
		}
		dnd, err = r.DoNotDisturb(ctx, o.ID, u.ID)
		must(t, err)
		if !dnd {
			t.Fatal("DoNotDisturb = false after saving it on")
		}

		// Saving again replaces the row.
		ps.DoNotDisturb = false
		must(t, r.SavePhoneSettings(ctx, o.ID, ps))
		if dnd, _ := r.DoNotDisturb(ctx, o.ID, u.ID); dnd {
			t.Fatal("DND still on after saving it off")
		}

		// Another org sees nothing, and cannot overwrite the row.
		_, err = r.PhoneSettings(ctx, other.ID, u.ID)
		wantNotFound(t, err)
		if dnd, _ := r.DoNotDisturb(ctx, other.ID, u.ID); dnd {
			t.Fatal("DND visible from another org")
		}
		hijack := *ps
		hijack.DoNotDisturb = true
		_ = r.SavePhoneSettings(ctx, other.ID, &hijack)
		if dnd, _ := r.DoNotDisturb(ctx, o.ID, u.ID); dnd {
			t.Fatal("another org changed the user's settings")
		}

		// Greetings.
		_, err = r.Greeting(ctx, o.ID, u.ID)
		wantNotFound(t, err)
		must(t, r.SaveGreeting(ctx, o.ID, &roster.Greeting{UserID: u.ID, ContentType: "audio/wav", Data: []byte("RIFF1"), UploadedAt: ts}))
		must(t, r.SaveGreeting(ctx, o.ID, &roster.Greeting{UserID: u.ID, ContentType: "audio/mpeg", Data: []byte("ID3"), UploadedAt: ts}))
		g, err := r.Greeting(ctx, o.ID, u.ID)
		must(t, err)
		if g.ContentType != "audio/mpeg" || string(g.Data) != "ID3" {
			t.Fatalf("greeting %q %q", g.ContentType, g.Data)
		}
		if got, _ := r.PhoneSettings(ctx, o.ID, u.ID); !got.Voicemail.CustomGreeting {
			t.Fatal("settings do not show the custom greeting")
		}
		if has, err := r.HasGreeting(ctx, o.ID, u.ID); err != nil || !has {
			t.Fatalf("HasGreeting = %v, %v", has, err)
		}
		if has, _ := r.HasGreeting(ctx, other.ID, u.ID); has {
			t.Fatal("HasGreeting true from another org")
		}
		_, err = r.Greeting(ctx, other.ID, u.ID)
		wantNotFound(t, err)
		wantNotFound(t, r.DeleteGreeting(ctx, other.ID, u.ID))
		must(t, r.DeleteGreeting(ctx, o.ID, u.ID))
		wantNotFound(t, r.DeleteGreeting(ctx, o.ID, u.ID))
		if has, _ := r.HasGreeting(ctx, o.ID, u.ID); has {
			t.Fatal("HasGreeting true after delete")
		}

		// Deleting the user takes their settings along.
		must(t, r.DeleteUser(ctx, o.ID, u.ID))
		var n int
		must(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM phone_settings`).Scan(&n))
		if n != 0 {
			t.Fatalf("%d phone settings rows left after the user was deleted", n)
		}
	})
}

func TestDirectoryStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role, otherRole := mkRole(t, db, o.ID, "agent"), mkRole(t, db, other.ID, "agent")
		mk := func(orgID string, role *roster.Role, first, last, ext string, st roster.Status) {
			mkUser(t, db, orgID, role, uniq("d")+"@example.com", withName(first, last), withStatus(st),
				func(u *roster.User) { u.Extension = ext })
		}
		mk(o.ID, role, "Anna", "Smith", "101", roster.StatusActive)
		mk(o.ID, role, "Smitty", "Jones", "102", roster.StatusActive)
		mk(o.ID, role, "Bob", "Smithers", "103", roster.StatusActive)
		mk(o.ID, role, "Sam", "Smith", "", roster.StatusActive)             // no extension: not dialable
		mk(o.ID, role, "Old", "Smith", "104", roster.StatusInactive)        // inactive: not listed
		mk(other.ID, otherRole, "Eve", "Smith", "105", roster.StatusActive) // other org
		mk(o.ID, role, "Percent", "100%", "106", roster.StatusActive)

		names := func(match, q string) []string {
			t.Helper()
			es, err := db.Reader().Directory(ctx, o.ID, match, q, 50)
			must(t, err)
			var out []string
			for _, e := range es {
				out = append(out, e.FirstName+" "+e.LastName+" "+e.Extension)
			}
			return out
		}
		if got := names(roster.DirectoryMatchLast, "smi"); !slices.Equal(got, []string{"Anna Smith 101", "Bob Smithers 103"}) {
			t.Fatalf("last-name match: %v", got)
		}
		if got := names(roster.DirectoryMatchFirst, "smi"); !slices.Equal(got, []string{"Smitty Jones 102"}) {
			t.Fatalf("first-name match: %v", got)
		}
		if got := names(roster.DirectoryMatchFirstLast, "smi"); len(got) != 3 {
			t.Fatalf("either-name match: %v", got)
		}
		if got := names(roster.DirectoryMatchLast, "100%"); !slices.Equal(got, []string{"Percent 100% 106"}) {
			t.Fatalf("literal match: %v", got)
		}
		if got := names(roster.DirectoryMatchLast, "10"); !slices.Equal(got, []string{"Anna Smith 101", "Smitty Jones 102", "Bob Smithers 103", "Percent 100% 106"}) {
			t.Fatalf("extension match: %v", got)
		}
		if got := names(roster.DirectoryMatchFirst, "103"); !slices.Equal(got, []string{"Bob Smithers 103"}) {
			t.Fatalf("extension match: %v", got)
		}
		if got := names(roster.DirectoryMatchLast, "%"); len(got) != 0 {
			t.Fatalf("%% must match literally: %v", got)
		}

		if m, _ := db.Reader().DirectoryMatch(ctx, o.ID); m != roster.DirectoryMatchLast {
			t.Fatalf("default match %q", m)
		}
		must(t, db.Reader().SetDirectoryMatch(ctx, o.ID, roster.DirectoryMatchFirst, now()))
		must(t, db.Reader().SetDirectoryMatch(ctx, o.ID, roster.DirectoryMatchFirstLast, now()))
		if m, _ := db.Reader().DirectoryMatch(ctx, o.ID); m != roster.DirectoryMatchFirstLast {
			t.Fatalf("match %q after setting it", m)
		}
		if m, _ := db.Reader().DirectoryMatch(ctx, other.ID); m != roster.DirectoryMatchLast {
			t.Fatalf("another org's setting leaked: %q", m)
		}
	})
}

func TestVoicemailsStore(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, other := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		u := mkUser(t, db, o.ID, role, "u@example.com")
		var ids []string
		for i := range 5 {
			v := &roster.Voicemail{ID: newID(), UserID: u.ID, CallerNumber: "+14155550100", DurationSeconds: i,
				ReceivedAt: now(), CreatedAt: now()}
			must(t, db.Reader().CreateVoicemail(ctx, o.ID, v))
			ids = append(ids, v.ID)
		}
		page, err := db.Reader().Voicemails(ctx, o.ID, u.ID, "", 3)
		must(t, err)
		if got := idsOf(page, func(v roster.Voicemail) string { return v.ID }); !slices.Equal(got, []string{ids[4], ids[3], ids[2]}) {
			t.Fatalf("first page %v", got)
		}
		page, err = db.Reader().Voicemails(ctx, o.ID, u.ID, ids[2], 3)
		must(t, err)
		if got := idsOf(page, func(v roster.Voicemail) string { return v.ID }); !slices.Equal(got, []string{ids[1], ids[0]}) {
			t.Fatalf("second page %v", got)
		}
		page, err = db.Reader().Voicemails(ctx, other.ID, u.ID, "", 10)
		must(t, err)
		if len(page) != 0 {
			t.Fatalf("another org sees %d voicemails", len(page))
		}
	})
}

// TestProvisioningTokenSingleUse races redemptions of one token: exactly
// one may win.
func TestProvisioningTokenSingleUse(t *testing.T) {
	const workers = 10
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o := mkOrg(t, db)
		u := mkUser(t, db, o.ID, mkRole(t, db, o.ID, "agent"), "u@example.com")
		tok := &roster.ProvisioningToken{ID: newID(), UserID: u.ID, App: roster.AppMobile, Hash: hash("prov"),
			CreatedAt: now(), ExpiresAt: now().Add(15 * time.Minute)}
		must(t, db.Reader().CreateProvisioningToken(ctx, o.ID, tok))
		got, err := db.Reader().ProvisioningTokenByHash(ctx, tok.Hash)
		must(t, err)
		if got.ID != tok.ID || got.OrgID != o.ID || got.UserID != u.ID || got.UsedAt != nil || !got.ExpiresAt.Equal(tok.ExpiresAt) {
			t.Fatalf("token read back as %+v", got)
		}
		_, err = db.Reader().ProvisioningTokenByHash(ctx, []byte("nope"))
		wantNotFound(t, err)

		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, gone := 0, 0
		for range workers {
			wg.Go(func() {
				err := db.Tx(ctx, func(c *store.Conn) error { return c.UseProvisioningToken(ctx, o.ID, tok.ID, now()) })
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					wins++
				} else if roster.ErrorKind(err) == roster.KindGone {
					gone++
				} else {
					t.Errorf("unexpected error %v", err)
				}
			})
		}
		wg.Wait()
		if wins != 1 || gone != workers-1 {
			t.Fatalf("%d redemptions won, %d were gone; want 1 and %d", wins, gone, workers-1)
		}
	})
}
