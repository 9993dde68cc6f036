package main

import (
	"bufio"
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// replayLua is the wrk script that sends a case's requests; see its header.
//
//go:embed wrk/replay.lua
var replayLua []byte

// wrkRotation is how many distinct requests a timed case's file holds; the
// cases' paths repeat with a far shorter period (the seeded lists they
// draw from), so the file only has to outlast those.
const wrkRotation = 10_000

// useWrk says whether a case is driven by wrk: every case at concurrency
// above 1 that is an HTTP loop. A case of one client at a time (the bulk
// invite, three requests) measures each request, not the server's rate,
// and stays in-process.
func useWrk(o options, c benchCase) bool {
	return o.load == "wrk" && c.Custom == nil && cmp.Or(c.Concurrency, o.concurrency) > 1
}

// wrkThreads is wrk's threads: one a core of this machine. Cases under wrk
// have at least two connections (useWrk), as wrk needs one a thread.
const wrkThreads = 2

// measureWrk runs one case with wrk: wrkThreads threads, the case's
// concurrency in connections, every request written to a file first so
// that building bodies costs the measured run nothing.
func (e *env) measureWrk(o options, c benchCase) (result, error) {
	conc := cmp.Or(c.Concurrency, o.concurrency)
	lines := wrkRotation
	if c.Count > 0 {
		// Each thread stops at its share; the lines past Count feed the
		// requests already in flight then, so none repeats a body.
		lines = c.Count + 2*conc
	} else if c.Body != nil {
		return result{}, fmt.Errorf("%s: a timed case with bodies would repeat them; give it a Count", c.Name)
	}
	dir, err := os.MkdirTemp("", "roster-bench-wrk-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	reqs := filepath.Join(dir, "requests.tsv")
	if err := writeRequests(reqs, e, c, lines); err != nil {
		return result{}, err
	}
	script := filepath.Join(dir, "replay.lua")
	if err := os.WriteFile(script, replayLua, 0o644); err != nil {
		return result{}, err
	}
	duration := o.duration
	if c.Count > 0 {
		duration = time.Hour // the script stops at Count
	}
	args := []string{"-t", strconv.Itoa(wrkThreads), "-c", strconv.Itoa(conc), "-d", fmt.Sprintf("%ds", int(duration.Seconds())),
		"--timeout", "1m", "-s", script}
	if e.token != "" {
		args = append(args, "-H", "Authorization: Bearer "+e.token)
	}
	cmd := exec.Command("wrk", append(args, e.base)...)
	cmd.Env = append(os.Environ(), "REQUESTS="+reqs, "THREADS="+strconv.Itoa(wrkThreads),
		"COUNT="+strconv.Itoa(c.Count), "WANT="+strconv.Itoa(cmp.Or(c.Status, 200)))
	var out, msgs bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return result{}, err
	}
	rss := sampleRSS(e.pid)
	if err := cmd.Start(); err != nil {
		rss()
		return result{}, fmt.Errorf("wrk: %v", err)
	}
	interruptWhenDone(cmd, stderr, wrkThreads, &msgs)
	runErr := cmd.Wait()
	peak := rss()
	if runErr != nil {
		return result{}, fmt.Errorf("wrk: %v: %s%s", runErr, out.String(), msgs.String())
	}
	r, err := parseWrk(c.Name, out.String())
	r.rssMB = peak
	return r, err
}

// interruptWhenDone reads wrk's stderr until it ends, keeping what is not
// replay.lua's "thread done" in msgs, and interrupts wrk once all its
// threads have said it: wrk would otherwise sleep out its whole duration,
// and on SIGINT it stops and prints its results as at the end of one.
func interruptWhenDone(cmd *exec.Cmd, stderr io.Reader, threads int, msgs *bytes.Buffer) {
	s := bufio.NewScanner(stderr)
	done := 0
	for s.Scan() {
		if s.Text() != "thread done" {
			msgs.WriteString(s.Text() + "\n")
			continue
		}
		if done++; done == threads {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
}

// writeRequests writes n requests of case c, one a line, in the format
// replay.lua reads.
func writeRequests(path string, e *env, c benchCase, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	method := cmp.Or(c.Method, "GET")
	for i := range n {
		var ctype string
		var body []byte
		if c.Body != nil {
			ctype, body = c.Body(e, i)
		}
		fields := []string{method, c.Path(e, i), ctype, string(body)}
		if strings.ContainsAny(strings.Join(fields, ""), "\t\n") {
			f.Close()
			return fmt.Errorf("%s: request %d holds a tab or a newline", c.Name, i)
		}
		w.WriteString(strings.Join(fields, "\t"))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// parseWrk reads replay.lua's result line: requests, duration, errors and
// the latency percentiles, times in microseconds.
func parseWrk(name, out string) (result, error) {
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		if len(f) != 8 || f[0] != "result" {
			continue
		}
		var v [7]float64
		for i := range v {
			x, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil {
				return result{}, fmt.Errorf("%s: wrk result %q: %v", name, line, err)
			}
			v[i] = x
		}
		us := func(x float64) time.Duration { return time.Duration(x * float64(time.Microsecond)) }
		r := result{name: name, n: int(v[0]), errors: int(v[2]),
			p50: us(v[3]), p95: us(v[4]), p99: us(v[5]), max: us(v[6])}
		if v[1] > 0 {
			r.rps = v[0] / (v[1] / 1e6)
		}
		return r, nil
	}
	return result{}, fmt.Errorf("%s: no result from wrk: %s", name, out)
}
