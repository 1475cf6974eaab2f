// Command ferretdb runs FerretDB, a MongoDB wire-protocol server, on the
// SQLite backend as one local process, so tickpipe needs neither Docker nor
// MongoDB.
//
// It embeds the github.com/FerretDB/FerretDB/ferretdb package because a plain
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb` build panics at start
// for want of the generated build/version/version.txt (FerretDB issue 2982).
//
// Usage:
//
//	ferretdb [-listen-addr 127.0.0.1:27017] [-sqlite-dir .data/ferretdb] [-log-level info]
//
// Each database is one SQLite file in the -sqlite-dir directory, which is
// created if missing. SIGINT or SIGTERM closes the listener, gives client
// connections up to 3s, closes the databases and exits with status 0; a
// second signal ends the process at once.
package main

import (
	"context"
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
	sqliteDir := flag.String("sqlite-dir", ".data/ferretdb", "`directory` holding one SQLite file per database")
	logLevel := flag.String("log-level", "info", "log `level`: debug, info, warn or error")
	flag.Parse()

	if err := run(*listenAddr, *sqliteDir, *logLevel); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %s\n", err)
		os.Exit(1)
	}
}

// run starts FerretDB and blocks until SIGINT or SIGTERM.
func run(listenAddr, sqliteDir, logLevel string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// FerretDB gives open connections 3s to finish; a second signal kills at once.
	context.AfterFunc(ctx, stop)

	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid -log-level %q: use debug, info, warn or error", logLevel)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dir, err := filepath.Abs(sqliteDir)
	if err != nil {
		return fmt.Errorf("invalid -sqlite-dir %q: %w", sqliteDir, err)
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create -sqlite-dir %q: %w", dir, err)
	}

	// The SQLite backend wants a "file:" URI naming a directory (trailing slash).
	sqliteURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()

	logger.Info("Starting FerretDB", "listen_addr", listenAddr, "sqlite_dir", dir)
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listenAddr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return fmt.Errorf("cannot start on %q with data in %q: %w", listenAddr, dir, err)
	}

	if err = f.Run(ctx); err != nil {
		return err
	}
	logger.Info("FerretDB stopped")

	return nil
}
