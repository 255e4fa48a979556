package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// freePort asks the kernel for a loopback port nobody uses.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A process started under a path of the test's own, so only it matches: SIGHUP's default action ends it.
func startVictim(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	program := filepath.Join(t.TempDir(), "fake-weed")
	if err := os.Symlink(sleep, program); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(program, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd, program
}

func TestProcessesStartedAsFindsExactlyTheProgram(t *testing.T) {
	cmd, program := startVictim(t)
	pids, err := processesStartedAs("/proc", program)
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 1 || pids[0] != cmd.Process.Pid {
		t.Fatalf("want [%d], got %v", cmd.Process.Pid, pids)
	}
	if pids, _ := processesStartedAs("/proc", program+"-other"); len(pids) != 0 {
		t.Fatalf("another name matched: %v", pids)
	}
}

func TestReloadOnChangeSignalsOnlyOnAChange(t *testing.T) {
	cmd, program := startVictim(t)
	file := filepath.Join(t.TempDir(), "identities.json")
	if err := os.WriteFile(file, []byte(`{"identities":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- reloadOnChange(ctx, []string{file, program, fmt.Sprint(port)}) }()

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Unchanged for a few intervals: no signal.
	select {
	case err := <-exited:
		t.Fatalf("the program ended with the file unchanged: %v", err)
	case <-time.After(3 * reloadInterval):
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()

	if err := os.WriteFile(file, []byte(`{"identities":[{"name":"app"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		status, ok := err.(*exec.ExitError)
		if !ok || status.Sys().(syscall.WaitStatus).Signal() != syscall.SIGHUP {
			t.Fatalf("the program ended, but not by SIGHUP: %v", err)
		}
	case <-time.After(5 * reloadInterval):
		t.Fatal("no SIGHUP within five intervals of the change")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestReloadOnChangeRefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{{"f", "p"}, {"f", "p", "0"}, {"f", "p", "http"}} {
		if err := reloadOnChange(context.Background(), args); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	if err := reloadOnChange(context.Background(), []string{"/nonexistent/file", "/usr/bin/weed", "9329"}); err == nil {
		t.Error("a file that cannot be read was accepted")
	}
}

func TestProcessAgeReadsTheStartTime(t *testing.T) {
	cmd, _ := startVictim(t)
	age, err := processAge("/proc", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if age < -time.Second || age > 5*time.Second {
		t.Fatalf("a process started just now is %v old", age)
	}
	time.Sleep(1500 * time.Millisecond)
	later, err := processAge("/proc", cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if d := later - age; d < time.Second || d > 3*time.Second {
		t.Fatalf("1.5 s later the age grew by %v", d)
	}
}

func TestReloaderStartingBesideARunningProgramSignalsItOnce(t *testing.T) {
	cmd, program := startVictim(t)
	time.Sleep(minProcessAge + 500*time.Millisecond)
	file := filepath.Join(t.TempDir(), "identities.json")
	if err := os.WriteFile(file, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = reloadOnChange(ctx, []string{file, program, fmt.Sprint(freePort(t))}) }()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		status, ok := err.(*exec.ExitError)
		if !ok || status.Sys().(syscall.WaitStatus).Signal() != syscall.SIGHUP {
			t.Fatalf("the program ended, but not by SIGHUP: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("a program that was already running got no SIGHUP when the reloader started")
	}
}
