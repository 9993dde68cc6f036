// Package smtptest runs a real SMTP server on loopback for tests, so that
// mail delivery is exercised over the wire rather than through a fake
// Sender. Received messages are parsed with the standard library, the way
// a mail client would see them.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From         string      // envelope sender (MAIL FROM)
	To           []string    // envelope recipients (RCPT TO)
	AuthUser     string      // user name the client authenticated as; empty without AUTH
	AuthPassword string      // password that came with AuthUser
	Header       mail.Header // top-level header as received
	Subject      string      // decoded (RFC 2047)
	Text         string      // decoded text/plain body
	HTML         string      // decoded text/html body
	EmailID      string      // X-Roster-Email-ID header
	Raw          []byte      // the DATA exactly as received
}

// Server is a running test SMTP server.
type Server struct {
	srv  *smtp.Server
	addr string

	mu        sync.Mutex
	msgs      []Message
	failing   bool
	parseErrs []error
	arrived   chan struct{} // closed, then replaced, whenever a message arrives

	closeOnce sync.Once
}

// errUnavailable is what a failing server answers: a temporary failure, as
// a real server under maintenance or overload would give.
var errUnavailable = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
	Message: "smtptest: service temporarily unavailable"}

// Start starts a server on 127.0.0.1 at a free port; it stops when the test
// ends. It offers AUTH PLAIN without TLS and accepts any credentials or
// none.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{addr: ln.Addr().String(), arrived: make(chan struct{})}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "smtptest.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 100
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Close)
	return s
}

// URL is the smtp:// URL of the server.
func (s *Server) URL() string { return "smtp://" + s.addr }

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// Close stops the server; Start arranges for it to run when the test ends,
// and calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() { _ = s.srv.Close() })
}

// SetFailing makes the server answer MAIL and DATA with 451 while on, to
// simulate an outage; messages are not recorded meanwhile.
func (s *Server) SetFailing(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = on
}

func (s *Server) isFailing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failing
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits until at least n messages have arrived and returns the
// first n, or fails the test after timeout.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			out := append([]Message(nil), s.msgs[:n]...)
			s.mu.Unlock()
			return out
		}
		got, arrived, perr := len(s.msgs), s.arrived, errors.Join(s.parseErrs...)
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			if perr != nil {
				t.Fatalf("smtptest: %d of %d messages after %v; rejected unparseable messages: %v", got, n, timeout, perr)
			}
			t.Fatalf("smtptest: %d of %d messages after %v", got, n, timeout)
			return nil
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *Server) rejected(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parseErrs = append(s.parseErrs, err)
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

// session is one SMTP connection; go-smtp calls its methods from that
// connection's goroutine only.
type session struct {
	s          *Server
	user, pass string
	from       string
	to         []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		ss.user, ss.pass = user, pass
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.isFailing() {
		return errUnavailable
	}
	ss.from, ss.to = from, nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if ss.s.isFailing() {
		return errUnavailable
	}
	m, err := parse(raw)
	if err != nil {
		ss.s.rejected(err)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "smtptest: " + err.Error()}
	}
	m.From, m.To, m.AuthUser, m.AuthPassword = ss.from, ss.to, ss.user, ss.pass
	ss.s.add(m)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// parse decodes a raw message's header and its text and HTML bodies,
// whether single-part or nested multipart, quoted-printable, base64 or
// plain.
func parse(raw []byte) (Message, error) {
	m := Message{Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m, fmt.Errorf("read message: %w", err)
	}
	m.Header = msg.Header
	var dec mime.WordDecoder
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, fmt.Errorf("subject: %w", err)
	}
	m.EmailID = msg.Header.Get("X-Roster-Email-ID")
	if err := walk(textproto.MIMEHeader(msg.Header), msg.Body, &m); err != nil {
		return m, err
	}
	return m, nil
}

// walk fills m.Text and m.HTML from the first text/plain and text/html
// parts found depth first.
func walk(h textproto.MIMEHeader, body io.Reader, m *Message) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart, unlike NextPart, leaves quoted-printable alone,
			// so that every transfer encoding is decoded in one place.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := walk(p.Header, p, m); err != nil {
				return err
			}
		}
	}
	if mt != "text/plain" && mt != "text/html" {
		return nil
	}
	switch cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit", "binary":
	default:
		return fmt.Errorf("unknown transfer encoding %q", cte)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mt, err)
	}
	if mt == "text/plain" && m.Text == "" {
		m.Text = string(data)
	} else if mt == "text/html" && m.HTML == "" {
		m.HTML = string(data)
	}
	return nil
}
