package service

import (
	"errors"
	"testing"

	"roster/internal/roster"
)

// FuzzImportPhoneAndTeamCells: any cell of the teams, queues and phone
// columns is read without panicking, a queue entry it accepts names a
// queue with a penalty the API allows, and the settings it makes are
// either accepted by the API's own checks or refused as Invalid with a
// field the import can name by its column.
func FuzzImportPhoneAndTeamCells(f *testing.F) {
	for _, s := range []struct{ col, v string }{{"teams", "Sales; East;;"}, {"outbound_caller_id", "+14155550100"},
		{"mobile_number", "12"}, {"landline_number", "+44 20 7183 8750"}, {"language", "de"}, {"timezone", "Mars/Olympus"},
		{"voicemail_enabled", "maybe"}, {"rings_before_voicemail", "-1"}, {"rings_before_voicemail", "99999999999999999999"},
		{"dnd", "YES"}, {"language", "\xff"}, {"queues", "Support:2; Tier: 2:100;;"}, {"queue", "a:-1"}, {"queues", ":"},
		{"queues", "x:99999999999999999999"}} {
		f.Add(s.col, s.v)
	}
	f.Fuzz(func(t *testing.T, col, v string) {
		c := columnByHeader(col)
		if c == nil || c.Parse == nil {
			return
		}
		r := &ImportRow{Line: 2}
		if err := c.Parse(r, v); err != nil {
			return
		}
		queues, _ := r.Extra[extraQueues].([]queueCell)
		for _, q := range queues {
			if q.Name == "" || q.Penalty < 0 || q.Penalty > roster.MaxPenalty {
				t.Fatalf("%s=%q: accepted queue entry %+v", col, v, q)
			}
		}
		patch, ok := r.Extra[extraPhone].(*PhoneSettingsPatch)
		if !ok {
			return
		}
		_, err := applyPhonePatch(roster.DefaultPhoneSettings("o", "u", ""), *patch, true)
		var re *roster.Error
		if err != nil && (!errors.As(err, &re) || re.Kind != roster.KindInvalid || len(re.Fields) == 0) {
			t.Fatalf("%s=%q: %v", col, v, err)
		}
		if re != nil {
			for _, fe := range re.Fields {
				if phoneFieldColumn[fe.Field] == "" {
					t.Fatalf("%s=%q: field %q has no column", col, v, fe.Field)
				}
			}
		}
	})
}
