// Command roster is Roster: the server (serve) and the operator's tools
// (migrate, org create, license set, token create, outbox list). Every
// command reads the same settings, so it acts on the database serve uses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"roster/internal/app"
	"roster/internal/config"
	"roster/internal/roster"
	"roster/internal/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `Roster — user management for communications platforms.

Usage:
  roster serve                                  run the server
  roster migrate                                bring the database schema up to date
  roster org create --name N --slug S --admin-email E [--plan P]
  roster license set --org S --type T --name N --quantity Q
  roster token create --org S --email E [--name N]
  roster outbox list [--org S] [--limit N]
  roster seed --org S [--users N] [--seed K]     add synthetic users (creates the org if missing)
  roster import --org S [--dry-run] [--invite] FILE.csv
  roster export --org S [--format csv|xlsx] [--out F] [--status a,b] [--role R] [--q Q]
  roster number add --org S [--label L] [--main] +14155550100
  roster number list --org S

Every command accepts the settings below as flags or ROSTER_* variables:
`

// run is main without the process: testable, and it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := strings.Join(firstWords(args, 2), " ")
	var rest []string
	switch {
	case len(args) >= 1 && (args[0] == "serve" || args[0] == "migrate" || args[0] == "seed" ||
		args[0] == "import" || args[0] == "export"):
		cmd, rest = args[0], args[1:]
	case len(args) >= 2:
		rest = args[2:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, stderr, getenv)
	case "migrate":
		err = migrate(ctx, rest, stdout, stderr, getenv)
	case "org create":
		err = orgCreate(ctx, rest, stdout, stderr, getenv)
	case "license set":
		err = licenseSet(ctx, rest, stdout, stderr, getenv)
	case "token create":
		err = tokenCreate(ctx, rest, stdout, stderr, getenv)
	case "outbox list":
		err = outboxList(ctx, rest, stdout, stderr, getenv)
	case "seed":
		err = seedUsers(ctx, rest, stdout, stderr, getenv)
	case "import":
		err = importUsers(ctx, rest, stdout, stderr, getenv)
	case "export":
		err = exportUsers(ctx, rest, stdout, stderr, getenv)
	case "number add":
		err = numberAdd(ctx, rest, stdout, stderr, getenv)
	case "number list":
		err = numberList(ctx, rest, stdout, stderr, getenv)
	default:
		fmt.Fprint(stderr, usage)
		for _, s := range config.Settings {
			fmt.Fprintf(stderr, "  --%-14s %-22s %s (default %q)\n", s.Flag, s.Env, s.Help, s.Default)
		}
		if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			return 0
		}
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "roster:", describe(err))
		if _, ok := err.(usageError); ok {
			return 2
		}
		return 1
	}
	return 0
}

func firstWords(args []string, n int) []string {
	if len(args) < n {
		return args
	}
	return args[:n]
}

// usageError is a mistake on the command line.
type usageError string

func (e usageError) Error() string { return string(e) }

// describe renders an error for a terminal, with its field errors.
func describe(err error) string {
	var re *roster.Error
	if !errors.As(err, &re) {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(re.Message)
	for _, f := range re.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// open loads the settings plus a command's own flags and opens Roster.
func open(ctx context.Context, name string, args []string, stderr io.Writer, getenv func(string) string,
	extra func(*flag.FlagSet)) (*app.App, error) {
	cfg, fs, err := config.Load(name, args, getenv, func(fs *flag.FlagSet) {
		fs.SetOutput(stderr)
		if extra != nil {
			extra(fs)
		}
	})
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return nil, usageError(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	}
	return app.Open(ctx, cfg, newLogger(cfg, stderr), app.Options{})
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	a, err := open(ctx, "serve", args, stderr, getenv, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Config.MemoryLimit > 0 {
		debug.SetMemoryLimit(a.Config.MemoryLimit)
	}
	if a.Config.GCPercent > 0 {
		debug.SetGCPercent(a.Config.GCPercent)
	}
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	if a.Config.DebugAddr != "" {
		stop, err := serveProfiler(a.Config.DebugAddr, a.Log)
		if err != nil {
			return err
		}
		defer stop()
	}
	return a.Serve(ctx, ln)
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	a, err := open(ctx, "migrate", args, stderr, getenv, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	applied, _, err := a.DB.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d (%s)\n", applied, a.DB.Dialect())
	return nil
}

// required returns a usage error naming the first empty flag.
func required(flags map[string]string) error {
	for name, v := range flags {
		if strings.TrimSpace(v) == "" {
			return usageError("--" + name + " is required")
		}
	}
	return nil
}

func orgCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var name, slug, email, plan, first, last string
	a, err := open(ctx, "org create", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "the org's display name")
		fs.StringVar(&slug, "slug", "", "short unique name used by the CLI and sign-in")
		fs.StringVar(&email, "admin-email", "", "email of the first admin")
		fs.StringVar(&first, "admin-first-name", "", "first name of the first admin")
		fs.StringVar(&last, "admin-last-name", "", "last name of the first admin")
		fs.StringVar(&plan, "plan", "standard", "trial, standard, professional or pro_plus")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := required(map[string]string{"name": name, "slug": slug, "admin-email": email}); err != nil {
		return err
	}
	org, admin, link, err := a.Service.CreateOrg(ctx, service.NewOrg{Name: name, Slug: slug, Plan: roster.Plan(plan),
		AdminEmail: email, AdminFirstName: first, AdminLastName: last})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created org %s (%s, plan %s) with admin %s.\n", org.Name, org.Slug, org.Plan, admin.Email)
	fmt.Fprintf(stdout, "One-time link for the admin to choose a password (valid until %s):\n%s\n",
		org.CreatedAt.Add(a.Config.InviteTTL).Format("2006-01-02 15:04 MST"), link)
	return nil
}

// orgID resolves --org (a slug) to the org's ID.
func orgID(ctx context.Context, a *app.App, slug string) (string, error) {
	if slug == "" {
		return "", usageError("--org is required")
	}
	org, err := a.Service.OrgBySlug(ctx, slug)
	if err != nil {
		if roster.ErrorKind(err) == roster.KindNotFound {
			return "", fmt.Errorf("no org with slug %q", slug)
		}
		return "", err
	}
	return org.ID, nil
}

func licenseSet(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var org, typ, name string
	quantity := -1
	a, err := open(ctx, "license set", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "org slug")
		fs.StringVar(&typ, "type", "", "license type key, e.g. power_dialer")
		fs.StringVar(&name, "name", "", "display name, e.g. \"Power Dialer\"")
		fs.IntVar(&quantity, "quantity", -1, "seats purchased")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := orgID(ctx, a, org)
	if err != nil {
		return err
	}
	if err := required(map[string]string{"type": typ}); err != nil {
		return err
	}
	if quantity < 0 {
		return usageError("--quantity is required")
	}
	if name == "" {
		// Keep the existing name when only the quantity changes.
		if pools, err := a.DB.Reader().LicensePools(ctx, id); err == nil {
			for _, p := range pools {
				if p.Type == typ {
					name = p.Name
				}
			}
		}
		if name == "" {
			return usageError("--name is required for a new license type")
		}
	}
	p, err := a.Service.SetLicensePool(ctx, id, typ, name, quantity)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%s): %d purchased, %d used, %d available\n", p.Name, p.Type, p.Purchased, p.Used, p.Available)
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var org, email, name string
	a, err := open(ctx, "token create", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "org slug")
		fs.StringVar(&email, "email", "", "email of the active user the token acts as")
		fs.StringVar(&name, "name", "cli", "a label for the token")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := orgID(ctx, a, org)
	if err != nil {
		return err
	}
	if err := required(map[string]string{"email": email}); err != nil {
		return err
	}
	token, err := a.Service.CreateAPIToken(ctx, service.Operator(id), email, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func outboxList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var org string
	var limit int
	a, err := open(ctx, "outbox list", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "org slug (default: every org)")
		fs.IntVar(&limit, "limit", 50, "how many emails, newest first")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	p := service.Operator("")
	if org != "" {
		if p.OrgID, err = orgID(ctx, a, org); err != nil {
			return err
		}
	}
	emails, err := a.Service.Outbox(ctx, p, limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CREATED\tSTATUS\tTO\tSUBJECT\tLINK")
	for _, e := range emails {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.CreatedAt.Format("2006-01-02 15:04:05"), e.Status, e.To, e.Subject, e.Link)
	}
	return tw.Flush()
}

// serveProfiler serves net/http/pprof on its own listener so that the
// profiler is never reachable through the public address.
func serveProfiler(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--debug-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiler listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}
