package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"roster/internal/jobs"
	"roster/internal/mail"
	"roster/internal/roster"
	"roster/internal/smtptest"
	"roster/internal/store"
	"roster/internal/testdb"
)

const orgID = "org_acme"

// clock is a settable time source shared by a test and a worker.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// counter counts calls of a metric hook.
type counter struct{ n atomic.Int64 }

func (c *counter) Inc()       { c.n.Add(1) }
func (c *counter) Get() int64 { return c.n.Load() }

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func createOrg(t *testing.T, db *store.DB) {
	t.Helper()
	err := db.Tx(context.Background(), func(c *store.Conn) error {
		return c.CreateOrg(context.Background(), &roster.Org{ID: orgID, Slug: "acme", Name: "Acme",
			Plan: roster.PlanProfessional, CreatedAt: time.Now().UTC()})
	})
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
}

// enqueue queues n emails created (and so due) at the given time.
func enqueue(t *testing.T, db *store.DB, n int, at time.Time) []roster.Email {
	t.Helper()
	var out []roster.Email
	err := db.Tx(context.Background(), func(c *store.Conn) error {
		for i := range n {
			e := roster.Email{
				ID: fmt.Sprintf("em_%s_%03d", at.Format("150405.000000"), i), To: fmt.Sprintf("user%d@acme.test", i),
				Subject: fmt.Sprintf("Invitation %d", i), Text: fmt.Sprintf("Accept: http://roster.test/invite/accept?token=rsi_%d\n", i),
				HTML: fmt.Sprintf(`<p><a href="http://roster.test/invite/accept?token=rsi_%d">Accept</a></p>`, i),
				Link: fmt.Sprintf("http://roster.test/invite/accept?token=rsi_%d", i), CreatedAt: at,
			}
			if err := c.EnqueueEmail(context.Background(), orgID, &e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return out
}

// row reads one outbox email back.
func row(t *testing.T, db *store.DB, id string) roster.Email {
	t.Helper()
	all, err := db.Reader().Emails(context.Background(), "", 1000)
	if err != nil {
		t.Fatalf("emails: %v", err)
	}
	for _, e := range all {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("email %s not in the outbox", id)
	return roster.Email{}
}

// scheduling reads the columns roster.Email does not carry.
func scheduling(t *testing.T, db *store.DB, id string) (nextAttempt, lockedUntil time.Time) {
	t.Helper()
	q := `SELECT next_attempt_at, locked_until FROM outbox WHERE id = ?`
	if db.Dialect() == "postgres" {
		q = strings.Replace(q, "?", "$1", 1)
	}
	var next, locked int64
	if err := db.SQL().QueryRow(q, id).Scan(&next, &locked); err != nil {
		t.Fatalf("read schedule of %s: %v", id, err)
	}
	return time.UnixMicro(next).UTC(), time.UnixMicro(locked).UTC()
}

func newSender(t *testing.T, srv *smtptest.Server) mail.Sender {
	t.Helper()
	s, err := mail.NewSMTPSender(srv.URL(), "Roster <roster@acme.test>")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runOnce(t *testing.T, w *jobs.OutboxWorker, want int) {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil || n != want {
		t.Fatalf("RunOnce = %d, %v; want %d, nil", n, err, want)
	}
}

func TestOutboxDeliversAndMarksSent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		createOrg(t, db)
		srv := smtptest.Start(t)
		clk := newClock()
		var sent, failed counter
		w := jobs.NewOutboxWorker(db, newSender(t, srv), jobs.Options{Now: clk.Now, Logger: quietLogger(),
			OnSent: sent.Inc, OnFailed: failed.Inc})
		e := enqueue(t, db, 1, clk.Now())[0]
		clk.Advance(time.Second)

		runOnce(t, w, 1)
		m := srv.WaitFor(t, 1, 5*time.Second)[0]
		if len(m.To) != 1 || m.To[0] != e.To || m.Subject != e.Subject || m.EmailID != e.ID {
			t.Errorf("delivered to %v subject %q id %q; want %s %q %s", m.To, m.Subject, m.EmailID, e.To, e.Subject, e.ID)
		}
		if strings.ReplaceAll(m.Text, "\r\n", "\n") != e.Text || m.HTML != e.HTML {
			t.Errorf("bodies %q / %q; want %q / %q", m.Text, m.HTML, e.Text, e.HTML)
		}
		got := row(t, db, e.ID)
		if got.Status != roster.EmailSent || got.Attempts != 1 || got.LastError != "" ||
			got.SentAt == nil || !got.SentAt.Equal(clk.Now()) {
			t.Errorf("row after delivery: status %s attempts %d error %q sent_at %v; want sent, 1, none, %v",
				got.Status, got.Attempts, got.LastError, got.SentAt, clk.Now())
		}
		if sent.Get() != 1 || failed.Get() != 0 {
			t.Errorf("OnSent %d OnFailed %d, want 1 and 0", sent.Get(), failed.Get())
		}

		clk.Advance(time.Hour)
		runOnce(t, w, 0)
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages after a second run, want 1", n)
		}
		if d, err := db.Reader().OutboxDepth(context.Background()); err != nil || d != 0 {
			t.Errorf("OutboxDepth = %d, %v; want 0", d, err)
		}
	})
}

func TestOutboxRetriesAfterOutage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		createOrg(t, db)
		srv := smtptest.Start(t)
		clk := newClock()
		var sent, failed counter
		w := jobs.NewOutboxWorker(db, newSender(t, srv), jobs.Options{Now: clk.Now, Logger: quietLogger(),
			OnSent: sent.Inc, OnFailed: failed.Inc})
		e := enqueue(t, db, 1, clk.Now())[0]

		srv.SetFailing(true)
		runOnce(t, w, 1)
		got := row(t, db, e.ID)
		if got.Status != roster.EmailPending || got.Attempts != 1 || !strings.Contains(got.LastError, "451") || got.SentAt != nil {
			t.Fatalf("row after a failed attempt: status %s attempts %d error %q sent_at %v; want pending, 1, a 451 error, none",
				got.Status, got.Attempts, got.LastError, got.SentAt)
		}
		next, locked := scheduling(t, db, e.ID)
		// DefaultBackoff: 30 s ± 10 % after the first failure.
		if lo, hi := clk.Now().Add(27*time.Second), clk.Now().Add(33*time.Second); next.Before(lo) || next.After(hi) {
			t.Errorf("next attempt at %v, want between %v and %v", next, lo, hi)
		}
		if !locked.Equal(time.UnixMicro(0).UTC()) {
			t.Errorf("lease still held until %v after the attempt was recorded", locked)
		}
		if failed.Get() != 1 || sent.Get() != 0 {
			t.Errorf("OnFailed %d OnSent %d, want 1 and 0", failed.Get(), sent.Get())
		}

		srv.SetFailing(false)
		clk.Advance(20 * time.Second)
		runOnce(t, w, 0) // the retry is not due yet
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("%d messages sent before the retry was due", n)
		}

		clk.Advance(20 * time.Second)
		runOnce(t, w, 1)
		msgs := srv.WaitFor(t, 1, 5*time.Second)
		if msgs[0].EmailID != e.ID {
			t.Errorf("delivered %q, want %q", msgs[0].EmailID, e.ID)
		}
		got = row(t, db, e.ID)
		if got.Status != roster.EmailSent || got.Attempts != 2 || got.LastError != "" || got.SentAt == nil {
			t.Errorf("row after the retry: status %s attempts %d error %q sent_at %v; want sent, 2, none, set",
				got.Status, got.Attempts, got.LastError, got.SentAt)
		}
		clk.Advance(time.Hour)
		runOnce(t, w, 0)
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("%d messages in all, want exactly 1", n)
		}
		if failed.Get() != 1 || sent.Get() != 1 {
			t.Errorf("OnFailed %d OnSent %d, want 1 and 1", failed.Get(), sent.Get())
		}
	})
}

func TestOutboxFailsAfterMaxAttempts(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		createOrg(t, db)
		srv := smtptest.Start(t)
		srv.SetFailing(true)
		clk := newClock()
		var backoffs []int
		var failed counter
		w := jobs.NewOutboxWorker(db, newSender(t, srv), jobs.Options{Now: clk.Now, Logger: quietLogger(), MaxAttempts: 3,
			OnFailed: failed.Inc,
			Backoff:  func(attempt int) time.Duration { backoffs = append(backoffs, attempt); return time.Minute }})
		e := enqueue(t, db, 1, clk.Now())[0]

		for i := 1; i <= 3; i++ {
			runOnce(t, w, 1)
			if got := row(t, db, e.ID); got.Attempts != i {
				t.Fatalf("after attempt %d the row counts %d attempts", i, got.Attempts)
			}
			clk.Advance(2 * time.Minute)
		}
		got := row(t, db, e.ID)
		if got.Status != roster.EmailFailed || got.Attempts != 3 || !strings.Contains(got.LastError, "451") || got.SentAt != nil {
			t.Errorf("row after the last attempt: status %s attempts %d error %q sent_at %v; want failed, 3, a 451 error, none",
				got.Status, got.Attempts, got.LastError, got.SentAt)
		}
		if fmt.Sprint(backoffs) != "[1 2]" {
			t.Errorf("backoff asked for attempts %v, want [1 2]", backoffs)
		}
		if failed.Get() != 3 {
			t.Errorf("OnFailed %d, want 3", failed.Get())
		}
		srv.SetFailing(false)
		clk.Advance(24 * time.Hour)
		runOnce(t, w, 0)
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("a failed email was sent later (%d messages)", n)
		}
	})
}

// TestOutboxConcurrentWorkersSendEachOnce runs two workers, each with its
// own connection pool as two instances would have, over one database.
func TestOutboxConcurrentWorkersSendEachOnce(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			url := testdb.URL(t, dialect)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), url, "")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			db1 := open()
			if err := db1.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			db2 := open()
			createOrg(t, db1)
			srv := smtptest.Start(t)
			const total = 30
			emails := enqueue(t, db1, total, time.Now().UTC())

			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var sent [2]counter
			for i, db := range []*store.DB{db1, db2} {
				w := jobs.NewOutboxWorker(db, newSender(t, srv), jobs.Options{Logger: quietLogger(), Batch: 3,
					PollInterval: 5 * time.Millisecond, OnSent: sent[i].Inc})
				wg.Go(func() { w.Run(ctx) })
			}
			srv.WaitFor(t, total, 60*time.Second)
			// Give a duplicate, if there were one, time to arrive.
			time.Sleep(200 * time.Millisecond)
			cancel()
			wg.Wait()

			seen := map[string]int{}
			for _, m := range srv.Messages() {
				seen[m.EmailID]++
			}
			for _, e := range emails {
				if seen[e.ID] != 1 {
					t.Errorf("email %s delivered %d times, want once", e.ID, seen[e.ID])
				}
				if got := row(t, db2, e.ID); got.Status != roster.EmailSent {
					t.Errorf("email %s is %s, want sent", e.ID, got.Status)
				}
			}
			if n := len(srv.Messages()); n != total {
				t.Errorf("%d messages, want %d", n, total)
			}
			if sent[0].Get()+sent[1].Get() != total {
				t.Errorf("workers reported %d + %d sent, want %d in all", sent[0].Get(), sent[1].Get(), total)
			}
			t.Logf("worker 1 sent %d, worker 2 sent %d", sent[0].Get(), sent[1].Get())
		})
	}
}

func TestOutboxKeepsEmailsWithoutSMTP(t *testing.T) {
	for name, sender := range map[string]mail.Sender{"nil": nil, "Kept": mail.Kept} {
		t.Run(name, func(t *testing.T) {
			testdb.Each(t, func(t *testing.T, db *store.DB) {
				createOrg(t, db)
				clk := newClock()
				var logs bytes.Buffer
				var sent counter
				w := jobs.NewOutboxWorker(db, sender, jobs.Options{Now: clk.Now, OnSent: sent.Inc,
					Logger: slog.New(slog.NewTextHandler(&logs, nil))})
				e := enqueue(t, db, 1, clk.Now())[0]

				runOnce(t, w, 1)
				got := row(t, db, e.ID)
				if got.Status != roster.EmailKept || got.SentAt == nil || !got.SentAt.Equal(clk.Now()) {
					t.Errorf("row: status %s sent_at %v; want kept at %v", got.Status, got.SentAt, clk.Now())
				}
				out := logs.String()
				for _, want := range []string{"email kept in outbox (no SMTP configured)", "to=" + e.To,
					"subject=\"" + e.Subject + "\"", "link=\"" + e.Link + "\""} {
					if !strings.Contains(out, want) {
						t.Errorf("log lacks %q:\n%s", want, out)
					}
				}
				if sent.Get() != 0 {
					t.Errorf("OnSent called %d times for a kept email", sent.Get())
				}
				runOnce(t, w, 0)
				if n := strings.Count(logs.String(), "email kept"); n != 1 {
					t.Errorf("kept email logged %d times, want once", n)
				}
			})
		})
	}
}

// blockingSender holds each Send until released, to catch the worker in
// the middle of a delivery.
type blockingSender struct {
	started chan roster.Email
	release chan struct{}
	ctxErr  atomic.Value // error of the send context when released
}

func (b *blockingSender) Send(ctx context.Context, e roster.Email) error {
	b.started <- e
	<-b.release
	b.ctxErr.Store(fmt.Sprint(ctx.Err()))
	return nil
}

func TestOutboxShutdownFinishesCurrentEmail(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		createOrg(t, db)
		emails := enqueue(t, db, 2, time.Now().UTC())
		bs := &blockingSender{started: make(chan roster.Email, 2), release: make(chan struct{})}
		w := jobs.NewOutboxWorker(db, bs, jobs.Options{Logger: quietLogger(), PollInterval: 10 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()

		var first roster.Email
		select {
		case first = <-bs.started:
		case <-time.After(10 * time.Second):
			t.Fatal("the worker never started sending")
		}
		cancel()
		select {
		case <-done:
			t.Fatal("Run returned while an email was being sent")
		case <-time.After(100 * time.Millisecond):
		}
		close(bs.release)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after the send finished")
		}
		if got := bs.ctxErr.Load(); got != "<nil>" {
			t.Errorf("the send's context ended (%v) when shutdown began", got)
		}
		if got := row(t, db, first.ID); got.Status != roster.EmailSent {
			t.Errorf("the email being sent at shutdown is %s, want sent", got.Status)
		}
		other := emails[0]
		if other.ID == first.ID {
			other = emails[1]
		}
		if got := row(t, db, other.ID); got.Status != roster.EmailPending || got.Attempts != 0 {
			t.Errorf("the other email is %s after %d attempts, want untouched", got.Status, got.Attempts)
		}
		if _, locked := scheduling(t, db, other.ID); locked.After(time.UnixMicro(0)) {
			t.Errorf("the other email is leased until %v, which would delay it after a restart", locked)
		}
		select {
		case e := <-bs.started:
			t.Errorf("email %s started after shutdown", e.ID)
		default:
		}
	})
}

func TestOutboxWakeSkipsThePollWait(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		createOrg(t, db)
		srv := smtptest.Start(t)
		w := jobs.NewOutboxWorker(db, newSender(t, srv), jobs.Options{Logger: quietLogger(), PollInterval: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()

		time.Sleep(50 * time.Millisecond) // let Run find nothing and start waiting
		e := enqueue(t, db, 1, time.Now().UTC())[0]
		w.Wake()
		if m := srv.WaitFor(t, 1, 10*time.Second)[0]; m.EmailID != e.ID {
			t.Errorf("delivered %q, want %q", m.EmailID, e.ID)
		}
	})
}

func TestWakeNeverBlocks(t *testing.T) {
	w := jobs.NewOutboxWorker(nil, nil, jobs.Options{})
	for range 5 {
		w.Wake()
	}
}

func TestDefaultBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		base    time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {8, time.Hour}, {50, time.Hour}} {
		for range 100 {
			d := jobs.DefaultBackoff(tc.attempt)
			if d < tc.base*9/10 || d >= tc.base*11/10 {
				t.Fatalf("DefaultBackoff(%d) = %v, want %v ± 10%%", tc.attempt, d, tc.base)
			}
		}
	}
}
