package storetest_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"roster/internal/roster"
	"roster/internal/store"
	"roster/internal/testdb"
)

func jsonValue(t testing.TB, v any) any {
	t.Helper()
	raw, ok := v.(json.RawMessage)
	if !ok {
		t.Fatalf("audit before/after is %T, want json.RawMessage", v)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("stored JSON %q: %v", raw, err)
	}
	return out
}

func TestAuditEvents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := db.Reader()
		o, other := mkOrg(t, db), mkOrg(t, db)
		alice, bob, target := newID(), newID(), newID()
		base := now().Add(-time.Hour)

		// IDs are time-ordered, so inserting in this order makes e[8] newest.
		specs := []struct{ actor, action, target string }{
			{alice, "user.invited", target},
			{alice, "user.updated", target},
			{bob, "role.created", newID()},
			{bob, "users.exported", newID()}, // looks like user.* but is not
			{alice, "user.deleted", target},
			{bob, "userx.created", newID()}, // the "." of the prefix is literal
			{alice, "api_token.created", newID()},
			{bob, "apiXtoken.created", newID()}, // "_" of a prefix is literal
			{bob, "user.updated", newID()},
		}
		var events []roster.AuditEvent
		for i, s := range specs {
			e := roster.AuditEvent{ID: newID(), ActorID: s.actor, ActorLabel: "label " + s.actor[:8], Action: s.action,
				TargetType: "user", TargetID: s.target, TargetLabel: "t@example.com", IP: "192.0.2.7",
				CreatedAt: base.Add(time.Duration(i) * time.Minute)}
			if i == 1 {
				e.Before = map[string]any{"status": "invited", "role": "agent", "seats": 1}
				e.After = map[string]any{"status": "active", "role": "agent", "tags": []string{"a", "b"}, "nested": map[string]any{"x": nil}}
			}
			must(t, r.InsertAudit(ctx, o.ID, &e))
			events = append(events, e)
		}
		// Noise in another org, with the same actor and target.
		must(t, r.InsertAudit(ctx, other.ID, &roster.AuditEvent{ID: newID(), ActorID: alice, Action: "user.updated",
			TargetID: target, CreatedAt: base.Add(30 * time.Minute)}))
		dup := events[0]
		wantKind(t, r.InsertAudit(ctx, o.ID, &dup), roster.KindConflict)

		list := func(f roster.AuditFilter) []roster.AuditEvent {
			t.Helper()
			p, err := r.AuditEvents(ctx, o.ID, f)
			must(t, err)
			return p.Items
		}
		idx := func(es []roster.AuditEvent) []int {
			var out []int
			for _, e := range es {
				i := slices.IndexFunc(events, func(x roster.AuditEvent) bool { return x.ID == e.ID })
				if i < 0 {
					t.Fatalf("unknown event %s (%s) listed", e.ID, e.Action)
				}
				out = append(out, i)
			}
			return out
		}

		all := list(roster.AuditFilter{})
		if got := idx(all); !slices.Equal(got, []int{8, 7, 6, 5, 4, 3, 2, 1, 0}) {
			t.Fatalf("all events = %v, want newest first", got)
		}
		got := all[7] // events[1]
		want := events[1]
		if got.ID != want.ID || got.OrgID != o.ID || got.ActorID != want.ActorID || got.ActorLabel != want.ActorLabel ||
			got.Action != want.Action || got.TargetType != want.TargetType || got.TargetID != want.TargetID ||
			got.TargetLabel != want.TargetLabel || got.IP != want.IP || !got.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("event =\n %+v\nwant\n %+v", got, want)
		}
		wantBefore := map[string]any{"status": "invited", "role": "agent", "seats": float64(1)}
		wantAfter := map[string]any{"status": "active", "role": "agent", "tags": []any{"a", "b"}, "nested": map[string]any{"x": nil}}
		if b := jsonValue(t, got.Before); !reflect.DeepEqual(b, wantBefore) {
			t.Fatalf("before = %#v, want %#v", b, wantBefore)
		}
		if a := jsonValue(t, got.After); !reflect.DeepEqual(a, wantAfter) {
			t.Fatalf("after = %#v, want %#v", a, wantAfter)
		}
		if b := jsonValue(t, all[8].Before); b != nil {
			t.Fatalf("nil before came back as %#v", b)
		}

		for _, c := range []struct {
			name string
			f    roster.AuditFilter
			want []int
		}{
			{"actor", roster.AuditFilter{ActorID: alice}, []int{6, 4, 1, 0}},
			{"target", roster.AuditFilter{TargetID: target}, []int{4, 1, 0}},
			{"action exact", roster.AuditFilter{Action: "user.updated"}, []int{8, 1}},
			{"action prefix", roster.AuditFilter{Action: "user.*"}, []int{8, 4, 1, 0}},
			{"action prefix with _", roster.AuditFilter{Action: "api_token.*"}, []int{6}},
			{"action without wildcard is exact", roster.AuditFilter{Action: "user"}, nil},
			{"since inclusive", roster.AuditFilter{Since: events[6].CreatedAt}, []int{8, 7, 6}},
			{"until exclusive", roster.AuditFilter{Until: events[2].CreatedAt}, []int{1, 0}},
			{"window", roster.AuditFilter{Since: events[2].CreatedAt, Until: events[5].CreatedAt}, []int{4, 3, 2}},
			{"combined", roster.AuditFilter{ActorID: alice, Action: "user.*", Since: events[1].CreatedAt}, []int{4, 1}},
			{"unknown actor", roster.AuditFilter{ActorID: newID()}, nil},
		} {
			if got := idx(list(c.f)); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}

		// Cursor pagination, alone and with a filter.
		for _, c := range []struct {
			f    roster.AuditFilter
			want []int
		}{
			{roster.AuditFilter{Limit: 2}, []int{8, 7, 6, 5, 4, 3, 2, 1, 0}},
			{roster.AuditFilter{Limit: 4}, []int{8, 7, 6, 5, 4, 3, 2, 1, 0}},
			{roster.AuditFilter{Limit: 9}, []int{8, 7, 6, 5, 4, 3, 2, 1, 0}},
			{roster.AuditFilter{Limit: 1, Action: "user.*"}, []int{8, 4, 1, 0}},
		} {
			f := c.f
			var seen []roster.AuditEvent
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatal("audit pagination does not end")
				}
				p, err := r.AuditEvents(ctx, o.ID, f)
				must(t, err)
				seen = append(seen, p.Items...)
				if p.NextCursor == "" {
					break
				}
				if len(p.Items) != f.Limit {
					t.Fatalf("short page (%d of %d) with a cursor", len(p.Items), f.Limit)
				}
				f.Cursor = p.NextCursor
			}
			if got := idx(seen); !slices.Equal(got, c.want) {
				t.Errorf("paged %+v: got %v, want %v", c.f, got, c.want)
			}
		}
	})
}
