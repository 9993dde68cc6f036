package store

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"roster/internal/roster"
)

// bucketEmails are emails at the edges of emailBucket: short ones, ASCII
// and past it at each of the first three places, and the highest ASCII.
var bucketEmails = []string{"a@x.test", "ab@x.test", "a.b@x.test", "A@x.test", "~~~@x.test", "é@x.test", "aé@x.test",
	"abé@x.test", "éa@x.test", "ø1@x.test", "日本@x.test", "1@x.test", "@", "a", "ab", "\x7f@x.test", "z\x7fz@x.test"}

// TestEmailBucketIsTheSchemas checks emailBucket against the column SQLite
// computes (migration 0010), and that every user's entry in the trigram
// index is keyed by that bucket and the user's rowid.
func TestEmailBucketIsTheSchemas(t *testing.T) {
	ctx := t.Context()
	d := openGroupTestDBIn(t, t.TempDir())
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	org := &roster.Org{ID: "org", Name: "Org", Slug: "org", Plan: roster.PlanProPlus, CreatedAt: now}
	role := &roster.Role{ID: "role", OrgID: org.ID, Key: "agent", Name: "Agent"}
	if err := d.Tx(ctx, func(c *Conn) error {
		if err := c.CreateOrg(ctx, org); err != nil {
			return err
		}
		if err := c.CreateRole(ctx, org.ID, role, now); err != nil {
			return err
		}
		for i, e := range bucketEmails {
			u := &roster.User{ID: fmt.Sprint("u", i), Email: e, FirstName: "Ann", LastName: "Lee",
				Status: roster.StatusActive, RoleID: role.ID, CreatedAt: now, UpdatedAt: now}
			if err := c.CreateUser(ctx, org.ID, u); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT u.email, u.email_bucket, u.rowid, s.rowid
		FROM users u LEFT JOIN users_search s ON s.rowid = (u.email_bucket << 42) | u.rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var email string
		var bucket, rowid int64
		var key *int64
		if err := rows.Scan(&email, &bucket, &rowid, &key); err != nil {
			t.Fatal(err)
		}
		n++
		if want := emailBucket(email); bucket != want {
			t.Errorf("%q: SQLite's bucket %d, emailBucket %d", email, bucket, want)
		}
		if key == nil || *key>>searchKeyBits != bucket || *key&searchRowMask != rowid {
			t.Errorf("%q (bucket %d, rowid %d): the trigram index has no entry keyed by both (%v)", email, bucket, rowid, key)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(bucketEmails) {
		t.Fatalf("read %d users, want %d", n, len(bucketEmails))
	}
	// Each bucket's stretch of the email order, compared as SQLite
	// compares text, holds that bucket's users and no others.
	for _, e := range bucketEmails {
		b := emailBucket(e)
		lo, hi := bucketRange(b)
		var inRange, inBucket int
		if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE email >= ? AND (? = '' OR email < ?)),
				COUNT(*) FILTER (WHERE email_bucket = ?) FROM users`, lo, hi, hi, b).Scan(&inRange, &inBucket); err != nil {
			t.Fatal(err)
		}
		if inRange != inBucket || inBucket == 0 {
			t.Errorf("%q: bucket %d holds %d users, its stretch [%q, %q) %d", e, b, inBucket, lo, hi, inRange)
		}
	}
}

// FuzzBucketRangeHoldsItsBucket checks bucketRange against emailBucket:
// an email is in its bucket's stretch of the email order, and an email of
// another bucket is not.
func FuzzBucketRangeHoldsItsBucket(f *testing.F) {
	for i, a := range bucketEmails {
		f.Add(a, bucketEmails[(i+3)%len(bucketEmails)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		// Emails are valid UTF-8 and hold no NUL (roster.NormalizeEmail).
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return
		}
		in := func(e string, bucket int64) bool {
			lo, hi := bucketRange(bucket)
			return e >= lo && (hi == "" || e < hi)
		}
		ba, bb := emailBucket(a), emailBucket(b)
		if !in(a, ba) {
			lo, hi := bucketRange(ba)
			t.Fatalf("%q is outside its bucket %d's stretch [%q, %q)", a, ba, lo, hi)
		}
		if ba != bb && in(b, ba) {
			lo, hi := bucketRange(ba)
			t.Fatalf("%q of bucket %d is inside bucket %d's stretch [%q, %q)", b, bb, ba, lo, hi)
		}
	})
}

// FuzzEmailBucketKeepsOrder checks the property searches rely on: an
// email that sorts before another is never in a later bucket.
func FuzzEmailBucketKeepsOrder(f *testing.F) {
	for i, a := range bucketEmails {
		f.Add(a, bucketEmails[(i+1)%len(bucketEmails)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return
		}
		if a > b {
			a, b = b, a
		}
		if ba, bb := emailBucket(a), emailBucket(b); ba > bb {
			t.Fatalf("%q sorts before %q but its bucket %d is after %d", a, b, ba, bb)
		}
		if bb := emailBucket(b); bb < 0 || bb >= 1<<21 {
			t.Fatalf("%q: bucket %d is outside 21 bits", b, bb)
		}
	})
}
