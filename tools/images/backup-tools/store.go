package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// One side of a copy or check: an S3-compatible store, a bucket and a key prefix, all from the
// environment under a name (SOURCE_, DEST_, TARGET_), so keys come from Secrets and never from arguments.

type store struct {
	side   string
	client *s3.Client
	bucket string
	prefix string
}

type object struct {
	key  string
	size int64
}

func env(name string) string { return strings.TrimSpace(os.Getenv(name)) }

func required(name string) (string, error) {
	v := env(name)
	if v == "" {
		return "", fmt.Errorf("%s is not set: it is required", name)
	}
	return v, nil
}

// normalPrefix turns "a/b", "/a/b/" and "" into "a/b/" and "": what keys under the prefix start with.
func normalPrefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

func storeFromEnv(side string) (store, error) {
	var s store
	endpoint, err := required(side + "_ENDPOINT")
	if err != nil {
		return s, err
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s, fmt.Errorf("%s_ENDPOINT=%q is not allowed: expected an http(s) URL such as https://s3.example.com", side, endpoint)
	}
	bucket, err := required(side + "_BUCKET")
	if err != nil {
		return s, err
	}
	keyID, err := required(side + "_ACCESS_KEY_ID")
	if err != nil {
		return s, err
	}
	secret, err := required(side + "_SECRET_ACCESS_KEY")
	if err != nil {
		return s, err
	}
	region := env(side + "_REGION")
	if region == "" {
		region = "us-east-1"
	}
	pathStyle := true
	if v := env(side + "_PATH_STYLE"); v != "" {
		pathStyle, err = strconv.ParseBool(v)
		if err != nil {
			return s, fmt.Errorf("%s_PATH_STYLE=%q is not allowed: expected true or false", side, v)
		}
	}
	client := s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(strings.TrimRight(endpoint, "/")),
		UsePathStyle: pathStyle,
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		// Checksums only where S3 requires them: S3-compatible stores differ in the newer trailing ones.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           5,
	})
	return store{side: strings.ToLower(side), client: client, bucket: bucket, prefix: normalPrefix(env(side + "_PREFIX"))}, nil
}

func (s store) list(ctx context.Context) ([]object, error) {
	var out []object
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: aws.String(s.prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s bucket %s prefix %q: %w", s.side, s.bucket, s.prefix, err)
		}
		for _, o := range page.Contents {
			if o.Key != nil && !strings.HasSuffix(*o.Key, "/") {
				out = append(out, object{key: *o.Key, size: aws.ToInt64(o.Size)})
			}
		}
	}
	return out, nil
}
