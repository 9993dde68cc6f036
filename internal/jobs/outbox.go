// Package jobs runs Roster's background work: the outbox worker that
// delivers queued emails and the sweeper that deletes expired rows. Both
// are safe to run on several instances against one database.
package jobs

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"roster/internal/mail"
	"roster/internal/roster"
	"roster/internal/store"
)

// Options tune an OutboxWorker; zero values take the defaults.
type Options struct {
	Now          func() time.Time // default time.Now
	PollInterval time.Duration    // how often to look for due emails; default 1s
	Lease        time.Duration    // how long a claimed email is reserved; default 2m
	Batch        int              // most emails one RunOnce handles; default 20
	MaxAttempts  int              // attempts before an email is failed; default 10
	// Backoff is the wait after the attempt-th failed attempt (1 after the
	// first); default DefaultBackoff.
	Backoff func(attempt int) time.Duration
	Logger  *slog.Logger // default slog.Default()
	// OnSent and OnFailed are called after each email handed to the SMTP
	// server and after each failed attempt, so that callers can count them
	// without this package knowing their metrics library.
	OnSent, OnFailed func()
}

// sendTimeout bounds one delivery, including during shutdown, so that a
// hung SMTP server delays a stop by at most this long.
const sendTimeout = 30 * time.Second

// markTimeout bounds recording a delivery's outcome; it is separate from
// sendTimeout so that a send that used all its time can still be recorded.
const markTimeout = 10 * time.Second

// maxErrorLen keeps one SMTP server's verbose answer from bloating the
// outbox row that operators read.
const maxErrorLen = 1000

// DefaultBackoff waits 30 s after the first failure and doubles per attempt
// up to an hour, give or take 10 % so that emails that failed together do
// not retry in lockstep.
func DefaultBackoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	jitter := time.Duration(rand.Int64N(int64(d/5))) - d/10
	return d + jitter
}

// outboxTx is what the worker needs of a transaction; *store.Conn has it.
type outboxTx interface {
	ClaimEmails(ctx context.Context, now, leaseUntil time.Time, limit int) ([]roster.Email, error)
	MarkEmailDone(ctx context.Context, id, status string, now time.Time) error
	MarkEmailAttemptFailed(ctx context.Context, id, msg string, retryAt time.Time) error
}

// txFunc runs fn in one write transaction.
type txFunc func(ctx context.Context, fn func(outboxTx) error) error

// OutboxWorker delivers outbox emails through a mail.Sender, retrying
// failures with backoff. Each email is claimed in its own transaction with
// a lease, so that workers on several instances never send one email at
// the same time and an email whose worker died is retried once its lease
// runs out.
type OutboxWorker struct {
	tx     txFunc
	sender mail.Sender // nil when emails are kept
	opt    Options
	wake   chan struct{}
}

// NewOutboxWorker returns a worker over db. A nil sender (or mail.Kept)
// keeps emails in the outbox, marked roster.EmailKept and logged.
func NewOutboxWorker(db *store.DB, sender mail.Sender, opt Options) *OutboxWorker {
	if sender == mail.Kept {
		sender = nil
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	if opt.Lease <= 0 {
		opt.Lease = 2 * time.Minute
	}
	if opt.Batch <= 0 {
		opt.Batch = 20
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 10
	}
	if opt.Backoff == nil {
		opt.Backoff = DefaultBackoff
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.OnSent == nil {
		opt.OnSent = func() {}
	}
	if opt.OnFailed == nil {
		opt.OnFailed = func() {}
	}
	tx := func(ctx context.Context, fn func(outboxTx) error) error {
		return db.Tx(ctx, func(c *store.Conn) error { return fn(c) })
	}
	return &OutboxWorker{tx: tx, sender: sender, opt: opt, wake: make(chan struct{}, 1)}
}

// Wake makes a waiting Run look for emails now instead of at its next poll.
// It never blocks, so request handlers can call it after queuing email.
func (w *OutboxWorker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers emails until ctx is cancelled. An email already being sent
// when that happens is finished and recorded before Run returns, so a
// graceful shutdown leaves nothing half-sent.
func (w *OutboxWorker) Run(ctx context.Context) {
	var failures int
	for {
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := w.opt.PollInterval
		switch {
		case err != nil:
			failures++
			// A database that is down would otherwise be logged once per
			// poll; back off to at most a minute between tries.
			wait = min(w.opt.PollInterval<<min(failures, 6), time.Minute)
			w.opt.Logger.Warn("outbox worker", "err", err, "retry_in", wait)
		case n == w.opt.Batch:
			failures = 0
			continue // more may be due
		default:
			failures = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunOnce delivers up to Batch due emails and returns how many it handled
// (sent, kept or failed an attempt). It stops early, without error, when
// no email is due or ctx is cancelled; an email it has claimed is always
// finished.
func (w *OutboxWorker) RunOnce(ctx context.Context) (int, error) {
	n := 0
	for n < w.opt.Batch && ctx.Err() == nil {
		// Claiming one email at a time keeps each lease short and means a
		// shutdown strands no claimed-but-unsent emails until their leases
		// run out.
		var claimed []roster.Email
		now := w.opt.Now()
		err := w.tx(ctx, func(c outboxTx) error {
			var err error
			claimed, err = c.ClaimEmails(ctx, now, now.Add(w.opt.Lease), 1)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return n, nil
			}
			return n, err
		}
		if len(claimed) == 0 {
			return n, nil
		}
		if err := w.deliver(ctx, claimed[0]); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// deliver sends one claimed email and records the outcome, ignoring ctx's
// cancellation: once claimed, an email is finished.
func (w *OutboxWorker) deliver(ctx context.Context, e roster.Email) error {
	ctx = context.WithoutCancel(ctx)
	log := w.opt.Logger.With("email_id", e.ID)
	if w.sender == nil {
		log.Info("email kept in outbox (no SMTP configured)", "to", e.To, "subject", e.Subject, "link", e.Link)
		return w.mark(ctx, func(c outboxTx) error { return c.MarkEmailDone(ctx, e.ID, roster.EmailKept, w.opt.Now()) })
	}
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	sendErr := w.sender.Send(sendCtx, e)
	cancel()
	if sendErr == nil {
		if err := w.mark(ctx, func(c outboxTx) error { return c.MarkEmailDone(ctx, e.ID, roster.EmailSent, w.opt.Now()) }); err != nil {
			// The server has the email but the row still says pending; it
			// will be sent again once the lease runs out. Its Message-ID
			// lets the receiving side spot the duplicate.
			log.Error("email sent but not recorded as sent", "err", err)
			return err
		}
		w.opt.OnSent()
		log.Info("email sent", "to", e.To, "subject", e.Subject)
		return nil
	}
	w.opt.OnFailed()
	attempt := e.Attempts + 1
	msg := sendErr.Error()
	if len(msg) > maxErrorLen {
		// Cutting may split a character; PostgreSQL rejects invalid UTF-8.
		msg = strings.ToValidUTF8(msg[:maxErrorLen], "")
	}
	var retryAt time.Time // zero: give up
	if attempt < w.opt.MaxAttempts {
		retryAt = w.opt.Now().Add(w.opt.Backoff(attempt))
	}
	if err := w.mark(ctx, func(c outboxTx) error { return c.MarkEmailAttemptFailed(ctx, e.ID, msg, retryAt) }); err != nil {
		return errors.Join(sendErr, err)
	}
	if retryAt.IsZero() {
		log.Error("email failed for good", "to", e.To, "attempts", attempt, "err", sendErr)
	} else {
		log.Warn("email attempt failed", "to", e.To, "attempt", attempt, "retry_at", retryAt, "err", sendErr)
	}
	return nil
}

func (w *OutboxWorker) mark(ctx context.Context, fn func(outboxTx) error) error {
	ctx, cancel := context.WithTimeout(ctx, markTimeout)
	defer cancel()
	return w.tx(ctx, fn)
}
