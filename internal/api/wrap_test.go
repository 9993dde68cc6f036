package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log destination the server's goroutines and the test
// may use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func wrapTestAPI(logs *syncBuffer) *API {
	return New(Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
}

// sendRequest opens a connection of its own to srv, one the test can close
// whenever it likes, and sends a request on it.
func sendRequest(t *testing.T, srv *httptest.Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	return c
}

// A client that closes its connection while a large answer is being
// written makes the handler's write fail. That is logged as the client's
// doing, below Error, and no problem is written over the begun response.
func TestWrapClientGoneIsNotAServerError(t *testing.T) {
	logs := &syncBuffer{}
	a := wrapTestAPI(logs)
	returned := make(chan error, 1)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	h := a.wrap(Route{Public: true, handler: func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for range 4096 { // 256 MB: more than any socket buffers
			if _, err := w.Write(chunk); err != nil {
				returned <- err
				return fmt.Errorf("writing the page: %w", err)
			}
		}
		returned <- nil
		return nil
	}})
	srv := httptest.NewUnstartedServer(h)
	// net/http reports a second WriteHeader ("superfluous") on the
	// server's own log, not the API's: both go to logs.
	srv.Config.ErrorLog = log.New(logs, "", 0)
	srv.Start()
	defer srv.Close()

	c := sendRequest(t, srv)
	status, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(status, "200") {
		t.Fatalf("status line %q, %v", status, err)
	}
	c.Close()

	select {
	case err := <-returned:
		if err == nil {
			t.Fatal("the handler wrote 256 MB to a closed connection without an error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the handler never finished")
	}
	srv.Close() // waits for the handler and wrap to return
	out := logs.String()
	if strings.Contains(out, "level=ERROR") || strings.Contains(out, "superfluous") {
		t.Errorf("a client that went away was logged as the server's error:\n%s", out)
	}
	if !strings.Contains(out, `msg="client went away"`) {
		t.Errorf("no debug line for the client that went away:\n%s", out)
	}
}

// An error after the status went out that is not the client's (a database
// failing half-way, say) is still logged as an error, no problem document
// is written into the begun response, and the connection is cut, so that
// the client sees the body end early rather than take it for whole. The
// request metrics count it under the status it began with.
func TestWrapErrorAfterResponseBeganIsLogged(t *testing.T) {
	logs := &syncBuffer{}
	a := wrapTestAPI(logs)
	m := NewMetrics(func(context.Context) (int, error) { return 0, nil })
	h := m.Instrument("GET /x", a.wrap(Route{Public: true, handler: func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"users":[`))
		// On its way, as a long answer's first part would be.
		if err := http.NewResponseController(w).Flush(); err != nil {
			return err
		}
		return errors.New("database gone")
	}}))
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(logs, "", 0)
	srv.Start()
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != `{"users":[` {
		t.Errorf("response %d %q: something was written after the error", res.StatusCode, body)
	}
	if err == nil {
		t.Errorf("the body %q ended as if whole; want the connection cut", body)
	}
	srv.Close() // waits for the handler and wrap to return
	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "database gone") {
		t.Errorf("the server's failure was not logged as an error:\n%s", out)
	}
	if strings.Contains(out, "panic") {
		t.Errorf("the cut was logged as a panic:\n%s", out)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `roster_http_requests_total{route="GET /x",status="200"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %s:\n%s", want, grepLines(rec.Body.String(), "roster_http_requests_total"))
	}

	// Before anything is written, an error is still answered as a problem.
	h = a.wrap(Route{Public: true, handler: func(w http.ResponseWriter, r *http.Request) error {
		return badRequest(http.StatusBadRequest, "no")
	}})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/users", nil))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"detail":"no"`) {
		t.Errorf("error before the response: %d %s", rec.Code, rec.Body.String())
	}
}

// A client that disconnects while its request is still being worked on
// cancels the request's context, which fails the database call in
// progress; that is not the server's error, and the request metrics count
// it as 499, not as a 200 or a 500.
func TestWrapClientGoneBeforeAnswerIsNotAServerError(t *testing.T) {
	logs := &syncBuffer{}
	a := wrapTestAPI(logs)
	m := NewMetrics(func(context.Context) (int, error) { return 0, nil })
	arrived := make(chan struct{})
	h := m.Instrument("GET /x", a.wrap(Route{Public: true, handler: func(w http.ResponseWriter, r *http.Request) error {
		close(arrived)
		<-r.Context().Done() // a query interrupted by the cancellation
		return fmt.Errorf("listing users: %w", r.Context().Err())
	}}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := sendRequest(t, srv)
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the handler")
	}
	c.Close()
	srv.Close() // waits for the handler and wrap to return
	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("a client that went away was logged as the server's error:\n%s", out)
	}
	if !strings.Contains(out, `msg="client went away"`) {
		t.Errorf("no debug line for the client that went away:\n%s", out)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `roster_http_requests_total{route="GET /x",status="499"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("metrics lack %s:\n%s", want, grepLines(rec.Body.String(), "roster_http_requests_total"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			b.WriteString(line)
		}
	}
	return b.String()
}
