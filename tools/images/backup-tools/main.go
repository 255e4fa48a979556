// vsekai-backup: the SeaweedFS side of vsekai-infra's backups, in the SeaweedFS image beside weed.
//
//	vsekai-backup agent -- <filer.backup command…>   runs filer.backup and proves it works (agent.go)
//	vsekai-backup restore                            copies a backup back into a bucket (restore.go)
package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: vsekai-backup agent -- <command…> | vsekai-backup restore")
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
	default:
		err = fmt.Errorf("unknown command %q: expected agent or restore", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "vsekai-backup %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
