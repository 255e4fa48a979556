package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestClassifyTellsLoadedFromNotLoaded(t *testing.T) {
	cases := []struct {
		err  error
		want verdict
	}{
		{nil, accepted},
		{&smithy.GenericAPIError{Code: "AccessDenied"}, accepted},
		{&smithy.GenericAPIError{Code: "InvalidAccessKeyId"}, notLoaded},
		{&smithy.GenericAPIError{Code: "SignatureDoesNotMatch"}, notLoaded},
		{&smithy.GenericAPIError{Code: "InternalError"}, noAnswer},
		{errors.New("dial tcp 10.0.0.1:8333: connect: connection refused"), noAnswer},
	}
	for _, c := range cases {
		if got, why := classify(c.err); got != c.want {
			t.Errorf("%v: got %d (%s), want %d", c.err, got, why, c.want)
		}
	}
}

func TestReadCredentialsNamesEachKeyWithoutShowingIt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "identities.json")
	content := `{"identities":[{"name":"app","credentials":[{"accessKey":"AKNEW","secretKey":"SNEW"},{"accessKey":"AKOLD","secretKey":"SOLD"}],"actions":["Read:uro"]},{"name":"revision","credentials":[{"accessKey":"REV1","secretKey":"RS"}],"actions":[]}]}`
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	creds, err := readCredentials(file)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range creds {
		names = append(names, c.ordinal)
		if strings.Contains(c.ordinal, c.accessKey) || strings.Contains(c.ordinal, c.secretKey) {
			t.Errorf("%q shows its key", c.ordinal)
		}
	}
	if got := strings.Join(names, ", "); got != "app key 1, app key 2, revision key 1" {
		t.Errorf("got %s", got)
	}
	if err := os.WriteFile(file, []byte(`{"identities":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readCredentials(file); err == nil || !strings.Contains(err.Error(), "lists no credential") {
		t.Errorf("an empty file: %v", err)
	}
}

func TestGatewayCountCountsPodsNotAddresses(t *testing.T) {
	cases := []struct {
		ips  []string
		want int
	}{
		{nil, 0},
		{[]string{"10.244.0.7", "10.244.0.8"}, 2},
		{[]string{"10.244.0.7", "fd00::7"}, 1},
		{[]string{"10.244.0.7", "10.244.0.8", "fd00::7", "fd00::8"}, 2},
		{[]string{"fd00::7", "fd00::8", "fd00::9"}, 3},
	}
	for _, c := range cases {
		if got := gatewayCount(c.ips); got != c.want {
			t.Errorf("%v: got %d, want %d", c.ips, got, c.want)
		}
	}
}

func TestUnknownKeysDiffer(t *testing.T) {
	a, b := unknownKey(), unknownKey()
	if a.accessKey == b.accessKey || a.secretKey == b.secretKey || a.accessKey == "" {
		t.Fatalf("%+v %+v", a, b)
	}
}
