package smtptest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"roster/internal/smtptest"
)

// raw is a message as other mailers write it: base64 parts nested in
// multipart/mixed, which go-mail never produces but a parser must handle.
const raw = "From: a@acme.test\r\nTo: b@acme.test\r\nSubject: =?UTF-8?B?SMOpbGxv?=\r\n" +
	"X-Roster-Email-ID: em_9\r\nMIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
	"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
	"--inner\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"SMOpbGxvLCB3b3Js\r\nZA==\r\n" +
	"--inner\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>Hi</p>\r\n" +
	"--inner--\r\n--outer--\r\n"

func TestServerRecordsAndDecodes(t *testing.T) {
	srv := smtptest.Start(t)
	if err := smtp.SendMail(srv.Addr(), nil, "a@acme.test", []string{"b@acme.test", "c@acme.test"}, []byte(raw)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	m := srv.WaitFor(t, 1, 5*time.Second)[0]
	if m.From != "a@acme.test" || strings.Join(m.To, ",") != "b@acme.test,c@acme.test" {
		t.Errorf("envelope %q -> %q", m.From, m.To)
	}
	if m.Subject != "Héllo" || m.Text != "Héllo, world" || m.HTML != "<p>Hi</p>" || m.EmailID != "em_9" {
		t.Errorf("decoded subject %q text %q html %q id %q", m.Subject, m.Text, m.HTML, m.EmailID)
	}
	if string(m.Raw) != raw {
		t.Errorf("raw data changed in transit:\n%q", m.Raw)
	}
}

func TestServerFailsWhileFailing(t *testing.T) {
	srv := smtptest.Start(t)
	srv.SetFailing(true)
	err := smtp.SendMail(srv.Addr(), nil, "a@acme.test", []string{"b@acme.test"}, []byte(raw))
	if err == nil || !strings.HasPrefix(err.Error(), "451") {
		t.Errorf("SendMail during an outage = %v, want a 451", err)
	}
	srv.SetFailing(false)
	if err := smtp.SendMail(srv.Addr(), nil, "a@acme.test", []string{"b@acme.test"}, []byte(raw)); err != nil {
		t.Fatalf("SendMail after the outage: %v", err)
	}
	if got := srv.WaitFor(t, 1, 5*time.Second); len(got) != 1 || len(srv.Messages()) != 1 {
		t.Errorf("%d messages, want only the one sent after the outage", len(srv.Messages()))
	}
}
