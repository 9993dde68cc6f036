package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
)

// TestLicensePoolCannotDropBelowUsed checks the operator's side of the seat
// invariant: a pool is never lowered under the seats in use, not even while
// admins invite into it at the same moment.
func TestLicensePoolCannotDropBelowUsed(t *testing.T) {
	apitest.Each(t, func(t *testing.T, e *apitest.Env) {
		ctx := context.Background()
		org := e.CreateOrg("acme", roster.PlanProfessional, map[string]int{"voice": 5})
		invite(e, org.AdminToken, "voice", true, "a@acme.test", "b@acme.test", "c@acme.test").Want(http.StatusCreated)

		_, err := e.Service.SetLicensePool(ctx, org.ID, "voice", "Voice", 2)
		var re *roster.Error
		if !errors.As(err, &re) || re.Kind != roster.KindConflict || re.Extra["used"] != 3 {
			t.Fatalf("lowering 5 → 2 with 3 used: %v, want a Conflict naming used=3", err)
		}
		if p := licensePool(t, e, org.AdminToken, "voice"); p["purchased"] != 5.0 || p["used"] != 3.0 {
			t.Fatalf("a refused change altered the pool: %v", p)
		}
		if _, err := e.Service.SetLicensePool(ctx, org.ID, "voice", "Voice", 3); err != nil {
			t.Fatalf("lowering to exactly the seats used: %v", err)
		}
		if got := dbInt(t, e, `SELECT COUNT(*) FROM audit_events WHERE action = 'license.set'`); got != 2 {
			t.Fatalf("%d license.set audit events, want 2 (creation and the one change)", got)
		}

		// Race: the operator lowers the pool to the seats used while admins
		// invite; whichever wins, used never exceeds purchased.
		for round := 0; round < 5; round++ {
			if _, err := e.Service.SetLicensePool(ctx, org.ID, "voice", "Voice", 10); err != nil {
				t.Fatal(err)
			}
			used := int(licensePool(t, e, org.AdminToken, "voice")["used"].(float64))
			var wg sync.WaitGroup
			for i := 0; i < 4; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					fire(e, "POST", "/api/v1/invitations", org.AdminToken, map[string]any{
						"emails": []string{fmt.Sprintf("r%d-%d@acme.test", round, i)}, "role": "agent", "license_type": "voice", "send": true})
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = e.Service.SetLicensePool(ctx, org.ID, "voice", "Voice", used)
			}()
			wg.Wait()
			p := licensePool(t, e, org.AdminToken, "voice")
			if p["used"].(float64) > p["purchased"].(float64) || p["available"].(float64) < 0 {
				t.Fatalf("round %d: pool oversold: %v", round, p)
			}
		}
	})
}
