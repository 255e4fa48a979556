package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// `vsekai-backup reload-on-change FILE PROGRAM PORT` runs beside a server in the same pod (the pod shares its
// process namespace) and sends SIGHUP to every process started as PROGRAM whenever FILE's content changes.
// The S3 gateway reloads its identities file on SIGHUP (weed/s3api/s3api_server.go, grace.OnReload), so a
// new key reaches a running gateway without a restart, and with no kept-alive connection cut by one.
//
// The content seen at start is taken as what the server loaded: the kubelet writes a Secret volume before
// any container of the pod starts and changes it only on a later sync. No signal is sent then, because
// a SIGHUP reaching weed before its handler is installed would end it.
//
// PORT serves /healthz for the kubelet: 200 while the watch loop runs, 503 once it has stalled.

const reloadInterval = 2 * time.Second

func fileDigest(path string) (string, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:]), nil
}

// processesStartedAs lists the pids under procRoot whose argv[0] is program.
func processesStartedAs(procRoot, program string) ([]int, error) {
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(procRoot, e.Name(), "cmdline"))
		if err != nil {
			continue // gone since the listing, or not ours to read
		}
		if argv0, _, _ := strings.Cut(string(cmdline), "\x00"); argv0 == program {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

func reloadOnChange(ctx context.Context, args []string) error {
	if len(args) != 3 {
		return errors.New("usage: vsekai-backup reload-on-change FILE PROGRAM PORT")
	}
	file, program := args[0], args[1]
	port, err := portArg(args[2])
	if err != nil {
		return err
	}
	seen, err := fileDigest(file)
	if err != nil {
		return fmt.Errorf("cannot read %s at start: %w", file, err)
	}
	fmt.Printf("watching %s (sha256 %.12s); a change sends SIGHUP to %s\n", file, seen, program)
	var lastTick atomic.Int64
	lastTick.Store(time.Now().UnixNano())
	health := http.NewServeMux()
	health.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if since := time.Since(time.Unix(0, lastTick.Load())); since > 5*reloadInterval {
			http.Error(w, fmt.Sprintf("the watch loop last ran %s ago", since.Round(time.Second)), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	server := &http.Server{Addr: fmt.Sprintf(":%d", port), Handler: health, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(os.Stderr, "health endpoint on :%d: %v\n", port, err)
			os.Exit(1)
		}
	}()
	defer server.Close()
	ticker := time.NewTicker(reloadInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		lastTick.Store(time.Now().UnixNano())
		now, err := fileDigest(file)
		if err != nil {
			// The kubelet swaps a Secret volume's files by renaming a directory link: a read can miss.
			fmt.Fprintf(os.Stderr, "reading %s: %v (trying again)\n", file, err)
			continue
		}
		if now == seen {
			continue
		}
		pids, err := processesStartedAs("/proc", program)
		if err != nil || len(pids) == 0 {
			fmt.Fprintf(os.Stderr, "%s changed but no %s process was found (%v); trying again\n", file, program, err)
			continue
		}
		for _, pid := range pids {
			if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
				fmt.Fprintf(os.Stderr, "SIGHUP to %s (pid %d): %v\n", program, pid, err)
			}
		}
		fmt.Printf("%s changed (sha256 %.12s -> %.12s): SIGHUP sent to %s, pids %v\n", file, seen, now, program, pids)
		seen = now
	}
}
