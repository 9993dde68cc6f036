package service

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"

	"roster/internal/mail"
	"roster/internal/phone"
	"roster/internal/roster"
)

// ---- Greetings ----

// SetGreeting stores an uploaded voicemail greeting for a user, judged by
// its content: a WAV or MP3 file of at most 5 MB, else Invalid. Users set
// their own; telephony.manage anyone's.
func (s *Service) SetGreeting(ctx context.Context, p *Principal, userID string, data []byte) (*roster.PhoneSettings, error) {
	if _, err := canWritePhone(p, userID); err != nil {
		return nil, err
	}
	if len(data) > roster.MaxGreetingBytes {
		return nil, fieldError(roster.KindInvalid, "audio", "must be at most 5 MB")
	}
	ct, err := phone.SniffAudio(data)
	if err != nil {
		return nil, fieldError(roster.KindInvalid, "audio", err.Error())
	}
	var out *roster.PhoneSettings
	err = s.store.Tx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		g := &roster.Greeting{UserID: u.ID, ContentType: ct, Data: data, UploadedAt: s.clock()}
		if err := tx.SaveGreeting(ctx, p.OrgID, g); err != nil {
			return err
		}
		if out, err = loadPhoneSettings(ctx, tx, p.OrgID, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "voicemail_greeting.uploaded", "user", u.ID, u.Email, nil,
			map[string]any{"content_type": ct, "bytes": len(data)})
	})
	return out, err
}

// Greeting returns a user's uploaded greeting; NotFound when they use the
// default greeting. Same access as PhoneSettings.
func (s *Service) Greeting(ctx context.Context, p *Principal, userID string) (*roster.Greeting, error) {
	if err := canReadPhone(p, userID); err != nil {
		return nil, err
	}
	g, err := s.store.Read().Greeting(ctx, p.OrgID, userID)
	if errors.Is(err, roster.ErrNotFound) {
		return nil, roster.Errorf(roster.KindNotFound, "no uploaded greeting: the default greeting plays")
	}
	return g, err
}

// DeleteGreeting goes back to the default greeting. Users reset their own;
// telephony.manage anyone's. A user without an uploaded greeting is
// NotFound.
func (s *Service) DeleteGreeting(ctx context.Context, p *Principal, userID string) error {
	if _, err := canWritePhone(p, userID); err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		if err := tx.DeleteGreeting(ctx, p.OrgID, u.ID); err != nil {
			if errors.Is(err, roster.ErrNotFound) {
				return roster.Errorf(roster.KindNotFound, "no uploaded greeting: the default greeting plays already")
			}
			return err
		}
		return s.audit(ctx, tx, p, "voicemail_greeting.reset", "user", u.ID, u.Email, nil, nil)
	})
}

// ---- Voicemail messages ----

// NewVoicemail is a message the telephony side reports.
type NewVoicemail struct {
	CallerNumber    string     `json:"caller_number"`
	CallerName      string     `json:"caller_name"`
	DurationSeconds int        `json:"duration_seconds"`
	AudioURL        string     `json:"audio_url"`
	Transcription   string     `json:"transcription"`
	ReceivedAt      *time.Time `json:"received_at"`
}

// validate checks a reported message and normalises its caller number.
func (in *NewVoicemail) validate() error {
	var v roster.Validation
	if strings.TrimSpace(in.CallerNumber) != "" {
		n, err := phone.ParseNumber(in.CallerNumber, "")
		v.Check("caller_number", err)
		in.CallerNumber = n
	}
	in.CallerName = strings.TrimSpace(in.CallerName)
	v.Check("caller_name", roster.ValidateName(in.CallerName))
	if in.DurationSeconds < 0 || in.DurationSeconds > 24*3600 {
		v.Add("duration_seconds", "must be between 0 and 86400")
	}
	if in.AudioURL != "" {
		u, err := url.Parse(in.AudioURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.AudioURL) > 2000 {
			v.Add("audio_url", "must be an http or https URL of at most 2000 characters")
		}
	}
	if utf8.RuneCountInString(in.Transcription) > 10000 || !plainText(in.Transcription) {
		v.Add("transcription", "must be at most 10000 characters of text")
	}
	return v.Err()
}

// AddVoicemail records a message left for a user and, when the user asked
// for voicemail-to-email, queues the notice in the same transaction. Needs
// telephony.manage (the telephony side's token). A user whose voicemail is
// off is a Conflict; bad fields Invalid.
func (s *Service) AddVoicemail(ctx context.Context, p *Principal, userID string, in NewVoicemail) (*roster.Voicemail, error) {
	if err := p.Require(roster.PermTelephonyManage); err != nil {
		return nil, err
	}
	if err := checkID(userID); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := s.clock()
	vm := &roster.Voicemail{ID: s.newID(), OrgID: p.OrgID, UserID: userID, CallerNumber: in.CallerNumber,
		CallerName: in.CallerName, DurationSeconds: in.DurationSeconds, AudioURL: in.AudioURL,
		Transcription: in.Transcription, ReceivedAt: now, CreatedAt: now}
	if in.ReceivedAt != nil {
		vm.ReceivedAt = in.ReceivedAt.UTC().Truncate(time.Microsecond)
	}
	err := s.store.Tx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		ps, err := loadPhoneSettings(ctx, tx, p.OrgID, u)
		if err != nil {
			return err
		}
		if !ps.Voicemail.Enabled {
			return roster.Errorf(roster.KindConflict, "%s has voicemail turned off", u.Email)
		}
		if err := tx.CreateVoicemail(ctx, p.OrgID, vm); err != nil {
			return err
		}
		if ps.Voicemail.EmailEnabled {
			to := ps.Voicemail.Email
			if to == "" {
				to = u.Email
			}
			org, err := tx.Org(ctx, p.OrgID)
			if err != nil {
				return err
			}
			audio := ""
			if ps.Voicemail.AttachAudio {
				audio = vm.AudioURL
			}
			m, err := mail.Voicemail(org.Name, u.Name(), vm.CallerNumber, vm.CallerName,
				time.Duration(vm.DurationSeconds)*time.Second, vm.ReceivedAt, vm.Transcription, audio)
			if err != nil {
				return err
			}
			if err := s.enqueue(ctx, tx, p.OrgID, to, m, audio); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, p, "voicemail.received", "user", u.ID, u.Email, nil,
			map[string]any{"voicemail_id": vm.ID, "caller_number": vm.CallerNumber, "duration_seconds": vm.DurationSeconds})
	})
	if err != nil {
		return nil, err
	}
	return vm, nil
}

// Voicemails returns a page of a user's messages, newest first. Users read
// their own; others need users.read or telephony.manage.
func (s *Service) Voicemails(ctx context.Context, p *Principal, userID, cursor string, limit int) (roster.Page[roster.Voicemail], error) {
	var page roster.Page[roster.Voicemail]
	if err := canReadPhone(p, userID); err != nil {
		return page, err
	}
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 500 {
		return page, fieldError(roster.KindInvalid, "limit", "must be between 1 and 500")
	}
	if cursor != "" && !roster.ValidID(cursor) {
		return page, fieldError(roster.KindInvalid, "cursor", "is not a cursor this server issued")
	}
	r := s.store.Read()
	if _, err := r.User(ctx, p.OrgID, userID); err != nil {
		return page, err
	}
	items, err := r.Voicemails(ctx, p.OrgID, userID, cursor, limit+1)
	if err != nil {
		return page, err
	}
	if len(items) > limit {
		items = items[:limit]
		page.NextCursor = items[limit-1].ID
	}
	page.Items = items
	return page, nil
}

// ---- App provisioning ----

// ProvisioningTTL is how long an app provisioning code stays valid.
const ProvisioningTTL = 15 * time.Minute

const prefixProvision = "rsp_"

// Provisioning is a freshly issued app provisioning code.
type Provisioning struct {
	App       string    `json:"app"`
	Link      string    `json:"link"`
	QRCodePNG []byte    `json:"qr_code_png,omitempty"` // mobile only; base64 in JSON
	ExpiresAt time.Time `json:"expires_at"`
}

// provisionLink is what the app opens: its own URL scheme, naming this
// server and carrying the token.
func (s *Service) provisionLink(app, token string) string {
	scheme := "roster"
	if app == roster.AppDesktop {
		scheme = "roster-desktop"
	}
	return scheme + "://provision?server=" + url.QueryEscape(strings.TrimRight(s.cfg.BaseURL, "/")) + "&token=" + token
}

// CreateProvisioning issues a single-use code that sets up the user's
// mobile app (as a QR code PNG) or desktop app (as a link), valid for 15
// minutes. Users provision their own apps; telephony.manage anyone's. A
// user who is not active is a Conflict.
func (s *Service) CreateProvisioning(ctx context.Context, p *Principal, userID, app string) (*Provisioning, error) {
	if _, err := canWritePhone(p, userID); err != nil {
		return nil, err
	}
	if app != roster.AppMobile && app != roster.AppDesktop {
		return nil, fieldError(roster.KindInvalid, "app", "must be mobile or desktop")
	}
	token, hash, err := s.newToken(prefixProvision)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	out := &Provisioning{App: app, Link: s.provisionLink(app, token), ExpiresAt: now.Add(ProvisioningTTL)}
	if app == roster.AppMobile {
		if out.QRCodePNG, err = qrcode.Encode(out.Link, qrcode.Medium, 256); err != nil {
			return nil, err
		}
	}
	err = s.store.Tx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, p.OrgID, userID)
		if err != nil {
			return err
		}
		if u.Status != roster.StatusActive {
			return roster.Errorf(roster.KindConflict, "%s is %s; only active users can set up an app", u.Email, u.Status)
		}
		t := &roster.ProvisioningToken{ID: s.newID(), OrgID: p.OrgID, UserID: u.ID, App: app, Hash: hash,
			CreatedAt: now, ExpiresAt: out.ExpiresAt}
		if err := tx.CreateProvisioningToken(ctx, p.OrgID, t); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "provisioning.issued", "user", u.ID, u.Email, nil,
			map[string]any{"app": app, "expires_at": out.ExpiresAt})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AppProfile is what a provisioned app learns about its user: no SIP
// credentials, only who they are and how they are reached.
type AppProfile struct {
	App          string   `json:"app"`
	OrgName      string   `json:"org_name"`
	UserID       string   `json:"user_id"`
	DisplayName  string   `json:"display_name"`
	Email        string   `json:"email"`
	Extension    string   `json:"extension"`
	CallerID     string   `json:"caller_id"`
	Numbers      []string `json:"numbers"`
	MobileNumber string   `json:"mobile_number"`
	Landline     string   `json:"landline_number"`
	LinkedMobile string   `json:"linked_mobile_number"`
	Language     string   `json:"language"`
	TimeZone     string   `json:"time_zone"`
}

// RedeemProvisioning trades a provisioning code for the user's app
// profile, once. An unknown code is Unauthenticated; a used or expired
// one, or one of a user no longer active, Gone.
func (s *Service) RedeemProvisioning(ctx context.Context, token, ip string) (*AppProfile, error) {
	token = strings.TrimSpace(token)
	if !strings.HasPrefix(token, prefixProvision) || len(token) > 100 {
		return nil, roster.Errorf(roster.KindUnauthenticated, "this provisioning code is not valid")
	}
	var out *AppProfile
	err := s.store.Tx(ctx, func(tx Tx) error {
		t, err := tx.ProvisioningTokenByHash(ctx, hashToken(token))
		if errors.Is(err, roster.ErrNotFound) {
			return roster.Errorf(roster.KindUnauthenticated, "this provisioning code is not valid")
		}
		if err != nil {
			return err
		}
		now := s.clock()
		switch {
		case t.UsedAt != nil:
			return roster.Errorf(roster.KindGone, "this provisioning code has already been used; create a new one")
		case !now.Before(t.ExpiresAt):
			return roster.Errorf(roster.KindGone, "this provisioning code expired; create a new one")
		}
		u, err := tx.User(ctx, t.OrgID, t.UserID)
		if err != nil {
			return err
		}
		if u.Status != roster.StatusActive {
			return roster.Errorf(roster.KindGone, "this account is no longer active")
		}
		if err := tx.UseProvisioningToken(ctx, t.OrgID, t.ID, now); err != nil {
			return err
		}
		ps, err := loadPhoneSettings(ctx, tx, t.OrgID, u)
		if err != nil {
			return err
		}
		org, err := tx.Org(ctx, t.OrgID)
		if err != nil {
			return err
		}
		numbers := []string{}
		for _, n := range append([]string{ps.MobileNumber, ps.LandlineNumber}, ps.DisplayNumbers...) {
			if n != "" {
				numbers = append(numbers, n)
			}
		}
		out = &AppProfile{App: t.App, OrgName: org.Name, UserID: u.ID, DisplayName: u.Name(), Email: u.Email,
			Extension: u.Extension, CallerID: ps.EffectiveCallerID, Numbers: numbers, MobileNumber: ps.MobileNumber,
			Landline: ps.LandlineNumber, LinkedMobile: ps.LinkedMobileNumber, Language: ps.Language, TimeZone: ps.TimeZone}
		actor := &Principal{OrgID: t.OrgID, UserID: u.ID, Email: u.Email, IP: ip}
		return s.audit(ctx, tx, actor, "provisioning.redeemed", "user", u.ID, u.Email, nil, map[string]any{"app": t.App})
	})
	return out, err
}
