package storetest_test

import (
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

func TestOutbox(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		a, b := mkOrg(t, db), mkOrg(t, db)
		t0 := now().Add(-time.Hour)

		enqueue := func(orgID, to string, at time.Time) *roster.Email {
			e := &roster.Email{ID: newID(), To: to, Subject: "Hello " + to, Text: "text", HTML: "<p>html</p>",
				Link: "https://x.test/l/" + to, CreatedAt: at}
			inTx(t, db, func(c *store.Conn) error { return c.EnqueueEmail(ctx, orgID, e) })
			return e
		}
		e1 := enqueue(a.ID, "one@example.com", t0)
		e2 := enqueue(a.ID, "two@example.com", t0.Add(time.Second))
		e3 := enqueue(b.ID, "three@example.com", t0.Add(2*time.Second))
		// System mail (no org) is allowed and listed only without an org.
		e4 := enqueue("", "ops@example.com", t0.Add(3*time.Second))

		depth := func() int {
			t.Helper()
			n, err := r.OutboxDepth(ctx)
			must(t, err)
			return n
		}
		if d := depth(); d != 4 {
			t.Fatalf("OutboxDepth = %d, want 4", d)
		}
		claim := func(at, lease time.Time, limit int) []string {
			t.Helper()
			var got []roster.Email
			inTx(t, db, func(c *store.Conn) error {
				var err error
				got, err = c.ClaimEmails(ctx, at, lease, limit)
				return err
			})
			return idsOf(got, func(e roster.Email) string { return e.ID })
		}
		emailByID := func(id string) roster.Email {
			t.Helper()
			all, err := r.Emails(ctx, "", 0)
			must(t, err)
			i := slices.IndexFunc(all, func(e roster.Email) bool { return e.ID == id })
			if i < 0 {
				t.Fatalf("email %s not listed", id)
			}
			return all[i]
		}

		got := emailByID(e1.ID)
		if got.OrgID != a.ID || got.To != e1.To || got.Subject != e1.Subject || got.Text != e1.Text || got.HTML != e1.HTML ||
			got.Link != e1.Link || got.Status != roster.EmailPending || got.Attempts != 0 || got.LastError != "" ||
			!got.CreatedAt.Equal(e1.CreatedAt) || got.SentAt != nil {
			t.Fatalf("enqueued email = %+v", got)
		}

		// Nothing is due before it was enqueued.
		if ids := claim(t0.Add(-time.Second), t0.Add(time.Minute), 10); len(ids) != 0 {
			t.Fatalf("claimed %v before they were due", ids)
		}
		now1, lease1 := t0.Add(10*time.Second), t0.Add(70*time.Second)
		if ids := claim(now1, lease1, 2); !slices.Equal(ids, []string{e1.ID, e2.ID}) {
			t.Fatalf("first claim = %v, want the two oldest", ids)
		}
		if ids := claim(now1, lease1, 10); !slices.Equal(ids, []string{e3.ID, e4.ID}) {
			t.Fatalf("second claim = %v, want the unleased rest", ids)
		}
		// A second worker at the same moment finds everything leased.
		if ids := claim(now1, lease1, 10); len(ids) != 0 {
			t.Fatalf("claim while leased = %v", ids)
		}
		if ids := claim(lease1.Add(-time.Microsecond), lease1.Add(time.Minute), 10); len(ids) != 0 {
			t.Fatalf("claim just before the lease ends = %v", ids)
		}
		// Once the lease runs out (its worker died) the rows are due again.
		now2, lease2 := lease1, lease1.Add(time.Minute)
		if ids := claim(now2, lease2, 10); !slices.Equal(ids, []string{e1.ID, e2.ID, e3.ID, e4.ID}) {
			t.Fatalf("claim after lease expiry = %v", ids)
		}
		if d := depth(); d != 4 {
			t.Fatalf("leasing changed the depth to %d", d)
		}

		sentAt := now2.Add(time.Second)
		inTx(t, db, func(c *store.Conn) error { return c.MarkEmailDone(ctx, e1.ID, roster.EmailSent, sentAt) })
		must(t, r.MarkEmailDone(ctx, e4.ID, roster.EmailKept, sentAt))
		wantNotFound(t, r.MarkEmailDone(ctx, newID(), roster.EmailSent, sentAt))
		got = emailByID(e1.ID)
		if got.Status != roster.EmailSent || got.SentAt == nil || !got.SentAt.Equal(sentAt) || got.Attempts != 1 || got.LastError != "" {
			t.Fatalf("sent email = %+v", got)
		}
		if got = emailByID(e4.ID); got.Status != roster.EmailKept || got.SentAt == nil {
			t.Fatalf("kept email = %+v", got)
		}

		retryAt := now2.Add(5 * time.Minute)
		inTx(t, db, func(c *store.Conn) error { return c.MarkEmailAttemptFailed(ctx, e2.ID, "421 try later", retryAt) })
		got = emailByID(e2.ID)
		if got.Status != roster.EmailPending || got.Attempts != 1 || got.LastError != "421 try later" || got.SentAt != nil {
			t.Fatalf("retried email = %+v", got)
		}
		must(t, r.MarkEmailAttemptFailed(ctx, e3.ID, "550 no such user", time.Time{}))
		got = emailByID(e3.ID)
		if got.Status != roster.EmailFailed || got.Attempts != 1 || got.LastError != "550 no such user" {
			t.Fatalf("failed email = %+v", got)
		}
		wantNotFound(t, r.MarkEmailAttemptFailed(ctx, newID(), "x", retryAt))
		if d := depth(); d != 1 {
			t.Fatalf("OutboxDepth = %d, want 1 (the retry)", d)
		}

		// Failure releases the lease but the retry waits for its time; sent,
		// kept and failed mail is never claimed again.
		if ids := claim(retryAt.Add(-time.Second), retryAt.Add(time.Hour), 10); len(ids) != 0 {
			t.Fatalf("claim before retry time = %v", ids)
		}
		if ids := claim(retryAt, retryAt.Add(time.Minute), 10); !slices.Equal(ids, []string{e2.ID}) {
			t.Fatalf("claim at retry time = %v", ids)
		}
		must(t, r.MarkEmailAttemptFailed(ctx, e2.ID, "421 again", retryAt.Add(time.Hour)))
		if got = emailByID(e2.ID); got.Attempts != 2 || got.LastError != "421 again" {
			t.Fatalf("second failure = %+v", got)
		}
		if ids := claim(retryAt.Add(time.Hour), retryAt.Add(2*time.Hour), 10); !slices.Equal(ids, []string{e2.ID}) {
			t.Fatalf("claim at second retry time = %v", ids)
		}
		must(t, r.MarkEmailDone(ctx, e2.ID, roster.EmailSent, retryAt.Add(time.Hour)))
		if got = emailByID(e2.ID); got.Attempts != 3 || got.LastError != "" || got.Status != roster.EmailSent {
			t.Fatalf("sent after retries = %+v", got)
		}
		if d := depth(); d != 0 {
			t.Fatalf("OutboxDepth = %d, want 0", d)
		}

		list := func(orgID string, limit int) []string {
			t.Helper()
			es, err := r.Emails(ctx, orgID, limit)
			must(t, err)
			return idsOf(es, func(e roster.Email) string { return e.ID })
		}
		for _, c := range []struct {
			org   string
			limit int
			want  []string
		}{
			{a.ID, 0, []string{e2.ID, e1.ID}},
			{b.ID, 0, []string{e3.ID}},
			{"", 0, []string{e4.ID, e3.ID, e2.ID, e1.ID}},
			{"", 2, []string{e4.ID, e3.ID}},
			{a.ID, 1, []string{e2.ID}},
			{mkOrg(t, db).ID, 0, []string{}},
		} {
			if got := list(c.org, c.limit); !slices.Equal(got, c.want) {
				t.Errorf("Emails(%q, %d) = %v, want %v", c.org, c.limit, got, c.want)
			}
		}
	})
}

// TestBatchInvitationsAndEmails: the multi-row inserts of a bulk
// invitation store what the one-row ones do, in the given org only.
func TestBatchInvitationsAndEmails(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		o, o2 := mkOrg(t, db), mkOrg(t, db)
		role := mkRole(t, db, o.ID, "agent")
		ts := now()
		var invs []roster.Invitation
		var emails []roster.Email
		for i := range 3 {
			u := mkUser(t, db, o.ID, role, uniq("batch")+"@x.test", withStatus(roster.StatusInvited))
			invs = append(invs, roster.Invitation{ID: newID(), UserID: u.ID, Email: u.Email, Role: "agent", LicenseType: "",
				Integration: "Salesforce", InviterID: u.ID, Status: roster.InvitePending, TokenHash: hash("inv"),
				CreatedAt: ts, ExpiresAt: ts.Add(time.Duration(i+1) * time.Hour)})
			emails = append(emails, roster.Email{ID: newID(), To: u.Email, Subject: "Join", Text: "text", HTML: "<p>x</p>",
				Link: "https://x.test/i", CreatedAt: ts})
		}
		inTx(t, db, func(c *store.Conn) error {
			if err := c.InsertInvitations(ctx, o.ID, invs); err != nil {
				return err
			}
			return c.EnqueueEmails(ctx, o.ID, emails)
		})
		for _, want := range invs {
			got, err := db.Reader().Invitation(ctx, o.ID, want.ID)
			must(t, err)
			if got.UserID != want.UserID || got.Email != want.Email || got.Integration != want.Integration ||
				got.Status != roster.InvitePending || !got.ExpiresAt.Equal(want.ExpiresAt) || string(got.TokenHash) != string(want.TokenHash) {
				t.Errorf("invitation %s: got %+v, want %+v", want.ID, got, want)
			}
			_, err = db.Reader().Invitation(ctx, o2.ID, want.ID)
			wantNotFound(t, err)
		}
		got, err := db.Reader().Emails(ctx, o.ID, 10)
		must(t, err)
		if len(got) != 3 {
			t.Fatalf("org's emails: %d, want 3", len(got))
		}
		for _, e := range got {
			if e.Status != roster.EmailPending || e.Subject != "Join" || e.Link != "https://x.test/i" {
				t.Errorf("email %+v", e)
			}
		}
		if other, _ := db.Reader().Emails(ctx, o2.ID, 10); len(other) != 0 {
			t.Fatalf("another org sees %d emails", len(other))
		}
	})
}
