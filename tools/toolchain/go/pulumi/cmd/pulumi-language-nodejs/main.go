// Command pulumi-language-nodejs is vsekai-infra's own Node.js language host for the Pulumi engine.
//
// Pulumi publishes its Node.js language host as a separate Go module that the module proxy reachable here
// does not serve, so the toolchain builds this one instead. It implements the part of the LanguageRuntime
// gRPC service that running a Node.js program and a Node.js policy pack needs:
//
//   - Run: starts `node [nodeargs] @pulumi/pulumi/cmd/run ...` for `pulumi preview/up/destroy`;
//   - RunPlugin: starts `@pulumi/pulumi/cmd/run-policy-pack` (policy packs, `--policy-pack`) or
//     `@pulumi/pulumi/cmd/run-plugin` (Node.js provider plugins) and streams their output to the engine;
//   - GetPluginInfo, Handshake, GetRequiredPackages (empty: see there), Cancel.
//
// Everything else (templates, codegen, `pulumi install`) answers Unimplemented, which the engine reports as such.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitCodeAfterUserActionableMessage is what @pulumi/pulumi's run script exits with once it has already shown
// the user why the program failed; the engine must then stop without adding a generic error of its own.
const exitCodeAfterUserActionableMessage = 32

func main() {
	engineAddress := ""
	for _, arg := range os.Args[1:] {
		if arg == "--version" || arg == "-version" {
			fmt.Println(version.Version)
			return
		}
		// The engine passes its own address as the last positional argument; flags (tracing, logging) are
		// accepted and ignored so that a newer engine adding one does not break the host.
		if !strings.HasPrefix(arg, "-") {
			engineAddress = arg
		}
	}
	if engineAddress == "" {
		fmt.Fprintln(os.Stderr, "usage: pulumi-language-nodejs [flags] <engine-address>")
		os.Exit(2)
	}

	host := &nodeHost{engineAddress: engineAddress}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string

	mu      sync.Mutex
	running []*exec.Cmd
}

func (h *nodeHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPackages deliberately reports no packages. Pulumi's own host lists every provider SDK found in
// node_modules, after which the engine insists on installing each of them before the program starts, even
// those (like @pulumi/docker here) that a given stack never uses — and installing means downloading, which
// cannot work offline. With an empty list the engine loads a provider when the program first registers one
// of its resources, which is all a preview or update needs.
func (h *nodeHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

//nolint:staticcheck // GetRequiredPlugins is deprecated but older engines still call it.
func (h *nodeHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *nodeHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cmd := range h.running {
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}
	return &emptypb.Empty{}, nil
}

// Run executes the Pulumi program through @pulumi/pulumi's run script, passing what the engine asked for the
// way that script reads it: flags for the addresses and names, environment variables for config.
func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	programDir := info.GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runScript, err := resolveSdkScript(programDir, "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	options := runtimeOptions(info.GetOptions())

	args := append(options.nodeArgs, runScript)
	args = append(args,
		"--monitor="+req.GetMonitorAddress(),
		"--engine="+h.engineAddress,
		"--project="+req.GetProject(),
		"--stack="+req.GetStack(),
		"--pwd="+req.GetPwd(),
	)
	if req.GetOrganization() != "" {
		args = append(args, "--organization="+req.GetOrganization())
	}
	if info.GetRootDirectory() != "" {
		args = append(args, "--root-directory="+info.GetRootDirectory())
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel="+strconv.Itoa(int(req.GetParallel())))
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	entryPoint := info.GetEntryPoint()
	if entryPoint == "" {
		entryPoint = "."
	}
	args = append(args, entryPoint)
	args = append(args, req.GetArgs()...)

	// A stack without config must still give "{}": the SDK reads PULUMI_CONFIG with Object.keys(JSON.parse(...)).
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("encoding config secret keys: %w", err)
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(options.typescript),
	)
	if options.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+options.tsconfig)
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	// The engine shows the host's own output as the program's output.
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr

	code, err := h.runToExit(cmd)
	switch {
	case err != nil:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}, nil
	case code == 0:
		return &pulumirpc.RunResponse{}, nil
	case code == exitCodeAfterUserActionableMessage:
		return &pulumirpc.RunResponse{Bail: true}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", code)}, nil
	}
}

// RunPlugin runs a plugin written in Node.js — a policy pack (kind "analyzer") or a provider (kind
// "resource") — and streams its stdout/stderr to the engine, which reads the plugin's port from stdout.
func (h *nodeHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, stream grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	info := req.GetInfo()
	pluginDir := info.GetProgramDirectory()
	options := runtimeOptions(info.GetOptions())

	var script string
	var scriptArgs []string
	var err error
	switch req.GetKind() {
	case "analyzer":
		// run-policy-pack expects <engine-address> <policy-pack-directory>; the engine passes its address.
		script, err = resolveSdkScript(pluginDir, "run-policy-pack")
		scriptArgs = append(append([]string{}, req.GetArgs()...), pluginDir)
	case "resource", "converter", "tool":
		script, err = resolveSdkScript(pluginDir, "run-plugin")
		scriptArgs = append([]string{pluginDir}, req.GetArgs()...)
	default:
		return status.Errorf(codes.InvalidArgument, "unsupported plugin kind %q: expected analyzer, resource, "+
			"converter or tool", req.GetKind())
	}
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}

	args := append(options.nodeArgs, script)
	args = append(args, scriptArgs...)
	cmd := exec.CommandContext(stream.Context(), "node", args...)
	// A policy pack runs in its own directory, as Pulumi's policy launcher does, so that its relative paths
	// and node flags resolve there; other plugins run where the engine says.
	cmd.Dir = req.GetPwd()
	if cmd.Dir == "" || req.GetKind() == "analyzer" {
		cmd.Dir = pluginDir
	}
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(options.typescript))

	// gRPC streams allow one sender at a time; stdout and stderr are copied concurrently.
	var sendMu sync.Mutex
	send := func(msg *pulumirpc.RunPluginResponse) error {
		sendMu.Lock()
		defer sendMu.Unlock()
		return stream.Send(msg)
	}
	cmd.Stdout = streamWriter(func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	})
	cmd.Stderr = streamWriter(func(b []byte) error {
		return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	})

	code, err := h.runToExit(cmd)
	if err != nil {
		return status.Errorf(codes.Internal, "could not start node for %s plugin in %s: %v",
			req.GetKind(), pluginDir, err)
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

// runToExit starts cmd, keeps it cancellable, and returns its exit code (err only when it could not start).
func (h *nodeHost) runToExit(cmd *exec.Cmd) (int, error) {
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	h.mu.Lock()
	h.running = append(h.running, cmd)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, c := range h.running {
			if c == cmd {
				h.running = append(h.running[:i], h.running[i+1:]...)
				break
			}
		}
	}()

	err := cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), nil
	}
	if err != nil {
		return 1, nil
	}
	return 0, nil
}

type streamWriter func([]byte) error

func (w streamWriter) Write(p []byte) (int, error) {
	// The stream keeps the slice after Write returns, so hand it a copy.
	chunk := append([]byte(nil), p...)
	if err := w(chunk); err != nil {
		return 0, err
	}
	return len(p), nil
}

var _ io.Writer = streamWriter(nil)

type nodeOptions struct {
	typescript bool
	tsconfig   string
	nodeArgs   []string
}

// runtimeOptions reads the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml that matter for starting node.
func runtimeOptions(options *structpb.Struct) nodeOptions {
	result := nodeOptions{typescript: true}
	if options == nil {
		return result
	}
	fields := options.AsMap()
	if value, ok := fields["typescript"].(bool); ok {
		result.typescript = value
	}
	if value, ok := fields["tsconfig"].(string); ok {
		result.tsconfig = value
	}
	if value, ok := fields["nodeargs"].(string); ok {
		result.nodeArgs = strings.Fields(value)
	}
	return result
}

// resolveSdkScript finds @pulumi/pulumi/cmd/<name>/index.js the way Node resolves a package: in the
// node_modules of the directory itself or of the nearest ancestor that has it (npm workspaces hoist it).
func resolveSdkScript(fromDir, name string) (string, error) {
	dir, err := filepath.Abs(fromDir)
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, "node_modules", "@pulumi", "pulumi", "cmd", name, "index.js")
		if _, statErr := os.Stat(candidate); statErr == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("could not find @pulumi/pulumi/cmd/%s in a node_modules of %s or any parent "+
				"directory; run `npm ci` in the project first", name, fromDir)
		}
		dir = parent
	}
}
