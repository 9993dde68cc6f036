package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"roster/internal/smtptest"
	"roster/internal/testdb"
)

// binary is the roster command built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "roster-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "roster")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs a roster command with env and returns stdout, failing on error.
func cli(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("roster %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// server is a running `roster serve`.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

// syncBuffer is a bytes.Buffer safe to write from the log reader while a
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// listenRE finds the bound address in the text log line
// `msg="roster listening" addr=127.0.0.1:PORT`.
var listenRE = regexp.MustCompile(`roster listening"? addr=(\S+)`)

func startServer(t *testing.T, env []string) *server {
	t.Helper()
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), append(env, "ROSTER_ADDR=127.0.0.1:0")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &syncBuffer{}}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.logs.WriteString(line + "\n")
			if m := listenRE.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not start; logs:\n%s", s.logs)
	}
	return s
}

// call sends a JSON request and decodes the JSON answer.
func call(t *testing.T, c *http.Client, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return res.StatusCode, m
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_\-]+)`)

// TestEndToEnd drives the built binary like an operator and a user would:
// CLI set-up, then the REST API over loopback, with emails delivered to a
// real SMTP server, on SQLite and PostgreSQL.
func TestEndToEnd(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			smtp := smtptest.Start(t)
			env := []string{"ROSTER_DATABASE_URL=" + testdb.URL(t, dialect), "ROSTER_DATA_DIR=" + t.TempDir(),
				"ROSTER_SMTP_URL=" + smtp.URL(), "ROSTER_BASE_URL=http://roster.example:8080", "ROSTER_MAIL_FROM=roster@acme.test"}

			out := cli(t, env, "org", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "Admin@Acme.test", "--plan", "professional")
			if !strings.Contains(out, "admin@acme.test") || !strings.Contains(out, "http://roster.example:8080/password/reset?token=rsr_") {
				t.Fatalf("org create printed:\n%s", out)
			}
			setup := tokenRE.FindStringSubmatch(out)[1]
			out = cli(t, env, "license", "set", "--org", "acme", "--type", "power_dialer", "--name", "Power Dialer", "--quantity", "3")
			if !strings.Contains(out, "3 purchased, 0 used, 3 available") {
				t.Fatalf("license set printed: %s", out)
			}
			token := strings.TrimSpace(cli(t, env, "token", "create", "--org", "acme", "--email", "admin@acme.test"))
			if !strings.HasPrefix(token, "rst_") || strings.ContainsAny(token, " \n") {
				t.Fatalf("token create printed %q, want only a token", token)
			}

			srv := startServer(t, env)
			c := &http.Client{Timeout: 10 * time.Second}
			if st, _ := call(t, c, "GET", srv.base+"/readyz", "", nil); st != 200 {
				t.Fatalf("readyz %d", st)
			}
			st, body := call(t, c, "POST", srv.base+"/api/v1/auth/password/reset", "", map[string]any{"token": setup, "password": "admin pass phrase"})
			if st != http.StatusNoContent {
				t.Fatalf("setting the admin password: %d %v", st, body)
			}
			st, body = call(t, c, "POST", srv.base+"/api/v1/invitations", token, map[string]any{
				"emails": []string{"Jane@Acme.test", "joe@acme.test"}, "role": "agent", "license_type": "power_dialer", "send": true})
			if st != http.StatusCreated {
				t.Fatalf("invite: %d %v", st, body)
			}
			msgs := smtp.WaitFor(t, 2, 15*time.Second)
			var invite string
			for _, m := range msgs {
				if len(m.To) == 1 && m.To[0] == "jane@acme.test" {
					invite = m.Text
				}
			}
			if !strings.Contains(invite, "http://roster.example:8080/invite/accept?token=rsi_") {
				t.Fatalf("no invitation email to jane; got %+v", msgs)
			}
			st, body = call(t, c, "POST", srv.base+"/api/v1/invitations/accept", "", map[string]any{
				"token": tokenRE.FindStringSubmatch(invite)[1], "first_name": "Jane", "last_name": "Roe", "password": "jane pass phrase"})
			if st != 200 || body["status"] != "active" {
				t.Fatalf("accept: %d %v", st, body)
			}
			st, body = call(t, c, "POST", srv.base+"/api/v1/auth/login", "", map[string]any{"email": "JANE@acme.test", "password": "jane pass phrase"})
			if st != 200 {
				t.Fatalf("login: %d %v", st, body)
			}
			st, body = call(t, c, "GET", srv.base+"/api/v1/licenses", token, nil)
			if st != 200 || body["items"].([]any)[0].(map[string]any)["used"] != 2.0 {
				t.Fatalf("licenses: %d %v", st, body)
			}
			res, err := c.Get(srv.base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			metrics, _ := io.ReadAll(res.Body)
			res.Body.Close()
			for _, want := range []string{`roster_emails_sent_total 2`, `roster_outbox_depth 0`,
				`roster_http_requests_total{route="POST /api/v1/invitations",status="201"} 1`} {
				if !strings.Contains(string(metrics), want) {
					t.Errorf("metrics lack %q", want)
				}
			}

			// Graceful shutdown: SIGTERM ends the process cleanly.
			if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- srv.cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("serve exited with %v; logs:\n%s", err, srv.logs)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop within 30 s of SIGTERM")
			}
			if !strings.Contains(srv.logs.String(), "roster stopped") {
				t.Errorf("no clean stop in logs:\n%s", srv.logs)
			}

			out = cli(t, env, "outbox", "list", "--org", "acme")
			if strings.Count(out, "sent") < 2 || !strings.Contains(out, "jane@acme.test") {
				t.Fatalf("outbox list:\n%s", out)
			}
		})
	}
}

// TestCLIErrors checks the CLI's answers to mistakes: usage errors exit 2,
// refused operations exit 1 with the reason.
func TestCLIErrors(t *testing.T) {
	env := []string{"ROSTER_DATA_DIR=" + t.TempDir()}
	run := func(args ...string) (int, string) {
		cmd := exec.CommandContext(context.Background(), binary, args...)
		cmd.Env = append(os.Environ(), env...)
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := run("frobnicate"); code != 2 || !strings.Contains(out, "Usage") {
		t.Fatalf("unknown command: %d %s", code, out)
	}
	if code, out := run("org", "create", "--name", "Acme"); code != 2 || !strings.Contains(out, "--slug is required") && !strings.Contains(out, "is required") {
		t.Fatalf("missing flag: %d %s", code, out)
	}
	cli(t, env, "org", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "a@acme.test")
	if code, out := run("org", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "a@acme.test"); code != 1 || !strings.Contains(out, "already exists") {
		t.Fatalf("duplicate slug: %d %s", code, out)
	}
	if code, out := run("org", "create", "--name", "B", "--slug", "b", "--admin-email", "not-an-email"); code != 1 || !strings.Contains(out, "admin_email") {
		t.Fatalf("bad email: %d %s", code, out)
	}
	cli(t, env, "license", "set", "--org", "acme", "--type", "voice", "--name", "Voice", "--quantity", "1")
	if code, out := run("license", "set", "--org", "nope", "--type", "voice", "--quantity", "1"); code != 1 || !strings.Contains(out, `no org with slug "nope"`) {
		t.Fatalf("unknown org: %d %s", code, out)
	}
	if code, out := run("token", "create", "--org", "acme", "--email", "ghost@acme.test"); code != 1 || !strings.Contains(out, "not found") {
		t.Fatalf("token for unknown user: %d %s", code, out)
	}
}
