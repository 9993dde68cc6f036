package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"roster/internal/apitest"
	"roster/internal/roster"
	"roster/internal/testdb"
)

// BenchmarkPhoneSettingsPatch measures a full PATCH of a user's phone
// settings over loopback HTTP: validation, org lock, extension check,
// upsert and audit event in one transaction.
func BenchmarkPhoneSettingsPatch(b *testing.B) {
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			e := apitest.New(b, testdb.Open(b, d))
			org := e.CreateOrg("acme", roster.PlanProfessional, nil)
			id, _ := e.ActiveUser(org, "jane@acme.test", "agent", "")
			e.Do("POST", "/api/v1/phone-numbers", org.AdminToken, map[string]any{"number": "+14155550100"}).Want(http.StatusCreated)
			path := "/api/v1/users/" + id + "/phone-settings"
			i := 0
			for b.Loop() {
				i++
				e.Do("PATCH", path, org.AdminToken, map[string]any{
					"extension": strconv.Itoa(1000 + i%8000), "caller_id": "+14155550100", "mobile_number": "+447911123456",
					"voicemail": map[string]any{"rings": 2 + i%9}, "forwarding": map[string]any{"destinations": []string{"+14155550199"}},
					"time_zone": "Europe/Paris", "language": "fr",
				}).Want(http.StatusOK)
			}
		})
	}
}
