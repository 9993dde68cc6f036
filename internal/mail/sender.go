package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"roster/internal/roster"
)

// Sender hands one outbox email to a mail server.
type Sender interface {
	Send(ctx context.Context, e roster.Email) error
}

// Kept stands for "no SMTP server configured". The outbox worker treats it
// like a nil Sender: it marks emails roster.EmailKept and logs them instead
// of sending, so that a first run works with nothing installed and an
// operator can still read the links. Its Send does nothing.
var Kept Sender = kept{}

type kept struct{}

func (kept) Send(context.Context, roster.Email) error { return nil }

// HeaderEmailID names the header that carries the outbox ID of an email, so
// that a delivered message can be traced back to its row.
const HeaderEmailID = "X-Roster-Email-ID"

// Default ports of the two URL schemes: submission with STARTTLS and
// submission over implicit TLS (RFC 8314).
const (
	defaultSMTPPort  = 587
	defaultSMTPSPort = 465
)

// commandTimeout bounds each step of an SMTP conversation when the caller's
// context has no earlier deadline, so that a server that stops answering
// cannot hold the worker forever.
const commandTimeout = 30 * time.Second

// preferredAuth lists the mechanisms tried, best first, when the URL has
// credentials. Challenge-response mechanisms come first because they never
// reveal the password; go-mail's PLAIN and LOGIN refuse to send it over a
// connection that is neither TLS nor to localhost.
var preferredAuth = []gomail.SMTPAuthType{
	gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
	gomail.SMTPAuthPlain, gomail.SMTPAuthLogin,
}

// SMTPSender delivers emails to one SMTP server. It is safe for concurrent
// use: each Send opens its own connection, because go-mail clients keep
// per-connection state.
type SMTPSender struct {
	host      string
	port      int
	implicit  bool // smtps: TLS from the first byte
	user      string
	pass      string
	from      string
	msgDomain string // right-hand side of Message-IDs
}

// NewSMTPSender parses smtpURL and from. smtp://[user:pass@]host[:port]
// upgrades with STARTTLS when the server offers it and sends in the clear
// otherwise; smtps://… uses implicit TLS. Ports default to 587 and 465.
// Without credentials no authentication is attempted. Errors never repeat
// the URL, which may hold a password.
func NewSMTPSender(smtpURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("SMTP URL: %w", err)
	}
	s := &SMTPSender{host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.port = defaultSMTPPort
	case "smtps":
		s.port, s.implicit = defaultSMTPSPort, true
	default:
		return nil, fmt.Errorf("SMTP URL: scheme %q is not smtp or smtps", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("SMTP URL: no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("SMTP URL: port %q is not between 1 and 65535", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail from %q: %w", from, err)
	}
	s.from = addr.String()
	s.msgDomain = addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
	return s, nil
}

// Addr is the server's host:port, for logs.
func (s *SMTPSender) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Send delivers e as a multipart text and HTML message. Cancelling ctx
// aborts the conversation by closing the connection.
func (s *SMTPSender) Send(ctx context.Context, e roster.Email) error {
	m, err := s.message(e)
	if err != nil {
		return fmt.Errorf("compose email %s: %w", e.ID, err)
	}
	// go-mail only honours the context while dialling; closing the
	// connection when ctx ends is what bounds the rest of the conversation.
	var stops []func() bool
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var conn net.Conn
		var err error
		if s.implicit {
			td := &tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}}
			conn, err = td.DialContext(dctx, network, addr)
		} else {
			conn, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		stops = append(stops, context.AfterFunc(ctx, func() { conn.Close() }))
		return conn, nil
	}
	timeout := commandTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left > 0 && left < timeout {
			timeout = left
		}
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port), gomail.WithTimeout(timeout), gomail.WithDialContextFunc(dial),
	}
	if s.implicit {
		// With a custom dialler go-mail leaves the TLS handshake to it;
		// WithSSL only stops it from also trying STARTTLS.
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.pass),
			gomail.WithOpportunisticSMTPAuth(preferredAuth...))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("SMTP client for %s: %w", s.Addr(), err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		if cause := context.Cause(ctx); cause != nil {
			return fmt.Errorf("send email %s via %s: %w (%w)", e.ID, s.Addr(), err, cause)
		}
		return fmt.Errorf("send email %s via %s: %w", e.ID, s.Addr(), err)
	}
	return nil
}

func (s *SMTPSender) message(e roster.Email) (*gomail.Msg, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := m.From(s.from); err != nil {
		return nil, err
	}
	if err := m.To(e.To); err != nil {
		return nil, err
	}
	m.Subject(e.Subject)
	m.SetDate()
	// The Message-ID derives from the outbox ID so that a retry after a
	// crash between the server's acceptance and the outbox update carries
	// the same ID, and receiving systems can recognise the duplicate.
	m.SetMessageIDWithValue(e.ID + "@" + s.msgDomain)
	m.SetGenHeader(HeaderEmailID, e.ID)
	m.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	return m, nil
}
