// Package app wires Roster together from a Config: database, service,
// API, mail worker and HTTP server. The CLI and the end-to-end tests both
// start Roster through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"roster/internal/api"
	"roster/internal/config"
	"roster/internal/jobs"
	"roster/internal/mail"
	"roster/internal/service"
	"roster/internal/store"
	"roster/internal/web"
)

// App is a wired Roster.
type App struct {
	Config  config.Config
	DB      *store.DB
	Service *service.Service
	API     *api.API
	Console *web.Console
	Metrics *api.Metrics
	Outbox  *jobs.OutboxWorker
	Sweeper *jobs.Sweeper
	Log     *slog.Logger
}

// Options tune an App for tests; zero values are production defaults.
type Options struct {
	Argon service.ArgonParams
	Now   func() time.Time
}

// Open opens and migrates the database and wires every part. Close it.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options) (*App, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	db.SetMaxConns(cfg.DBConns)
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	svc := service.New(service.Deps{
		Store: store.ServiceStore{DB: db},
		Config: service.Config{BaseURL: cfg.BaseURL, InviteTTL: cfg.InviteTTL, ResetTTL: cfg.ResetTTL,
			SessionTTL: cfg.SessionTTL, AuthCacheTTL: cfg.AuthCacheTTL, Argon: opt.Argon},
		Now: opt.Now, Logger: log,
	})
	a := &App{Config: cfg, DB: db, Service: svc, Log: log}
	var sender mail.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom); err != nil {
			db.Close()
			return nil, err
		}
	}
	a.Metrics = api.NewMetrics(func(ctx context.Context) (int, error) { return db.Reader().OutboxDepth(ctx) })
	a.Outbox = jobs.NewOutboxWorker(db, sender, jobs.Options{
		Now: opt.Now, Logger: log,
		OnSent: a.Metrics.EmailsSent.Inc, OnFailed: a.Metrics.EmailsFailed.Inc,
	})
	a.Sweeper = jobs.NewSweeper(db, jobs.SweepOptions{Now: opt.Now, Logger: log})
	a.API = api.New(api.Options{Service: svc, Logger: log, Metrics: a.Metrics, SecureCookies: cfg.SecureCookies,
		Ready: db.CheckSchema, Wake: a.Outbox.Wake})
	if a.Console, err = web.New(web.Options{Service: svc, API: a.API, Logger: log, Outbox: cfg.SMTPURL == "",
		SecureCookies: cfg.SecureCookies, Wake: a.Outbox.Wake}); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// Handler is the whole HTTP surface, behind cross-origin protection for
// every state-changing request.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	a.API.Register(mux)
	a.Console.Register(mux)
	return api.CrossOriginProtection(a.Log).Handler(mux)
}

// Serve serves HTTP on ln and runs the background workers until ctx is
// cancelled, then stops taking requests, lets in-flight ones finish (up
// to 20 s) and lets the mail worker finish the email it is sending.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	workers, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() { a.Outbox.Run(workers); done <- struct{}{} }()
	go func() { a.Sweeper.Run(workers); done <- struct{}{} }()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("roster listening", "addr", ln.Addr().String(), "database", a.DB.Dialect(), "base_url", a.Config.BaseURL,
		"smtp", a.Config.SMTPURL != "")
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		a.Log.Warn("shutdown did not finish in time", "err", err)
	}
	stopWorkers()
	<-done
	<-done
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	a.Log.Info("roster stopped")
	return nil
}
