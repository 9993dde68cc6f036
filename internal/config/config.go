// Package config reads Roster's settings once, from flags with ROSTER_*
// environment equivalents, into one Config value. Nothing else reads the
// environment.
package config

import (
	"flag"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a Roster process.
type Config struct {
	Addr        string        // ROSTER_ADDR
	DataDir     string        // ROSTER_DATA_DIR
	DatabaseURL string        // ROSTER_DATABASE_URL; empty = SQLite in DataDir
	BaseURL     string        // ROSTER_BASE_URL
	SMTPURL     string        // ROSTER_SMTP_URL; empty = keep emails in the outbox
	MailFrom    string        // ROSTER_MAIL_FROM
	InviteTTL   time.Duration // ROSTER_INVITE_TTL
	ResetTTL    time.Duration // ROSTER_RESET_TTL
	SessionTTL  time.Duration // ROSTER_SESSION_TTL
	// AuthCacheTTL is how long a session or API token that authenticated
	// is trusted without being read again; 0 turns the cache off.
	AuthCacheTTL time.Duration // ROSTER_AUTH_CACHE_TTL
	LogLevel     string        // ROSTER_LOG_LEVEL
	LogFormat    string        // ROSTER_LOG_FORMAT: text or json
	// DebugAddr, when set, serves Go's profiler (net/http/pprof) on a
	// separate listener that the public address never exposes.
	DebugAddr string // ROSTER_DEBUG_ADDR
	// MemoryLimit is the soft limit of the Go runtime's memory that the
	// server sets (runtime/debug.SetMemoryLimit): near it the garbage
	// collector runs sooner and hands freed memory back to the system, so
	// that a burst (an export, an import) does not leave the process
	// large. 0 leaves Go's default, as does GOMEMLIMIT, which wins.
	MemoryLimit int64 // ROSTER_MEMORY_LIMIT
	// DBConns is the most PostgreSQL connections the server opens at
	// once; 0 leaves the store's default (twice the CPUs, plus one).
	DBConns int // ROSTER_DB_CONNS
	// GCPercent, when not 0, is the garbage collector's growth ratio
	// that the server sets (runtime/debug.SetGCPercent): gcPercentUnderLimit
	// when a memory limit bounds the heap, by either setting, and GOGC
	// does not say otherwise.
	GCPercent int
	// SecureCookies marks session cookies Secure; on by default when
	// BaseURL is https.
	SecureCookies bool
}

// Setting documents one configuration entry (for --help and the README).
type Setting struct {
	Flag, Env, Default, Help string
}

// Settings lists every setting in the order the README documents them.
var Settings = []Setting{
	{"addr", "ROSTER_ADDR", "127.0.0.1:8080", "address the HTTP server listens on"},
	{"data-dir", "ROSTER_DATA_DIR", "./data", "directory for the SQLite database"},
	{"database-url", "ROSTER_DATABASE_URL", "", "postgres://… to use PostgreSQL; empty for SQLite in the data dir"},
	{"base-url", "ROSTER_BASE_URL", "http://127.0.0.1:8080", "public URL of Roster, used in links in emails"},
	{"smtp-url", "ROSTER_SMTP_URL", "", "smtp://user:pass@host:port (STARTTLS when offered) or smtps://…; empty keeps emails in the outbox"},
	{"mail-from", "ROSTER_MAIL_FROM", "Roster <roster@localhost>", "From address of emails"},
	{"invite-ttl", "ROSTER_INVITE_TTL", "168h", "how long an invitation link stays valid"},
	{"reset-ttl", "ROSTER_RESET_TTL", "1h", "how long a password-reset link stays valid"},
	{"session-ttl", "ROSTER_SESSION_TTL", "12h", "how long an idle session stays signed in"},
	{"auth-cache-ttl", "ROSTER_AUTH_CACHE_TTL", "1s", "how long a session or API token that authenticated is trusted without reading it again: changes made through this process apply at once, those made through another process sharing the database within this time; 0 turns it off"},
	{"log-level", "ROSTER_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "ROSTER_LOG_FORMAT", "text", "text or json"},
	{"debug-addr", "ROSTER_DEBUG_ADDR", "", "address for Go's profiler (/debug/pprof/) on its own listener, e.g. 127.0.0.1:6060; empty turns it off"},
	{"db-conns", "ROSTER_DB_CONNS", "auto", "most PostgreSQL connections open at once: auto for twice the CPUs Go uses plus one, which keeps the slowest requests fast when the database shares the cores; more when PostgreSQL runs on a larger machine of its own"},
	{"memory-limit", "ROSTER_MEMORY_LIMIT", "48MiB", "soft limit of the server's Go memory (KiB, MiB, GiB): the garbage collector works harder near it, never fails for it; under a limit the collector runs half as often as by default (GOGC 200, unless GOGC is set); off for none; GOMEMLIMIT, when set, wins"},
}

// Load parses args (after the subcommand) with the environment as
// defaults. getenv is os.Getenv in production and a map in tests. Extra
// flags of a subcommand can be added to the returned FlagSet via extra.
func Load(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	vals := map[string]*string{}
	for _, s := range Settings {
		def := s.Default
		if v := getenv(s.Env); v != "" {
			def = v
		}
		vals[s.Flag] = fs.String(s.Flag, def, s.Help+" ("+s.Env+")")
	}
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, fs, err
	}
	c := Config{
		Addr: *vals["addr"], DataDir: *vals["data-dir"], DatabaseURL: *vals["database-url"],
		BaseURL: strings.TrimRight(*vals["base-url"], "/"), SMTPURL: *vals["smtp-url"], MailFrom: *vals["mail-from"],
		LogLevel: *vals["log-level"], LogFormat: *vals["log-format"], DebugAddr: *vals["debug-addr"],
	}
	var err error
	for _, d := range []struct {
		flag string
		dst  *time.Duration
	}{{"invite-ttl", &c.InviteTTL}, {"reset-ttl", &c.ResetTTL}, {"session-ttl", &c.SessionTTL}} {
		if *d.dst, err = time.ParseDuration(*vals[d.flag]); err != nil || *d.dst <= 0 {
			return c, fs, fmt.Errorf("--%s: %q is not a positive duration such as 1h or 168h", d.flag, *vals[d.flag])
		}
	}
	if c.AuthCacheTTL, err = time.ParseDuration(*vals["auth-cache-ttl"]); err != nil || c.AuthCacheTTL < 0 || c.AuthCacheTTL > maxAuthCacheTTL {
		return c, fs, fmt.Errorf("--auth-cache-ttl: %q is not a duration from 0 to %s, such as 1s", *vals["auth-cache-ttl"], maxAuthCacheTTL)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fs, fmt.Errorf("--base-url: %q must be an http or https URL", c.BaseURL)
	}
	c.SecureCookies = u.Scheme == "https"
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return c, fs, fmt.Errorf("--smtp-url: must look like smtp://user:pass@host:port")
		}
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return c, fs, fmt.Errorf("--log-format: must be text or json")
	}
	if v := *vals["db-conns"]; v != "auto" {
		if c.DBConns, err = strconv.Atoi(v); err != nil || c.DBConns < 1 || c.DBConns > maxDBConns {
			return c, fs, fmt.Errorf("--db-conns: %q is not auto or a number from 1 to %d", v, maxDBConns)
		}
	}
	if c.MemoryLimit, err = parseMemoryLimit(*vals["memory-limit"]); err != nil {
		return c, fs, fmt.Errorf("--memory-limit: %v", err)
	}
	limited := c.MemoryLimit > 0
	if goLimit := getenv("GOMEMLIMIT"); goLimit != "" {
		c.MemoryLimit = 0 // the Go runtime has read it already
		limited = goLimit != "off"
	}
	if limited && getenv("GOGC") == "" {
		c.GCPercent = gcPercentUnderLimit
	}
	return c, fs, nil
}

// gcPercentUnderLimit is the collector's growth ratio under a memory
// limit. Go's default, 100, collects each time the heap doubles its live
// data, a few MB on a server whose requests each allocate tens of KB: on
// a 100-row page of the people list the collector and allocation took a
// fifth of the CPU. Twice that halves how often it runs, for a heap larger by the
// live data (RSS 52 → 61 MB under that load); the memory limit, not the
// ratio, keeps a burst such as an import in bounds. The default limit is
// 48 MiB for it: after the benchmark's other cases, an import peaked at
// 104 MB of RSS under 80 MiB with this ratio and at 94 to 101 MB under
// 64 MiB, Go holding 54 MB of it; under 48 MiB at 85 MB, while the people
// list, whose Go memory stays near 35 MB, ran as many requests with as
// many collections (docs/benchmarks.md).
const gcPercentUnderLimit = 200

// maxDBConns is beyond any PostgreSQL server's max_connections default
// (100): a larger number is a typo.
const maxDBConns = 1000

// maxAuthCacheTTL bounds how late a revocation made by another process
// may apply: a minute is already long for a revoked token to keep working.
const maxAuthCacheTTL = time.Minute

// minMemoryLimit keeps a typo ("80KiB") from sending the garbage collector
// into a loop.
const minMemoryLimit = 16 << 20

// parseMemoryLimit reads a size as GOMEMLIMIT writes it: a whole number of
// bytes with a unit (B, KiB, MiB, GiB), or off (0).
func parseMemoryLimit(s string) (int64, error) {
	if s == "off" || s == "0" {
		return 0, nil
	}
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}} {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 0 || n > math.MaxInt64>>u.shift {
			break
		}
		if n<<u.shift < minMemoryLimit {
			return 0, fmt.Errorf("%q is below the least useful limit, 16MiB", s)
		}
		return n << u.shift, nil
	}
	return 0, fmt.Errorf("%q is not a size such as 80MiB or 1GiB, or off", s)
}

// FromEnv loads the configuration with no flags.
func FromEnv() (Config, error) {
	c, _, err := Load("roster", nil, os.Getenv, nil)
	return c, err
}
