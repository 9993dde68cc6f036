package config

import (
	"testing"
	"time"
)

// env is a getenv over m.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want int64
	}{
		{nil, nil, 48 << 20}, // the documented default
		{map[string]string{"ROSTER_MEMORY_LIMIT": "1GiB"}, nil, 1 << 30},
		{nil, []string{"--memory-limit", "20000KiB"}, 20000 << 10},
		{nil, []string{"--memory-limit", "off"}, 0},
		{nil, []string{"--memory-limit", "0"}, 0},
		// GOMEMLIMIT is Go's own setting and wins: Roster leaves it alone.
		{map[string]string{"GOMEMLIMIT": "200MiB", "ROSTER_MEMORY_LIMIT": "64MiB"}, nil, 0},
	} {
		cfg, _, err := Load("serve", c.args, env(c.env), nil)
		if err != nil || cfg.MemoryLimit != c.want {
			t.Errorf("env %v args %v: limit %d, %v; want %d", c.env, c.args, cfg.MemoryLimit, err, c.want)
		}
	}
	for _, bad := range []string{"80", "80MB", "-1MiB", "1KiB", "lots", "9999999999999GiB"} {
		if _, _, err := Load("serve", []string{"--memory-limit", bad}, env(nil), nil); err == nil {
			t.Errorf("--memory-limit %q accepted", bad)
		}
	}
}

func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want int
	}{
		{nil, nil, gcPercentUnderLimit}, // under the default limit
		{map[string]string{"GOMEMLIMIT": "200MiB"}, nil, gcPercentUnderLimit},
		// No limit: the ratio alone bounds the heap, Go's default stays.
		{nil, []string{"--memory-limit", "off"}, 0},
		{map[string]string{"GOMEMLIMIT": "off"}, nil, 0},
		// GOGC is Go's own setting and wins.
		{map[string]string{"GOGC": "100"}, nil, 0},
		{map[string]string{"GOGC": "50", "GOMEMLIMIT": "200MiB"}, nil, 0},
	} {
		cfg, _, err := Load("serve", c.args, env(c.env), nil)
		if err != nil || cfg.GCPercent != c.want {
			t.Errorf("env %v args %v: GC percent %d, %v; want %d", c.env, c.args, cfg.GCPercent, err, c.want)
		}
	}
}

func TestDBConns(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want int
	}{
		{nil, nil, 0}, // auto: the store's default
		{map[string]string{"ROSTER_DB_CONNS": "12"}, nil, 12},
		{map[string]string{"ROSTER_DB_CONNS": "12"}, []string{"--db-conns", "auto"}, 0},
		{nil, []string{"--db-conns", "1"}, 1},
	} {
		cfg, _, err := Load("serve", c.args, env(c.env), nil)
		if err != nil || cfg.DBConns != c.want {
			t.Errorf("env %v args %v: %d, %v; want %d", c.env, c.args, cfg.DBConns, err, c.want)
		}
	}
	for _, bad := range []string{"0", "-3", "many", "1001", "5.5"} {
		if _, _, err := Load("serve", []string{"--db-conns", bad}, env(nil), nil); err == nil {
			t.Errorf("--db-conns %q accepted", bad)
		}
	}
}

func TestAuthCacheTTL(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want time.Duration
	}{
		{nil, nil, time.Second}, // the documented default
		{map[string]string{"ROSTER_AUTH_CACHE_TTL": "250ms"}, nil, 250 * time.Millisecond},
		{nil, []string{"--auth-cache-ttl", "0"}, 0},
		{nil, []string{"--auth-cache-ttl", "1m"}, time.Minute},
	} {
		cfg, _, err := Load("serve", c.args, env(c.env), nil)
		if err != nil || cfg.AuthCacheTTL != c.want {
			t.Errorf("env %v args %v: ttl %v, %v; want %v", c.env, c.args, cfg.AuthCacheTTL, err, c.want)
		}
	}
	for _, bad := range []string{"-1s", "61s", "1h", "soon", ""} {
		if _, _, err := Load("serve", []string{"--auth-cache-ttl", bad}, env(nil), nil); err == nil {
			t.Errorf("--auth-cache-ttl %q accepted", bad)
		}
	}
}
