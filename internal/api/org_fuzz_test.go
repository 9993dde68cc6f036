package api

import (
	"encoding/json"
	"testing"
	"time"

	"roster/internal/roster"
)

// FuzzParseCallEvents feeds arbitrary bodies through the call-event decoding
// and checks: no panic; an accepted time is UTC and came from RFC 3339 text;
// a refused batch names only events[i].started_at fields.
func FuzzParseCallEvents(f *testing.F) {
	f.Add(`{"events":[{"id":"e1","user_id":"u","direction":"inbound","answered":true,"started_at":"2026-01-31T09:30:00+02:00","duration_seconds":5}]}`)
	f.Add(`{"events":[{"id":"e1","started_at":"yesterday"},{"id":"e2","started_at":""}]}`)
	f.Add(`{"events":[{"started_at":"2026-02-30T00:00:00Z"}]}`)
	f.Add(`{"events":null}`)
	f.Fuzz(func(t *testing.T, body string) {
		var req struct {
			Events []callEventJSON `json:"events"`
		}
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		events, err := parseCallEvents(req.Events)
		if err != nil {
			e, ok := err.(*roster.Error)
			if !ok || e.Kind != roster.KindInvalid || len(e.Fields) == 0 {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(events) != len(req.Events) {
			t.Fatalf("%d events from %d", len(events), len(req.Events))
		}
		for i, ev := range events {
			if req.Events[i].StartedAt == "" {
				if !ev.StartedAt.IsZero() {
					t.Fatalf("event %d got a time from nothing", i)
				}
				continue
			}
			if ev.StartedAt.Location() != time.UTC {
				t.Fatalf("event %d time not UTC", i)
			}
			if _, err := time.Parse(time.RFC3339, req.Events[i].StartedAt); err != nil {
				t.Fatalf("event %d accepted %q", i, req.Events[i].StartedAt)
			}
		}
	})
}
