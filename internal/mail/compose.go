// Package mail composes Roster's emails and delivers them over SMTP. Emails
// are composed inside the transaction that causes them and stored in the
// outbox; a worker (package jobs) hands them to a Sender later.
package mail

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"
)

//go:embed templates
var templatesFS embed.FS

var (
	textTmpl = texttemplate.Must(texttemplate.ParseFS(templatesFS, "templates/*.txt"))
	htmlTmpl = htmltemplate.Must(htmltemplate.ParseFS(templatesFS, "templates/*.html"))
)

// Message is a composed email, ready for the outbox.
type Message struct {
	Subject, Text, HTML string
}

func render(name string, data any) (text, html string, err error) {
	var t, h bytes.Buffer
	if err := textTmpl.ExecuteTemplate(&t, name+".txt", data); err != nil {
		return "", "", err
	}
	if err := htmlTmpl.ExecuteTemplate(&h, name+".html", data); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

// dateFormat is how expiry times appear in emails: unambiguous in any locale.
const dateFormat = "2 January 2006 15:04 MST"

// Invitation composes an invitation email.
func Invitation(orgName, inviterName, integration, link string, expires time.Time) (Message, error) {
	text, html, err := render("invitation", map[string]any{
		"OrgName": orgName, "InviterName": inviterName, "Integration": integration, "Link": link,
		"Expires": expires.UTC().Format(dateFormat),
	})
	return Message{Subject: "You are invited to join " + orgName + " on Roster", Text: text, HTML: html}, err
}

// PasswordReset composes a password-reset email.
func PasswordReset(orgName, name, link string, expires time.Time, byAdmin bool) (Message, error) {
	text, html, err := render("reset", map[string]any{
		"OrgName": orgName, "Name": name, "Link": link, "Expires": expires.UTC().Format(dateFormat), "ByAdmin": byAdmin,
	})
	return Message{Subject: "Reset your Roster password for " + orgName, Text: text, HTML: html}, err
}
