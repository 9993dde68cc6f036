package storetest_test

import (
	"testing"

	"roster/internal/store"
	"roster/internal/testdb"
)

// TestAnalyzeUsersMergesTheSearchIndex: users added one transaction at a
// time leave SQLite's trigram index in many segments, each of which every
// search reads; the refresh after bulk work merges them into one, and
// searches find the same users after.
func TestAnalyzeUsersMergesTheSearchIndex(t *testing.T) {
	ctx := t.Context()
	db := testdb.Open(t, "sqlite")
	orgID := testdb.OneAtATime(t, db, 30)
	segments := func() int { return testdb.SearchIndexSegments(t, db) }
	matches := func() int { return testdb.Matches(t, db, orgID, "tinez1") }
	if n := segments(); n < 2 {
		t.Fatalf("%d segments before the refresh; the test needs several", n)
	}
	if n := matches(); n != 10 {
		t.Fatalf("before the refresh: %d matches, want 10", n)
	}
	must(t, db.TxAlone(ctx, func(c *store.Conn) error { return c.AnalyzeUsers(ctx) }))
	if n := segments(); n != 1 {
		t.Errorf("%d segments after the refresh, want 1", n)
	}
	if n := matches(); n != 10 {
		t.Errorf("after the refresh: %d matches, want 10", n)
	}
}
