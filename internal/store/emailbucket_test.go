package store

import (
	"fmt"
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
