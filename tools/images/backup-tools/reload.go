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
// A SIGHUP that reaches weed before its handler is installed (during its Go init) would end it, so a
// process younger than minProcessAge is never signalled: the signal waits until it is old enough. At start
// the reloader signals every process old enough once, so a change made while the reloader itself was down
// (a restart of this container alone) is not missed; a weed that starts with the pod is younger than that
// and has just read the file itself.
//
// PORT serves /healthz for the kubelet: 200 while the watch loop runs, 503 once it has stalled.

const (
	reloadInterval = 2 * time.Second
	minProcessAge  = 2 * time.Second
	// USER_HZ, the unit of /proc/<pid>/stat's start time: 100 on every Linux architecture Kubernetes runs.
	clockTicksPerSecond = 100
)

// processAge is how long ago the process started, from /proc (its start time in clock ticks since boot).
func processAge(procRoot string, pid int) (time.Duration, error) {
	stat, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
	end := strings.LastIndexByte(string(stat), ')')
	if end < 0 {
		return 0, fmt.Errorf("pid %d: unreadable stat", pid)
	}
	fields := strings.Fields(string(stat)[end+1:])
	// starttime is field 22 of the whole line, so the 20th after the name (state is field 3).
	if len(fields) < 20 {
		return 0, fmt.Errorf("pid %d: stat has %d fields after the name", pid, len(fields))
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pid %d: start time %q: %w", pid, fields[19], err)
	}
	uptime, err := os.ReadFile(filepath.Join(procRoot, "uptime"))
	if err != nil {
		return 0, err
	}
	up, err := strconv.ParseFloat(strings.Fields(string(uptime))[0], 64)
	if err != nil {
		return 0, fmt.Errorf("uptime %q: %w", uptime, err)
	}
	return time.Duration((up - float64(ticks)/clockTicksPerSecond) * float64(time.Second)), nil
}

// signalAll sends SIGHUP to every process started as program, if all are old enough to have their handler;
// false (nothing sent) when there is none yet or one is too young, so the caller tries again.
func signalAll(program, why string) bool {
	pids, err := processesStartedAs("/proc", program)
	if err != nil || len(pids) == 0 {
		fmt.Fprintf(os.Stderr, "%s, but no %s process was found (%v); trying again\n", why, program, err)
		return false
	}
	for _, pid := range pids {
		if age, err := processAge("/proc", pid); err != nil || age < minProcessAge {
			fmt.Fprintf(os.Stderr, "%s, but %s (pid %d) has just started (%v, %v); trying again\n", why, program, pid, age, err)
			return false
		}
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
			fmt.Fprintf(os.Stderr, "SIGHUP to %s (pid %d): %v\n", program, pid, err)
		}
	}
	fmt.Printf("%s: SIGHUP sent to %s, pids %v\n", why, program, pids)
	return true
}

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
	// Once at start, to processes already running (see above); a young one read the file itself.
	if pids, err := processesStartedAs("/proc", program); err == nil {
		for _, pid := range pids {
			if age, err := processAge("/proc", pid); err == nil && age >= minProcessAge {
				signalAll(program, "the reloader started beside a running "+program)
				break
			}
		}
	}
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
		if signalAll(program, fmt.Sprintf("%s changed (sha256 %.12s -> %.12s)", file, seen, now)) {
			seen = now
		}
	}
}
