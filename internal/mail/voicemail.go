package mail

import (
	"fmt"
	"time"
)

// Voicemail composes the voicemail-to-email notice of a new message.
// audioURL is left out unless the user asked for the audio.
func Voicemail(orgName, name, from, callerName string, duration time.Duration, received time.Time, transcription, audioURL string) (Message, error) {
	who := from
	if callerName != "" && from != "" {
		who = callerName + " (" + from + ")"
	} else if callerName != "" {
		who = callerName
	}
	text, html, err := render("voicemail", map[string]any{
		"OrgName": orgName, "Name": name, "From": who, "Duration": fmt.Sprintf("%d:%02d", int(duration.Minutes()), int(duration.Seconds())%60),
		"Received": received.UTC().Format(dateFormat), "Transcription": transcription, "AudioURL": audioURL,
	})
	subject := "New voicemail"
	if who != "" {
		subject += " from " + who
	}
	return Message{Subject: subject, Text: text, HTML: html}, err
}
