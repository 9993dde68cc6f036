package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster/internal/mail"
	"roster/internal/roster"
	"roster/internal/smtptest"
)

func TestNewSMTPSenderRejectsBadURLs(t *testing.T) {
	for _, tc := range []struct{ url, from, want string }{
		{"http://mail.example.com", "roster@acme.test", `scheme "http" is not smtp or smtps`},
		{"mail.example.com:587", "roster@acme.test", "is not smtp or smtps"},
		{"smtp://", "roster@acme.test", "no host"},
		{"smtp://:587", "roster@acme.test", "no host"},
		{"smtps://user:pw@/", "roster@acme.test", "no host"},
		{"smtp://mail.example.com:0", "roster@acme.test", "not between 1 and 65535"},
		{"smtp://mail.example.com:70000", "roster@acme.test", "not between 1 and 65535"},
		{"smtp://user:s3cret@mail example.com", "roster@acme.test", "SMTP URL"},
		{"smtp://mail.example.com", "not an address", "mail from"},
	} {
		s, err := mail.NewSMTPSender(tc.url, tc.from)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSMTPSender(%q, %q) = %v, %v; want error containing %q", tc.url, tc.from, s, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error for %q reveals the password: %v", tc.url, err)
		}
	}
}

func TestNewSMTPSenderDefaultPorts(t *testing.T) {
	for url, want := range map[string]string{
		"smtp://mail.example.com":             "mail.example.com:587",
		"smtps://mail.example.com":            "mail.example.com:465",
		"smtp://u:p@mail.example.com:2525":    "mail.example.com:2525",
		"smtps://u@[2001:db8::1]":             "[2001:db8::1]:465",
		"smtp://apikey:x%2Fy@smtp.example.io": "smtp.example.io:587",
	} {
		s, err := mail.NewSMTPSender(url, "Roster <roster@acme.test>")
		if err != nil {
			t.Errorf("NewSMTPSender(%q): %v", url, err)
			continue
		}
		if s.Addr() != want {
			t.Errorf("NewSMTPSender(%q).Addr() = %q, want %q", url, s.Addr(), want)
		}
	}
}

func testEmail() roster.Email {
	return roster.Email{
		ID: "em_01", To: "jane@acme.test", Subject: "Join Acme — on Roster",
		// A long line and non-ASCII text exercise quoted-printable encoding.
		Text: "Hello Jäne,\n\nAccept: http://roster.test/invite/accept?token=" + strings.Repeat("x", 120) + "\n",
		HTML: `<p>Hello Jäne, <a href="http://roster.test/invite/accept?token=abc">accept</a></p>`,
	}
}

// crlf normalises line endings the way SMTP transports them.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func TestSMTPSenderDeliversMultipartMessage(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), "Roster <roster@acme.test>")
	if err != nil {
		t.Fatal(err)
	}
	e := testEmail()
	if err := s.Send(context.Background(), e); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := srv.WaitFor(t, 1, 5*time.Second)[0]
	if m.From != "roster@acme.test" || len(m.To) != 1 || m.To[0] != e.To {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	if got := m.Header.Get("From"); got != `"Roster" <roster@acme.test>` && got != "Roster <roster@acme.test>" {
		t.Errorf("From header %q", got)
	}
	if m.Subject != e.Subject {
		t.Errorf("subject %q, want %q", m.Subject, e.Subject)
	}
	if crlf(m.Text) != crlf(e.Text) {
		t.Errorf("text %q, want %q", m.Text, e.Text)
	}
	if crlf(m.HTML) != crlf(e.HTML) {
		t.Errorf("html %q, want %q", m.HTML, e.HTML)
	}
	if m.EmailID != e.ID {
		t.Errorf("%s %q, want %q", mail.HeaderEmailID, m.EmailID, e.ID)
	}
	if got := m.Header.Get("Message-Id"); got != "<em_01@acme.test>" {
		t.Errorf("Message-ID %q", got)
	}
	if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type %q, want multipart/alternative", ct)
	}
	if m.AuthUser != "" {
		t.Errorf("authenticated as %q without credentials in the URL", m.AuthUser)
	}
}

func TestSMTPSenderTextOnly(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), "roster@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	e := testEmail()
	e.HTML = ""
	if err := s.Send(context.Background(), e); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := srv.WaitFor(t, 1, 5*time.Second)[0]
	if crlf(m.Text) != crlf(e.Text) || m.HTML != "" {
		t.Errorf("text %q html %q", m.Text, m.HTML)
	}
}

func TestSMTPSenderAuthenticatesWithURLCredentials(t *testing.T) {
	srv := smtptest.Start(t)
	url := strings.Replace(srv.URL(), "smtp://", "smtp://api%40acme:p%40ss%2Fword@", 1)
	s, err := mail.NewSMTPSender(url, "roster@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), testEmail()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := srv.WaitFor(t, 1, 5*time.Second)[0]
	if m.AuthUser != "api@acme" || m.AuthPassword != "p@ss/word" {
		t.Errorf("authenticated as %q / %q, want the URL-decoded credentials", m.AuthUser, m.AuthPassword)
	}
}

func TestSMTPSenderReturnsServerAndConnectionErrors(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), "roster@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFailing(true)
	err = s.Send(context.Background(), testEmail())
	if err == nil || !strings.Contains(err.Error(), "451") || !strings.Contains(err.Error(), "em_01") {
		t.Errorf("Send during an outage = %v, want the server's 451 and the email ID", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted during the outage", n)
	}

	srv.Close()
	if err := s.Send(context.Background(), testEmail()); err == nil {
		t.Error("Send to a closed server succeeded")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, testEmail()); err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Errorf("Send with a cancelled context = %v, want context canceled", err)
	}
}

func TestSMTPSenderRejectsBadRecipient(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTPSender(srv.URL(), "roster@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	e := testEmail()
	e.To = "not an address"
	if err := s.Send(context.Background(), e); err == nil {
		t.Error("Send to an invalid address succeeded")
	}
}

func TestKeptSendsNothing(t *testing.T) {
	if err := mail.Kept.Send(context.Background(), testEmail()); err != nil {
		t.Errorf("Kept.Send = %v", err)
	}
}
