package main_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"roster/internal/testdb"
)

// TestNumberCLI adds phone numbers with the CLI and reads them back through
// the API of a running server, on both databases.
func TestNumberCLI(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(dialect, func(t *testing.T) {
			env := []string{"ROSTER_DATABASE_URL=" + testdb.URL(t, dialect), "ROSTER_DATA_DIR=" + t.TempDir()}
			run := func(args ...string) (int, string) {
				cmd := exec.CommandContext(context.Background(), binary, args...)
				cmd.Env = append(os.Environ(), env...)
				out, _ := cmd.CombinedOutput()
				return cmd.ProcessState.ExitCode(), string(out)
			}
			cli(t, env, "org", "create", "--name", "Acme", "--slug", "acme", "--admin-email", "admin@acme.test")

			if out := cli(t, env, "number", "add", "--org", "acme", "+14155550100"); !strings.Contains(out, "Added +14155550100 to acme (main number)") {
				t.Fatalf("number add: %q", out)
			}
			if out := cli(t, env, "number", "add", "+44 20 7946 0000", "--org", "acme", "--label", "London"); strings.Contains(out, "main") ||
				!strings.Contains(out, "Added +442079460000") {
				t.Fatalf("number add, number first: %q", out)
			}
			if code, out := run("number", "add", "--org", "acme", "+14155550100"); code != 1 || !strings.Contains(out, "already one of") {
				t.Fatalf("duplicate: %d %s", code, out)
			}
			if code, out := run("number", "add", "--org", "acme", "+1415"); code != 1 || !strings.Contains(out, "E.164") {
				t.Fatalf("bad number: %d %s", code, out)
			}
			if code, out := run("number", "add", "--org", "acme"); code != 2 || !strings.Contains(out, "E.164") {
				t.Fatalf("no number: %d %s", code, out)
			}
			if code, out := run("number", "add", "--org", "acme", "--main", "+14155550102", "+14155550103"); code != 2 || !strings.Contains(out, "one main number") {
				t.Fatalf("--main with two numbers: %d %s", code, out)
			}
			if code, out := run("number", "add", "--org", "nope", "+14155550101"); code != 1 || !strings.Contains(out, `no org with slug "nope"`) {
				t.Fatalf("unknown org: %d %s", code, out)
			}
			list := cli(t, env, "number", "list", "--org", "acme")
			if !strings.Contains(list, "+14155550100   yes") || !strings.Contains(list, "+442079460000") || !strings.Contains(list, "London") {
				t.Fatalf("number list:\n%s", list)
			}

			token := strings.TrimSpace(cli(t, env, "token", "create", "--org", "acme", "--email", "admin@acme.test"))
			srv := startServer(t, env)
			status, body := call(t, http.DefaultClient, "GET", srv.base+"/api/v1/phone-numbers", token, nil)
			items, _ := body["items"].([]any)
			if status != http.StatusOK || len(items) != 2 || items[0].(map[string]any)["number"] != "+14155550100" {
				t.Fatalf("API sees %d %v", status, body)
			}
		})
	}
}
