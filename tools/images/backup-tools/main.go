// vsekai-backup: vsekai-infra's own tools in the SeaweedFS image beside weed, first those of its backups.
//
//	vsekai-backup agent -- <filer.backup command…>   runs filer.backup and proves it works (agent.go)
//	vsekai-backup restore                            copies a backup back into a bucket (restore.go)
//	vsekai-backup reload-on-change FILE PROGRAM PORT SIGHUPs PROGRAM when FILE changes (reload.go)
//	vsekai-backup s3-keys-loaded FILE HOST PORT N    waits until every gateway accepts FILE's keys (keys.go)
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// portArg reads a PORT argument.
func portArg(v string) (int, error) {
	port, err := strconv.Atoi(v)
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("PORT=%q is not allowed: expected a port number from 1 to 65535", v)
	}
	return port, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: vsekai-backup agent -- <command…> | restore | reload-on-change FILE PROGRAM PORT | s3-keys-loaded FILE HOST PORT N")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "restore":
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Hour)
		defer cancel()
		err = restore(ctx)
	case "agent":
		err = agent(os.Args[2:])
	case "reload-on-change":
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		err = reloadOnChange(ctx, os.Args[2:])
	case "s3-keys-loaded":
		ctx, cancel := context.WithTimeout(context.Background(), keysDeadline)
		defer cancel()
		err = keysLoaded(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: expected agent, restore, reload-on-change or s3-keys-loaded", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vsekai-backup %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
