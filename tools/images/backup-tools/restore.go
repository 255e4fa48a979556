package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// `vsekai-backup restore` copies every object under a prefix of the backup target (what filer.backup
// wrote) into a bucket of the stack's own S3 gateway. It is idempotent: an object already in the
// destination with the same size is left alone, so a restore that was interrupted is simply run again.
// Every copied object is checked: the MD5 of the bytes read must equal the ETag the destination returns.
//
//	SOURCE_ENDPOINT, SOURCE_BUCKET, SOURCE_PREFIX, SOURCE_REGION, SOURCE_PATH_STYLE,
//	SOURCE_ACCESS_KEY_ID, SOURCE_SECRET_ACCESS_KEY, and the same with DEST_; CONCURRENCY (default 8).

// copyOne reads an object whole (backups hold avatars and worlds: megabytes, not gigabytes; a seekable
// body is what SigV4 needs over plain http) and writes it under the destination prefix.
func copyOne(ctx context.Context, from, to store, o object) error {
	got, err := from.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &from.bucket, Key: &o.key})
	if err != nil {
		return fmt.Errorf("get %s: %w", o.key, err)
	}
	body, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil {
		return fmt.Errorf("read %s: %w", o.key, err)
	}
	if int64(len(body)) != o.size {
		return fmt.Errorf("read %s: %d bytes, the listing said %d", o.key, len(body), o.size)
	}
	sum := md5.Sum(body)
	key := to.prefix + strings.TrimPrefix(o.key, from.prefix)
	put, err := to.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &to.bucket, Key: &key, Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if etag := strings.Trim(aws.ToString(put.ETag), `"`); etag != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("put %s: the destination's ETag %s is not the MD5 of the bytes sent (%x)", key, etag, sum)
	}
	return nil
}

func restore(ctx context.Context) error {
	from, err := storeFromEnv("SOURCE")
	if err != nil {
		return err
	}
	to, err := storeFromEnv("DEST")
	if err != nil {
		return err
	}
	concurrency := 8
	if v := env("CONCURRENCY"); v != "" {
		if concurrency, err = strconv.Atoi(v); err != nil || concurrency < 1 || concurrency > 64 {
			return fmt.Errorf("CONCURRENCY=%q is not allowed: expected a whole number from 1 to 64", v)
		}
	}
	started := time.Now()
	sources, err := from.list(ctx)
	if err != nil {
		return err
	}
	present, err := to.list(ctx)
	if err != nil {
		return err
	}
	have := make(map[string]int64, len(present))
	for _, o := range present {
		have[o.key] = o.size
	}
	var todo []object
	for _, o := range sources {
		if size, ok := have[to.prefix+strings.TrimPrefix(o.key, from.prefix)]; !ok || size != o.size {
			todo = append(todo, o)
		}
	}
	fmt.Printf("restore: %d objects under %s/%s, %d already in %s/%s, %d to copy (%d at a time)\n",
		len(sources), from.bucket, from.prefix, len(sources)-len(todo), to.bucket, to.prefix, len(todo), concurrency)

	var copied, copiedBytes atomic.Int64
	var mu sync.Mutex
	var failures []string
	work := make(chan object)
	var wg sync.WaitGroup
	for i := 0; i < concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				if err := copyOne(ctx, from, to, o); err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				copied.Add(1)
				copiedBytes.Add(o.size)
			}
		}()
	}
	for _, o := range todo {
		work <- o
	}
	close(work)
	wg.Wait()

	seconds := time.Since(started).Seconds()
	mb := float64(copiedBytes.Load()) / 1e6
	fmt.Printf("restore: copied %d objects (%.1f MB) in %.1f s (%.1f MB/s); %d failed\n",
		copied.Load(), mb, seconds, mb/max(seconds, 0.001), len(failures))
	for i, f := range failures {
		if i == 20 {
			fmt.Printf("restore: … and %d more failures\n", len(failures)-20)
			break
		}
		fmt.Println("restore: failed:", f)
	}
	if len(failures) > 0 {
		return errors.New("some objects were not restored (see above); run the restore again once the cause is fixed: it skips what is already there")
	}
	return nil
}
