package storetest_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

// BenchmarkDirectory100k searches the dial-by-name directory of an org of
// 100,000 users (9,000 of them with extensions, the most an org can have).
// ROSTER_BENCH_USERS overrides the size.
func BenchmarkDirectory100k(b *testing.B) {
	size := 100_000
	if s := os.Getenv("ROSTER_BENCH_USERS"); s != "" {
		size, _ = strconv.Atoi(s)
	}
	lastNames := []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright"}
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			db := testdb.Open(b, d)
			ctx := context.Background()
			o := mkOrg(b, db)
			role := mkRole(b, db, o.ID, "agent")
			ts := now()
			must(b, db.Tx(ctx, func(c *store.Conn) error {
				for i := range size {
					u := &roster.User{ID: newID(), Email: fmt.Sprintf("u%d@example.com", i), FirstName: fmt.Sprintf("First%d", i),
						LastName: fmt.Sprintf("%s%d", lastNames[i%len(lastNames)], i), Status: roster.StatusActive,
						RoleID: role.ID, CreatedAt: ts, UpdatedAt: ts}
					if i < 9000 {
						u.Extension = strconv.Itoa(1000 + i)
					}
					if err := c.CreateUser(ctx, o.ID, u); err != nil {
						return err
					}
				}
				return nil
			}))
			if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				es, err := db.Reader().Directory(ctx, o.ID, roster.DirectoryMatchLast, "smith1", 50)
				if err != nil || len(es) == 0 {
					b.Fatalf("%d entries, %v", len(es), err)
				}
			}
		})
	}
}
