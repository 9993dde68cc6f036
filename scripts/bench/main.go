// Command bench measures Roster over HTTP on loopback: it builds the
// binary, seeds an org of many users, starts `roster serve` on SQLite and
// on PostgreSQL, drives every case below at a fixed concurrency, and
// prints one Markdown table (requests/s, latency percentiles, the server's
// peak resident memory) plus the database's plan for each hot query. A
// plain net/http hello-world, measured the same way, is the ceiling.
//
//	go run ./scripts/bench                  # everything, 100,000 users
//	go run ./scripts/bench -users 20000 -dbs sqlite -duration 3s
package main

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"roster/internal/procstat"
	"roster/internal/roster"
	"roster/internal/store"
)

type options struct {
	users       int
	dbs         []string
	duration    time.Duration
	concurrency int
	only        *regexp.Regexp
	pgURL       string
	explain     bool
	memLimit    string
	load        string
}

func main() {
	if addr := os.Getenv("BENCH_HELLO_ADDR"); addr != "" {
		serveHello(addr)
		return
	}
	var o options
	var dbs, only string
	flag.IntVar(&o.users, "users", 100_000, "users in the seeded org")
	flag.StringVar(&dbs, "dbs", "sqlite,postgres", "databases to measure, comma-separated")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each timed case runs")
	flag.IntVar(&o.concurrency, "c", 8, "concurrent clients")
	flag.StringVar(&only, "only", "", "run only the cases whose name matches this regexp")
	flag.StringVar(&o.pgURL, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server to create the bench database on")
	flag.BoolVar(&o.explain, "explain", true, "print each hot query's plan")
	flag.StringVar(&o.load, "load", "wrk", "load generator of the cases at concurrency above 1: wrk (Debian package wrk), or go for this program's own HTTP client, which takes more of the cores the server shares")
	flag.StringVar(&o.memLimit, "gomemlimit", "", "GOMEMLIMIT for the server (e.g. 80MiB); empty leaves Go's default")
	flag.Parse()
	o.dbs = strings.Split(dbs, ",")
	o.only = regexp.MustCompile(only)
	if o.load != "wrk" && o.load != "go" {
		fmt.Fprintln(os.Stderr, "bench: -load is wrk or go")
		os.Exit(2)
	}
	if _, err := exec.LookPath("wrk"); o.load == "wrk" && err != nil {
		fmt.Fprintln(os.Stderr, "bench: wrk not found: install it (apt-get install wrk) or pass -load go")
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// result is one measured case.
type result struct {
	db, name           string
	n, errors          int
	rps                float64
	p50, p95, p99, max time.Duration
	rssMB              float64
	note               string
}

func run(o options) error {
	tmp, err := os.MkdirTemp("", "roster-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "roster")
	logf("building %s", bin)
	build := exec.Command("go", "build", "-o", bin, "./cmd/roster")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	var results []result
	var plans []string
	if o.only.MatchString("hello-world") {
		r, err := measureHello(o)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	for _, db := range o.dbs {
		rs, ps, err := measureDB(o, bin, tmp, db)
		if err != nil {
			return fmt.Errorf("%s: %w", db, err)
		}
		results = append(results, rs...)
		plans = append(plans, ps...)
	}
	printTable(os.Stdout, o, results)
	for _, p := range plans {
		fmt.Println(p)
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// env is what the cases need to know of a seeded, running server.
type env struct {
	base, token string
	pid         int
	deepCursor  string
	ids         []string
	emails      []string
	exts        []string
	seq         atomic.Int64
	bin         string
	envVars     []string
	users       int
}

// benchCase is one row of the table. Count fixes the number of requests
// (else the case runs for -duration); Concurrency overrides -c.
type benchCase struct {
	Name        string
	Method      string
	Path        func(e *env, i int) string
	Body        func(e *env, i int) (contentType string, body []byte)
	Status      int
	Count       int
	Concurrency int
	// Custom replaces the HTTP loop (commands such as a CLI import).
	Custom func(e *env) (result, error)
}

// nameFragments occur inside seeded names, not only at their start.
var nameFragments = []string{"ohans", "ller", "odrig", "artin", "ilson", "ndez", "ernan", "chmid", "ovak", "ewis", "ayl", "uzuki"}

// cases are measured in order for each database. One line adds a case.
var cases = []benchCase{
	{Name: "list first page (100)", Path: func(e *env, i int) string { return "/api/v1/users?limit=100" }},
	{Name: "list deep page (cursor at row 90,000)", Path: func(e *env, i int) string { return "/api/v1/users?limit=100&cursor=" + e.deepCursor }},
	{Name: "search name fragment", Path: func(e *env, i int) string {
		return "/api/v1/users?limit=100&q=" + nameFragments[i%len(nameFragments)]
	}},
	{Name: "search email prefix", Path: func(e *env, i int) string {
		em := e.emails[i%len(e.emails)]
		return "/api/v1/users?limit=100&q=" + em[:min(len(em), 8)]
	}},
	{Name: "search extension", Path: func(e *env, i int) string { return "/api/v1/users?limit=100&q=" + e.exts[i%len(e.exts)] }},
	{Name: "filter role+status", Path: func(e *env, i int) string { return "/api/v1/users?limit=100&role=agent&status=active" }},
	{Name: "get one user", Path: func(e *env, i int) string { return "/api/v1/users/" + e.ids[i%len(e.ids)] }},
	{Name: "create prepared user (10,000)", Method: "POST", Count: 10_000, Status: 201,
		Path: func(e *env, i int) string { return "/api/v1/invitations" },
		Body: func(e *env, i int) (string, []byte) {
			return "application/json", fmt.Appendf(nil, `{"emails":["bench-%d-%d@new.example"],"send":false}`, os.Getpid(), e.seq.Add(1))
		}},
	{Name: "bulk invite 1,000 emails", Method: "POST", Count: 3, Concurrency: 1, Status: 201,
		Path: func(e *env, i int) string { return "/api/v1/invitations" },
		Body: func(e *env, i int) (string, []byte) {
			var b bytes.Buffer
			b.WriteString(`{"send":true,"emails":[`)
			for j := range 1000 {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `"bulk-%d-%d-%d@invite.example"`, os.Getpid(), i, j)
			}
			b.WriteString(`]}`)
			return "application/json", b.Bytes()
		}},
	{Name: "export all users, CSV", Custom: func(e *env) (result, error) { return e.download("/api/v1/users/export?format=csv") }},
	{Name: "export all users, xlsx", Custom: func(e *env) (result, error) { return e.download("/api/v1/users/export?format=xlsx") }},
	// Last: it doubles the org.
	{Name: "import 100,000-row CSV (prepared users)", Custom: func(e *env) (result, error) { return e.importFile(100_000) }},
}

// download fetches one export, timing the first byte and the whole file
// and sampling the server's memory meanwhile.
func (e *env) download(path string) (result, error) {
	before := float64(procstat.RSSKB(e.pid)) / 1024
	rss := sampleRSS(e.pid)
	req, _ := http.NewRequest("GET", e.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		rss()
		return result{}, err
	}
	defer resp.Body.Close()
	var first time.Duration
	buf := make([]byte, 64<<10)
	size := 0
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && first == 0 {
			first = time.Since(start)
		}
		size += n
		if err == io.EOF {
			break
		}
		if err != nil {
			rss()
			return result{}, err
		}
	}
	total := time.Since(start)
	r := result{name: path, n: 1, p50: total, p95: total, p99: total, max: total, rssMB: rss(),
		note: fmt.Sprintf("%.1f MB, first byte after %d ms; RSS %.0f MB before; times are the whole download",
			float64(size)/(1<<20), first.Milliseconds(), before)}
	if resp.StatusCode != 200 {
		r.errors = 1
	}
	return r, nil
}

// importFile uploads an n-row CSV of new prepared users in one request.
func (e *env) importFile(n int) (result, error) {
	var b bytes.Buffer
	b.WriteString("email,first_name,last_name,role,license_type\r\n")
	for i := range n {
		// Names that no searched fragment matches: the plans printed after
		// the cases are those of the searches as they were measured.
		fmt.Fprintf(&b, "imported%06d@bulk.example,Imported,Number %d,agent,power_dialer\r\n", i, i)
	}
	size := b.Len()
	before := float64(procstat.RSSKB(e.pid)) / 1024
	rss := sampleRSS(e.pid)
	req, _ := http.NewRequest("POST", e.base+"/api/v1/users/import", &b)
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "text/csv")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		rss()
		return result{}, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	total := time.Since(start)
	r := result{name: "import", n: 1, p50: total, p95: total, p99: total, max: total, rssMB: rss(),
		rps: float64(n) / total.Seconds(), note: fmt.Sprintf("%.1f MB file; RSS %.0f MB before; req/s is rows/s", float64(size)/(1<<20), before)}
	if resp.StatusCode != 201 {
		r.errors, r.note = 1, fmt.Sprintf("status %d: %.200s", resp.StatusCode, body)
	}
	return r, nil
}

// measureDB seeds and serves one database and runs every case on it.
func measureDB(o options, bin, tmp, db string) ([]result, []string, error) {
	e := &env{bin: bin, users: o.users}
	var dbURL string
	// admin is the PostgreSQL server's own database, when measuring it.
	var admin *sql.DB
	switch db {
	case "sqlite":
		dir := filepath.Join(tmp, "sqlite")
		e.envVars = []string{"ROSTER_DATA_DIR=" + dir}
		dbURL = "sqlite:" + filepath.Join(dir, "roster.db")
	case "postgres":
		var err error
		admin, err = sql.Open("pgx", o.pgURL)
		if err != nil {
			return nil, nil, err
		}
		defer admin.Close()
		name := fmt.Sprintf("roster_bench_%d", os.Getpid())
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			return nil, nil, err
		}
		defer func() {
			if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
				logf("drop %s: %v", name, err)
			}
		}()
		dbURL = strings.Replace(o.pgURL, "/postgres?", "/"+name+"?", 1)
		e.envVars = []string{"ROSTER_DATABASE_URL=" + dbURL}
	default:
		return nil, nil, fmt.Errorf("unknown database %q", db)
	}
	e.envVars = append(e.envVars, "ROSTER_LOG_LEVEL=warn")
	if o.memLimit != "" {
		e.envVars = append(e.envVars, "GOMEMLIMIT="+o.memLimit)
	}

	start := time.Now()
	logf("%s: seeding %d users", db, o.users)
	if _, err := e.cli("seed", "--org", "acme", "--users", strconv.Itoa(o.users)); err != nil {
		return nil, nil, err
	}
	seedTime := time.Since(start)
	logf("%s: seeded in %s", db, seedTime.Round(time.Millisecond))
	if admin != nil {
		// The seed leaves PostgreSQL's shared buffers full of its dirty
		// pages; a checkpoint (the benchmark's connection is a superuser's)
		// writes them now, so that the cases below do not pay, as they
		// evict them, for writes that are the seed's.
		if _, err := admin.Exec("CHECKPOINT"); err != nil {
			return nil, nil, fmt.Errorf("checkpoint after the seed: %w", err)
		}
	}
	token, err := e.cli("token", "create", "--org", "acme", "--email", "admin@acme.example")
	if err != nil {
		return nil, nil, err
	}
	e.token = strings.TrimSpace(token)

	stop, err := e.serve()
	if err != nil {
		return nil, nil, err
	}
	defer stop()
	if err := e.prepare(); err != nil {
		return nil, nil, err
	}
	results := []result{{db: db, name: fmt.Sprintf("seed %d users (CLI, batched)", o.users), n: o.users,
		rps: float64(o.users) / seedTime.Seconds(), max: seedTime, note: "wall time in max"}}
	for _, c := range cases {
		if !o.only.MatchString(c.Name) {
			continue
		}
		logf("%s: %s", db, c.Name)
		r, err := e.measure(o, c)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		r.db = db
		results = append(results, r)
	}
	var plans []string
	if o.explain {
		p, err := explain(db, dbURL, o)
		if err != nil {
			return nil, nil, err
		}
		plans = append(plans, p)
	}
	return results, plans, nil
}

// cli runs a roster subcommand against the bench database.
func (e *env) cli(args ...string) (string, error) {
	cmd := exec.Command(e.bin, args...)
	cmd.Env = append(os.Environ(), e.envVars...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("roster %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// serve starts `roster serve` on a free loopback port and waits until ready.
func (e *env) serve() (stop func(), err error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), e.envVars...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e.base, e.pid = "http://"+addr, cmd.Process.Pid
	stop = func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(e.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return stop, nil
			}
		}
	}
	stop()
	return nil, fmt.Errorf("server at %s not ready after 30s", addr)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}, Timeout: 2 * time.Minute}

func (e *env) get(path string, into any) error {
	req, _ := http.NewRequest("GET", e.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}

// prepare walks the whole list once (which also checks that every user is
// reachable by cursor) to find the cursor at row 90,000 and sample users.
func (e *env) prepare() error {
	cursor, rows := "", 0
	deepAt := e.users * 9 / 10
	for {
		var page struct {
			Items []struct {
				ID, Email, Extension string
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := e.get("/api/v1/users?limit=500&cursor="+cursor, &page); err != nil {
			return err
		}
		for i, u := range page.Items {
			if (rows+i)%97 == 0 {
				e.ids = append(e.ids, u.ID)
				e.emails = append(e.emails, u.Email)
			}
			if u.Extension != "" && len(e.exts) < 500 {
				e.exts = append(e.exts, u.Extension)
			}
		}
		if rows < deepAt && rows+len(page.Items) >= deepAt && e.deepCursor == "" {
			// The cursor after row deepAt: list up to it with limit 100.
			var p struct {
				NextCursor string `json:"next_cursor"`
			}
			if err := e.get(fmt.Sprintf("/api/v1/users?limit=%d&cursor=%s", deepAt-rows, cursor), &p); err != nil {
				return err
			}
			e.deepCursor = p.NextCursor
		}
		rows += len(page.Items)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if rows < e.users || e.deepCursor == "" || len(e.exts) == 0 {
		return fmt.Errorf("walked %d rows (want at least %d), deep cursor %q, %d extensions", rows, e.users, e.deepCursor, len(e.exts))
	}
	return nil
}

// measure runs one case and samples the server's memory meanwhile.
func (e *env) measure(o options, c benchCase) (result, error) {
	if c.Custom != nil {
		r, err := c.Custom(e)
		r.name = c.Name
		return r, err
	}
	if useWrk(o, c) {
		return e.measureWrk(o, c)
	}
	conc := cmp.Or(c.Concurrency, o.concurrency)
	method := cmp.Or(c.Method, "GET")
	want := cmp.Or(c.Status, 200)
	var (
		mu    sync.Mutex
		lats  []time.Duration
		errs  int
		first error
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	rss := sampleRSS(e.pid)
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := int(next.Add(1) - 1)
				if (c.Count > 0 && i >= c.Count) || (c.Count == 0 && time.Now().After(deadline)) {
					break
				}
				var body io.Reader
				req, _ := http.NewRequest(method, e.base+c.Path(e, i), nil)
				if c.Body != nil {
					ct, b := c.Body(e, i)
					body = bytes.NewReader(b)
					req, _ = http.NewRequest(method, e.base+c.Path(e, i), body)
					req.Header.Set("Content-Type", ct)
				}
				req.Header.Set("Authorization", "Bearer "+e.token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != want {
						err = fmt.Errorf("%s %s: status %d", method, req.URL.Path, resp.StatusCode)
					}
				}
				mine = append(mine, time.Since(t0))
				if err != nil {
					mu.Lock()
					errs++
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := summarize(c.Name, lats, elapsed)
	r.errors, r.rssMB = errs, rss()
	if first != nil {
		r.note = first.Error()
	}
	return r, nil
}

func summarize(name string, lats []time.Duration, elapsed time.Duration) result {
	slices.Sort(lats)
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(float64(len(lats))*p))]
	}
	r := result{name: name, n: len(lats), p50: pct(0.50), p95: pct(0.95), p99: pct(0.99)}
	if len(lats) > 0 {
		r.max = lats[len(lats)-1]
		r.rps = float64(len(lats)) / elapsed.Seconds()
	}
	return r
}

// sampleRSS polls the process's resident memory until the returned
// function is called, which returns the peak in MB.
func sampleRSS(pid int) func() float64 {
	var peak atomic.Int64
	done := make(chan struct{})
	read := func() {
		if kb := procstat.RSSKB(pid); kb > peak.Load() {
			peak.Store(kb)
		}
	}
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() float64 {
		close(done)
		read()
		return float64(peak.Load()) / 1024
	}
}

// serveHello is the ceiling: the smallest net/http server there is.
func serveHello(addr string) {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello, world\n")
	})
	if err := http.ListenAndServe(addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// measureHello runs the hello-world server as a child process (this
// program again) and measures GET / like any other case.
func measureHello(o options) (result, error) {
	addr, err := freeAddr()
	if err != nil {
		return result{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "BENCH_HELLO_ADDR="+addr)
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	e := &env{base: "http://" + addr, pid: cmd.Process.Pid}
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(e.base); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	logf("hello-world ceiling")
	r, err := e.measure(o, benchCase{Name: "hello-world (net/http ceiling)", Path: func(*env, int) string { return "/" }})
	r.db = "-"
	return r, err
}

// explain prints the plan of each hot list query.
func explain(db, url string, o options) (string, error) {
	ctx := context.Background()
	d, err := store.Open(ctx, url, "")
	if err != nil {
		return "", err
	}
	defer d.Close()
	org, err := d.Reader().OrgBySlug(ctx, "acme")
	if err != nil {
		return "", err
	}
	first, err := d.Reader().ListUsers(ctx, org.ID, roster.UserFilter{Limit: o.users * 9 / 10})
	if err != nil {
		return "", err
	}
	var ext string
	for _, u := range first.Items {
		if u.Extension != "" && len(u.Extension) == 4 {
			ext = u.Extension
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### %s query plans\n", db)
	for _, q := range []struct {
		name string
		f    roster.UserFilter
	}{
		{"list first page", roster.UserFilter{Limit: 100}},
		{"list deep page (cursor at row 90,000)", roster.UserFilter{Limit: 100, Cursor: first.NextCursor}},
		{"search name fragment (q=ohans)", roster.UserFilter{Limit: 100, Query: "ohans"}},
		{"search email prefix (q=" + first.Items[0].Email[:8] + ")", roster.UserFilter{Limit: 100, Query: first.Items[0].Email[:8]}},
		{"search extension (q=" + ext + ")", roster.UserFilter{Limit: 100, Query: ext}},
		{"search two characters (q=ez, no trigram)", roster.UserFilter{Limit: 100, Query: "ez"}},
		{"filter role+status", roster.UserFilter{Limit: 100, Role: "agent", Status: roster.StatusActive}},
	} {
		plan, err := d.ExplainListUsers(ctx, org.ID, q.f)
		if err != nil {
			return "", fmt.Errorf("explain %s: %w", q.name, err)
		}
		fmt.Fprintf(&b, "\n%s:\n```\n%s```\n", q.name, plan)
	}
	return b.String(), nil
}

func printTable(w io.Writer, o options, rs []result) {
	fmt.Fprintf(w, "\n%d users, concurrency %d, %s per timed case, load generator %s, GOMAXPROCS %d, server GOMEMLIMIT %q\n\n",
		o.users, o.concurrency, o.duration, o.load, runtime.GOMAXPROCS(0), o.memLimit)
	fmt.Fprintln(w, "| db | case | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | server peak RSS MB |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) }
	for _, r := range rs {
		note := ""
		if r.note != "" {
			note = " (" + r.note + ")"
		}
		fmt.Fprintf(w, "| %s | %s%s | %d | %.0f | %s | %s | %s | %s | %d | %.1f |\n",
			r.db, r.name, note, r.n, r.rps, ms(r.p50), ms(r.p95), ms(r.p99), ms(r.max), r.errors, r.rssMB)
	}
}
