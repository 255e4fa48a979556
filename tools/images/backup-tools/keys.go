package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// `vsekai-backup s3-keys-loaded FILE HOST PORT GATEWAYS` passes once every S3 gateway behind HOST (a
// headless Service: one address per ready gateway, at least GATEWAYS of them) accepts every credential in
// the identities file FILE. The file carries a revision credential derived from the rest of its content
// (components/seaweedfs/identities.ts), so a gateway that accepts it has loaded this very file, and has
// dropped any key the file no longer lists. The stack hands the app new keys only after this passes.
//
// A credential is accepted when a signed ListBuckets is answered (200, or AccessDenied for an identity
// allowed nothing); InvalidAccessKeyId and SignatureDoesNotMatch mean the gateway has not loaded it yet.
// A key no file lists must get InvalidAccessKeyId from every gateway, or acceptance proves nothing (a
// gateway with authentication off accepts anything).

const (
	// The kubelet refreshes a mounted Secret on its periodic pod sync (about a minute, plus jitter).
	keysDeadline       = 8 * time.Minute
	keysRoundPause     = 3 * time.Second
	keysRequestTimeout = 5 * time.Second
)

type identitiesFile struct {
	Identities []struct {
		Name        string `json:"name"`
		Credentials []struct {
			AccessKey string `json:"accessKey"`
			SecretKey string `json:"secretKey"`
		} `json:"credentials"`
	} `json:"identities"`
}

// credential is one key pair of the file; ordinal ("app key 2") names it in logs, which never show a key.
type credential struct{ ordinal, accessKey, secretKey string }

func readCredentials(path string) ([]credential, error) {
	content, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f identitiesFile
	if err := json.Unmarshal(content, &f); err != nil {
		return nil, fmt.Errorf("%s is not an identities file: %w", path, err)
	}
	var creds []credential
	for _, i := range f.Identities {
		for n, c := range i.Credentials {
			ordinal := fmt.Sprintf("%s key %d", i.Name, n+1)
			creds = append(creds, credential{ordinal: ordinal, accessKey: c.AccessKey, secretKey: c.SecretKey})
		}
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("%s lists no credential", path)
	}
	return creds, nil
}

// verdict classifies a signed request's outcome: accepted, not (yet) loaded, or no answer at all.
type verdict int

const (
	accepted verdict = iota
	notLoaded
	noAnswer
)

func classify(err error) (verdict, string) {
	if err == nil {
		return accepted, "ok"
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied":
			return accepted, "AccessDenied"
		case "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return notLoaded, api.ErrorCode()
		}
		return noAnswer, api.ErrorCode()
	}
	return noAnswer, err.Error()
}

// unknownKey is a key pair no identities file lists.
func unknownKey() credential {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return credential{ordinal: "a key no file lists", accessKey: "UNKNOWN" + strings.ToUpper(hex.EncodeToString(b[:6])), secretKey: hex.EncodeToString(b)}
}

func signedListBuckets(ctx context.Context, httpClient *http.Client, ip string, port int, c credential) error {
	client := s3.New(s3.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String("http://" + net.JoinHostPort(ip, strconv.Itoa(port))),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider(c.accessKey, c.secretKey, ""),
		RetryMaxAttempts: 1,
		HTTPClient:       httpClient,
	})
	reqCtx, cancel := context.WithTimeout(ctx, keysRequestTimeout)
	defer cancel()
	_, err := client.ListBuckets(reqCtx, &s3.ListBucketsInput{})
	return err
}

func checkGateway(ctx context.Context, httpClient *http.Client, ip string, port int, creds []credential) (int, []string) {
	ok := 0
	var missing []string
	unknown := unknownKey()
	var api smithy.APIError
	if err := signedListBuckets(ctx, httpClient, ip, port, unknown); !errors.As(err, &api) || api.ErrorCode() != "InvalidAccessKeyId" {
		_, why := classify(err)
		missing = append(missing, fmt.Sprintf("%s was not refused as unknown (%s)", unknown.ordinal, why))
	}
	for _, c := range creds {
		v, why := classify(signedListBuckets(ctx, httpClient, ip, port, c))
		if v == accepted {
			ok++
			continue
		}
		missing = append(missing, c.ordinal+" "+why)
	}
	return ok, missing
}

func keysLoaded(ctx context.Context, args []string) error {
	if len(args) != 4 {
		return errors.New("usage: vsekai-backup s3-keys-loaded FILE HOST PORT GATEWAYS")
	}
	file, host := args[0], args[1]
	port, err := portArg(args[2])
	if err != nil {
		return err
	}
	want, err := strconv.Atoi(args[3])
	if err != nil || want < 1 {
		return fmt.Errorf("GATEWAYS=%q is not allowed: expected a count of at least 1", args[3])
	}
	creds, err := readCredentials(file)
	if err != nil {
		return err
	}
	last := ""
	for round := 1; ; round++ {
		status, done := keysRound(ctx, host, port, want, creds)
		if status != last {
			fmt.Printf("round %d: %s\n", round, status)
			last = status
		}
		if done {
			fmt.Printf("every gateway accepts all %d credentials of %s\n", len(creds), file)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting for the gateways to load %s: %s", file, status)
		case <-time.After(keysRoundPause):
		}
	}
}

// gatewayCount is how many pods the addresses stand for: on a dual-stack Service each pod has one of
// each family, so it is the larger family's count.
func gatewayCount(ips []string) int {
	v4, v6 := 0, 0
	for _, ip := range ips {
		if parsed := net.ParseIP(ip); parsed != nil && parsed.To4() != nil {
			v4++
		} else {
			v6++
		}
	}
	return max(v4, v6)
}

func keysRound(ctx context.Context, host string, port, want int, creds []credential) (string, bool) {
	ips, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return fmt.Sprintf("no gateway address from %s yet (%v)", host, err), false
	}
	sort.Strings(ips)
	// One client per round, its idle connections closed at the end, so rounds leave none open.
	httpClient := &http.Client{Timeout: keysRequestTimeout}
	defer httpClient.CloseIdleConnections()
	var parts []string
	ready := gatewayCount(ips)
	done := ready >= want
	for _, ip := range ips {
		ok, missing := checkGateway(ctx, httpClient, ip, port, creds)
		if len(missing) > 0 {
			done = false
			parts = append(parts, fmt.Sprintf("%s accepts %d/%d (%s)", ip, ok, len(creds), strings.Join(missing, "; ")))
		} else {
			parts = append(parts, fmt.Sprintf("%s accepts %d/%d", ip, ok, len(creds)))
		}
	}
	if ready < want {
		parts = append(parts, fmt.Sprintf("%d of %d gateways ready", ready, want))
	}
	return strings.Join(parts, ", "), done
}
