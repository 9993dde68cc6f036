package service

import (
	"testing"
	"time"

	"roster/internal/roster"
)

// FuzzStatsRange: any from/to query either is refused with field errors or
// resolves to two valid dates, in order, at most 366 days apart.
func FuzzStatsRange(f *testing.F) {
	f.Add("", "")
	f.Add("2026-01-01", "2026-01-31")
	f.Add("2026-02-30", "x")
	f.Add("2020-01-01", "2026-01-01")
	f.Add("2026-03-02", "2026-03-01")
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, from, to string) {
		r, err := StatsRange{From: from, To: to}.resolve(now)
		if err != nil {
			if e, ok := err.(*roster.Error); !ok || e.Kind != roster.KindInvalid || len(e.Fields) == 0 {
				t.Fatalf("error %v", err)
			}
			return
		}
		a, err1 := time.Parse(time.DateOnly, r.From)
		b, err2 := time.Parse(time.DateOnly, r.To)
		if err1 != nil || err2 != nil || a.After(b) || b.Sub(a) > 366*24*time.Hour {
			t.Fatalf("resolved %+v from %q %q", r, from, to)
		}
	})
}
