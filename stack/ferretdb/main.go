// Command ferretdb runs FerretDB, a MongoDB wire-protocol server, as one local
// process, so tickpipe needs neither Docker nor MongoDB. Its default backend is
// PostgreSQL (a table per collection, a unique index behind _id, real indexes
// for createIndexes); the SQLite backend is kept only to read data written by
// earlier tickpipe versions (task mongo:migrate).
//
// It embeds the github.com/FerretDB/FerretDB/ferretdb package because a plain
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb` build panics at start
// for want of the generated build/version/version.txt (FerretDB issue 2982).
//
// Usage:
//
//	FERRETDB_POSTGRESQL_URL=postgres://user:password@127.0.0.1:5433/postgres \
//	  ferretdb [-listen-addr 127.0.0.1:27017] [-log-level info]
//	ferretdb -handler sqlite [-sqlite-dir .data/ferretdb] [-listen-addr 127.0.0.1:27018]
//
// The PostgreSQL URL comes from the environment so that its password never
// shows in a process list. SIGINT or SIGTERM closes the listener, gives client
// connections up to 3s, closes the backend and exits with status 0; a second
// signal ends the process at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP `address` to listen on")
	handler := flag.String("handler", "postgresql", "backend: `postgresql` (URL in $FERRETDB_POSTGRESQL_URL) or sqlite")
	sqliteDir := flag.String("sqlite-dir", ".data/ferretdb", "`directory` holding one SQLite file per database (-handler sqlite)")
	logLevel := flag.String("log-level", "info", "log `level`: debug, info, warn or error")
	flag.Parse()

	if err := run(*listenAddr, *handler, *sqliteDir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %s\n", err)
		os.Exit(1)
	}
}

// backendConfig fills the backend part of cfg for handler.
func backendConfig(cfg *ferretdb.Config, handler, sqliteDir string) (string, error) {
	switch handler {
	case "postgresql":
		pgURL := os.Getenv("FERRETDB_POSTGRESQL_URL")
		if pgURL == "" {
			return "", errors.New("FERRETDB_POSTGRESQL_URL is not set; set it to postgres://user:password@host:port/database")
		}
		u, err := url.Parse(pgURL)
		if err != nil {
			return "", fmt.Errorf("FERRETDB_POSTGRESQL_URL is not a URL (%s); set it to postgres://user:password@host:port/database", err)
		}
		cfg.PostgreSQLURL = pgURL
		return u.Redacted(), nil
	case "sqlite":
		dir, err := filepath.Abs(sqliteDir)
		if err != nil {
			return "", fmt.Errorf("invalid -sqlite-dir %q: %w", sqliteDir, err)
		}
		if err = os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("cannot create -sqlite-dir %q: %w", dir, err)
		}
		// The SQLite backend wants a "file:" URI naming a directory (trailing slash).
		cfg.SQLiteURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()
		return dir, nil
	default:
		return "", fmt.Errorf("invalid -handler %q: use postgresql or sqlite", handler)
	}
}

// run starts FerretDB and blocks until SIGINT or SIGTERM.
func run(listenAddr, handler, sqliteDir, logLevel string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// FerretDB gives open connections 3s to finish; a second signal kills at once.
	context.AfterFunc(ctx, stop)

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: use debug, info, warn or error", logLevel)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg := &ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: listenAddr}, Logger: logger, Handler: handler}
	where, err := backendConfig(cfg, handler, sqliteDir)
	if err != nil {
		return err
	}

	logger.Info("Starting FerretDB", "listen_addr", listenAddr, "handler", handler, "backend", where)
	f, err := ferretdb.New(cfg)
	if err != nil {
		return fmt.Errorf("cannot start on %q with the %s backend at %s: %w", listenAddr, handler, where, err)
	}

	if err = f.Run(ctx); err != nil {
		return err
	}
	logger.Info("FerretDB stopped")

	return nil
}
