package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// `vsekai-backup agent -- /usr/bin/weed … filer.backup …` runs filer.backup as its child, starts it again
// when it exits, and proves that the backup works end to end with a canary: it writes the time into a
// file the filers hold (CANARY_URL: a file directly under /buckets, which S3 lists as no bucket), then
// reads filer.backup's copy of it from the target (TARGET_*, CANARY_KEY). When the copy carries that time,
// the backup has caught up with everything written before it: the wait is the backup's lag.
//
// HTTP on LISTEN (default :9328): /metrics (Prometheus text), /healthz (200 while the child runs or is
// being started again; 503 once it has been down for a minute), /readyz (200 once a canary came back).

type agentState struct {
	mu              sync.Mutex
	childRunning    bool
	childDownSince  time.Time
	childRestarts   int
	lastSuccess     time.Time
	lastLag         time.Duration
	canaryFailures  int
	canaryRoundTrip int
}

func (a *agentState) with(f func(*agentState)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f(a)
}

func durationEnv(name string, fallback time.Duration) (time.Duration, error) {
	v := env(name)
	if v == "" {
		return fallback, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not allowed: expected a positive duration such as 30s", name, v)
	}
	return d, nil
}

func agent(args []string) error {
	if len(args) < 2 || args[0] != "--" {
		return errors.New("usage: vsekai-backup agent -- <command…>")
	}
	command := args[1:]
	canaryURL, err := required("CANARY_URL")
	if err != nil {
		return err
	}
	canaryKey, err := required("CANARY_KEY")
	if err != nil {
		return err
	}
	target, err := storeFromEnv("TARGET")
	if err != nil {
		return err
	}
	interval, err := durationEnv("CANARY_INTERVAL", 30*time.Second)
	if err != nil {
		return err
	}
	patience, err := durationEnv("CANARY_TIMEOUT", 15*time.Minute)
	if err != nil {
		return err
	}
	listen := env("LISTEN")
	if listen == "" {
		listen = ":9328"
	}

	state := &agentState{childDownSince: time.Now()}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	server := &http.Server{Addr: listen, Handler: state.handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "vsekai-backup agent: http:", err)
			os.Exit(1)
		}
	}()
	go canaryLoop(ctx, state, canaryURL, target, canaryKey, interval, patience)
	superviseChild(ctx, state, command)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return server.Shutdown(shutdown)
}

// superviseChild runs the command until ctx ends, starting it again 2 s after each exit; on SIGTERM the
// child gets SIGTERM and up to 20 s to finish before it is killed.
func superviseChild(ctx context.Context, state *agentState, command []string) {
	for ctx.Err() == nil {
		cmd := exec.Command(command[0], command[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "vsekai-backup agent: start:", err)
		} else {
			state.with(func(a *agentState) { a.childRunning = true })
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				fmt.Fprintln(os.Stderr, "vsekai-backup agent: filer.backup exited:", err)
			case <-ctx.Done():
				_ = cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					_ = cmd.Process.Kill()
					<-done
				}
			}
			state.with(func(a *agentState) {
				a.childRunning = false
				a.childDownSince = time.Now()
				a.childRestarts++
			})
		}
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func canaryLoop(ctx context.Context, state *agentState, url string, target store, key string, interval, patience time.Duration) {
	client := &http.Client{Timeout: 10 * time.Second}
	for ctx.Err() == nil {
		started := time.Now()
		if err := roundTrip(ctx, client, url, target, key, started, patience); err != nil {
			fmt.Fprintln(os.Stderr, "vsekai-backup agent: canary:", err)
			state.with(func(a *agentState) { a.canaryFailures++ })
		} else {
			state.with(func(a *agentState) {
				a.lastSuccess = time.Now()
				a.lastLag = a.lastSuccess.Sub(started)
				a.canaryRoundTrip++
			})
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(started.Add(interval))):
		}
	}
}

// roundTrip writes `at` (Unix milliseconds) through the filer and waits until the target's copy says at
// least that, polling once a second for up to `patience`.
func roundTrip(ctx context.Context, client *http.Client, url string, target store, key string, at time.Time, patience time.Duration) error {
	stamp := strconv.FormatInt(at.UnixMilli(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, strings.NewReader(stamp))
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("write %s: %w", url, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode >= 300 {
		return fmt.Errorf("write %s: HTTP %d", url, res.StatusCode)
	}
	deadline := at.Add(patience)
	var last error
	for time.Now().Before(deadline) && ctx.Err() == nil {
		got, err := target.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &target.bucket, Key: &key})
		if err == nil {
			body, readErr := io.ReadAll(got.Body)
			got.Body.Close()
			seen, parseErr := strconv.ParseInt(string(bytes.TrimSpace(body)), 10, 64)
			if readErr == nil && parseErr == nil && seen >= at.UnixMilli() {
				return nil
			}
		} else {
			last = err
		}
		time.Sleep(time.Second)
	}
	if last != nil {
		return fmt.Errorf("no copy of %s in the target within %s (last error: %w)", stamp, patience, last)
	}
	return fmt.Errorf("no copy of %s in the target within %s", stamp, patience)
}

func (a *agentState) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		gauge := func(name, help string, value float64) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, value)
		}
		counter := func(name, help string, value int) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, value)
		}
		last := 0.0
		if !a.lastSuccess.IsZero() {
			last = float64(a.lastSuccess.UnixMilli()) / 1000
		}
		gauge("vsekai_backup_last_success_timestamp_seconds", "When a canary written through the filer last came back from the backup target (0: never since start).", last)
		gauge("vsekai_backup_lag_seconds", "How long the last successful canary took to reach the backup target.", a.lastLag.Seconds())
		running := 0.0
		if a.childRunning {
			running = 1
		}
		gauge("vsekai_backup_running", "1 while filer.backup runs.", running)
		counter("vsekai_backup_canary_successes_total", "Canaries that came back from the backup target.", a.canaryRoundTrip)
		counter("vsekai_backup_canary_failures_total", "Canaries that did not come back in time, or could not be written.", a.canaryFailures)
		counter("vsekai_backup_restarts_total", "Times filer.backup exited and was started again.", a.childRestarts)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		a.mu.Lock()
		down := !a.childRunning && time.Since(a.childDownSince) > time.Minute
		a.mu.Unlock()
		if down {
			http.Error(w, "filer.backup has not run for a minute", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		a.mu.Lock()
		never := a.lastSuccess.IsZero()
		a.mu.Unlock()
		if never {
			http.Error(w, "no canary has come back from the backup target yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}
