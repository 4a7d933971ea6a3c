package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

const (
	crUser     = "ci"
	crPassword = "s3cret-Pa55"
)

// dagwerfIn runs one command line in-process with the given environment and stdin.
func dagwerfIn(t *testing.T, env map[string]string, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCommand(func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errOut)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintf(&errOut, "Error: %s\n", err)
		return out.String(), errOut.String(), 1
	}
	return out.String(), errOut.String(), 0
}

// configAuths reads the auths of the config.json in dir; nil when there is none.
func configAuths(t *testing.T, dir string) map[string]map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	var cf struct {
		Auths map[string]map[string]string `json:"auths"`
	}
	require.NoError(t, json.Unmarshal(data, &cf))
	return cf.Auths
}

func authOf(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func TestCRLoginAndLogout(t *testing.T) {
	t.Setenv("DAGWERF_HOME", t.TempDir())
	for _, front := range []struct {
		name string
		auth registrytest.Option
	}{
		{"basic", registrytest.WithBasicAuth(crUser, crPassword)},
		{"bearer", registrytest.WithBearerAuth(crUser, crPassword)},
	} {
		t.Run(front.name, func(t *testing.T) {
			reg := registrytest.New(t, front.auth)
			dir := t.TempDir()
			env := map[string]string{"DOCKER_CONFIG": dir}

			stdout, stderr, code := dagwerfIn(t, env, "wrong-"+crPassword+"\n", "cr", "login", "-u", crUser, "--password-stdin", reg.Host)
			assert.Equal(t, 1, code)
			assert.Contains(t, stderr, "Error: "+reg.Host+": wrong username or password (401 Unauthorized")
			assert.NotContains(t, stdout+stderr, crPassword)
			assert.Nil(t, configAuths(t, dir), "nothing written")

			require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{"registry.example.com":{"auth":"`+authOf("someone", "else")+`"}}}`), 0o600))
			stdout, stderr, code = dagwerfIn(t, env, crPassword+"\r\n", "cr", "login", "-u", crUser, "--password-stdin", reg.Host)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, "Logged in to "+reg.Host+"; credentials stored in "+filepath.Join(dir, "config.json")+"\n", stdout)
			assert.NotContains(t, stdout+stderr, crPassword)
			assert.Equal(t, map[string]map[string]string{
				"registry.example.com": {"auth": authOf("someone", "else")},
				reg.Host:               {"auth": authOf(crUser, crPassword)},
			}, configAuths(t, dir), "the line end is not part of the password")

			stdout, stderr, code = dagwerfIn(t, env, "", "cr", "logout", reg.Host)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, "Removed the credentials of "+reg.Host+" from "+filepath.Join(dir, "config.json")+"\n", stdout)
			assert.Equal(t, map[string]map[string]string{"registry.example.com": {"auth": authOf("someone", "else")}}, configAuths(t, dir))

			stdout, stderr, code = dagwerfIn(t, env, "", "cr", "logout", reg.Host)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, "No credentials of "+reg.Host+" in "+filepath.Join(dir, "config.json")+"\n", stdout)
		})
	}
}

func TestCRLoginNewConfigIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix file modes")
	}
	t.Setenv("DAGWERF_HOME", t.TempDir())
	reg := registrytest.New(t, registrytest.WithBasicAuth(crUser, crPassword))
	dir := filepath.Join(t.TempDir(), "new")
	_, stderr, code := dagwerfIn(t, nil, crPassword, "cr", "login", "-u", crUser, "--password-stdin", "--docker-config", dir, reg.Host)
	require.Equal(t, 0, code, stderr)
	info, err := os.Stat(filepath.Join(dir, "config.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestCRLoginPasswordSources(t *testing.T) {
	t.Setenv("DAGWERF_HOME", t.TempDir())
	reg := registrytest.New(t, registrytest.WithBasicAuth(crUser, crPassword))
	tests := []struct {
		name    string
		env     map[string]string
		stdin   string
		args    []string
		ok      bool
		stderr  string // contained
		warning bool
	}{
		{name: "stdin, first line only", stdin: crPassword + "\nsecond line\n", args: []string{"-u", crUser, "--password-stdin"}, ok: true},
		{name: "stdin without line end", stdin: crPassword, args: []string{"-u", crUser, "--password-stdin"}, ok: true},
		{name: "-p works and warns", args: []string{"-u", crUser, "-p", crPassword}, ok: true, warning: true},
		{name: "WERF_PASSWORD, WERF_USERNAME", env: map[string]string{"WERF_USERNAME": crUser, "WERF_PASSWORD": crPassword}, ok: true},
		{name: "WERF_PASSWORD_STDIN", env: map[string]string{"WERF_PASSWORD_STDIN": "true"}, stdin: crPassword + "\n", args: []string{"-u", crUser}, ok: true},
		{name: "a token without username, refused as by werf", args: []string{"-p", crPassword}, stderr: "Error: " + reg.Host + ": a username is needed (-u)", warning: true},
		{name: "-p and --password-stdin", stdin: crPassword, args: []string{"-u", crUser, "-p", crPassword, "--password-stdin"}, stderr: "Error: --password and --password-stdin exclude each other", warning: true},
		{name: "no password", args: []string{"-u", crUser}, stderr: "Error: " + reg.Host + ": a password or token is needed"},
		{name: "empty stdin", args: []string{"-u", crUser, "--password-stdin"}, stderr: "Error: " + reg.Host + ": a password or token is needed"},
		{name: "credentials in the address", args: []string{"-u", crUser, "--password-stdin", "https://" + crUser + ":" + crPassword + "@" + reg.Host}, stdin: crPassword, stderr: "Error: the registry address must not contain credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"DOCKER_CONFIG": dir}
			for k, v := range tt.env {
				env[k] = v
			}
			args := append([]string{"cr", "login"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "@") {
				args = append(args, reg.Host)
			}
			stdout, stderr, code := dagwerfIn(t, env, tt.stdin, args...)
			if tt.ok {
				require.Equal(t, 0, code, stderr)
				assert.Equal(t, map[string]map[string]string{reg.Host: {"auth": authOf(crUser, crPassword)}}, configAuths(t, dir))
			} else {
				assert.Equal(t, 1, code)
				assert.Contains(t, stderr, tt.stderr)
				assert.Nil(t, configAuths(t, dir))
			}
			assert.Equal(t, tt.warning, strings.Contains(stderr, "Warning: a password given with -p/--password shows in the process list and the shell history; use --password-stdin"), stderr)
			assert.NotContains(t, stdout+stderr, crPassword, "never echoed")
		})
	}
}

// --docker-config > WERF_DOCKER_CONFIG > DOCKER_CONFIG, as for werf.
func TestCRLoginDockerConfigPrecedence(t *testing.T) {
	t.Setenv("DAGWERF_HOME", t.TempDir())
	reg := registrytest.New(t, registrytest.WithBasicAuth(crUser, crPassword))
	tests := []struct {
		name string
		flag bool
		env  []string // of WERF_DOCKER_CONFIG, DOCKER_CONFIG
		want string   // which: flag, WERF_DOCKER_CONFIG, DOCKER_CONFIG
	}{
		{name: "flag first", flag: true, env: []string{"WERF_DOCKER_CONFIG", "DOCKER_CONFIG"}, want: "flag"},
		{name: "then WERF_DOCKER_CONFIG", env: []string{"WERF_DOCKER_CONFIG", "DOCKER_CONFIG"}, want: "WERF_DOCKER_CONFIG"},
		{name: "then DOCKER_CONFIG", env: []string{"DOCKER_CONFIG"}, want: "DOCKER_CONFIG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dirs := map[string]string{}
			env := map[string]string{}
			for _, k := range append([]string{"flag"}, tt.env...) {
				dirs[k] = t.TempDir()
				if k != "flag" {
					env[k] = dirs[k]
				}
			}
			args := []string{"cr", "login", "-u", crUser, "--password-stdin", reg.Host}
			if tt.flag {
				args = append(args, "--docker-config", dirs["flag"])
			}
			_, stderr, code := dagwerfIn(t, env, crPassword, args...)
			require.Equal(t, 0, code, stderr)
			for k, dir := range dirs {
				if k == tt.want {
					assert.NotNil(t, configAuths(t, dir), k)
				} else {
					assert.Nil(t, configAuths(t, dir), k)
				}
			}
		})
	}
}

func TestCRLoginRemembersAnInsecureRegistry(t *testing.T) {
	home := t.TempDir()
	t.Setenv("DAGWERF_HOME", home)
	reg := registrytest.New(t, registrytest.WithBasicAuth(crUser, crPassword))
	env := map[string]string{"DOCKER_CONFIG": t.TempDir()}

	_, _, code := dagwerfIn(t, env, "wrong", "cr", "login", "-u", crUser, "--password-stdin", "--insecure-registry", reg.Host)
	require.Equal(t, 1, code)
	assert.NoFileExists(t, filepath.Join(home, dockerconfig.InsecureHostsFile), "a refused login remembers nothing")

	stdout, stderr, code := dagwerfIn(t, env, crPassword, "cr", "login", "-u", crUser, "--password-stdin", "--insecure-registry", reg.Host)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, reg.Host+" is spoken to over plain HTTP from now on (remembered in "+filepath.Join(home, dockerconfig.InsecureHostsFile)+")")
	hosts, err := dockerconfig.NewInsecureHosts(filepath.Join(home, dockerconfig.InsecureHostsFile)).List()
	require.NoError(t, err)
	assert.Equal(t, []string{reg.Host}, hosts)
}

// plainHTTP stands for plain-HTTP registries on any host: https fails as it does
// against such a registry, http reaches the test registry.
type plainHTTP struct {
	target string
	mu     sync.Mutex
	seen   []string
}

func (p *plainHTTP) RoundTrip(req *http.Request) (*http.Response, error) {
	p.mu.Lock()
	p.seen = append(p.seen, req.URL.Scheme+"://"+req.URL.Host)
	p.mu.Unlock()
	if req.URL.Scheme == "https" {
		return nil, errors.New("http: server gave HTTP response to HTTPS client")
	}
	out := req.Clone(req.Context())
	out.URL.Host, out.Host = p.target, p.target
	return http.DefaultTransport.RoundTrip(out)
}

func (p *plainHTTP) saw(prefix string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.seen {
		if s == prefix {
			return true
		}
	}
	return false
}

// A host remembered as insecure is spoken to over plain HTTP by builds without
// the flag; no other host is.
func TestStorageUsesRememberedInsecureHostsOnly(t *testing.T) {
	home := t.TempDir()
	t.Setenv("DAGWERF_HOME", home)
	require.NoError(t, dockerconfig.NewInsecureHosts(filepath.Join(home, dockerconfig.InsecureHostsFile)).Add("insecure.test:5000"))
	reg := registrytest.New(t)

	tests := []struct {
		name string
		args []string
		host string
		ok   bool
	}{
		{name: "the remembered host", args: []string{"--repo", "insecure.test:5000/shop"}, host: "insecure.test:5000", ok: true},
		{name: "another port of it", args: []string{"--repo", "insecure.test:5001/shop"}, host: "insecure.test:5001"},
		{name: "another host", args: []string{"--repo", "other.test:5000/shop"}, host: "other.test:5000"},
		{name: "another host with the flag", args: []string{"--repo", "other.test:5000/shop", "--insecure-registry"}, host: "other.test:5000", ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			f := addStorageFlags(fs, &environment{lookup: func(string) (string, bool) { return "", false }}, nil, true)
			require.NoError(t, fs.Parse(append(tt.args, "--docker-config", t.TempDir(), "--synchronization", ":local")))
			tr := &plainHTTP{target: reg.Host}
			st, err := f.Open(&config.Config{Meta: config.Meta{Project: "shop"}}, io.Discard, registry.WithTransport(tr))
			require.NoError(t, err)
			defer st.Close()
			_, err = st.Tags(context.Background(), true)
			if tt.ok {
				require.NoError(t, err)
				assert.True(t, tr.saw("http://"+tt.host))
			} else {
				require.ErrorContains(t, err, "server gave HTTP response to HTTPS client")
				assert.False(t, tr.saw("http://"+tt.host), "never plain HTTP to a host nobody marked")
			}
		})
	}
}

// A build takes its credentials from the Docker config of --docker-config (or
// WERF_DOCKER_CONFIG), and a refusal says which credentials were tried.
func TestBuildWithCredentialsFromTheDockerConfig(t *testing.T) {
	t.Setenv("DAGWERF_HOME", t.TempDir())
	r := gittest.New(t)
	r.CommitFiles(buildProject)
	reg := registrytest.New(t)
	repo := reg.Host + "/shop"
	want := enginetest.Prefill(t, r.Dir, repo)
	reg.Inject(registrytest.RequireBasicAuth(crUser, crPassword))

	empty := t.TempDir()
	_, stderr, code := dagwerf(t, map[string]string{"DOCKER_CONFIG": empty}, "build", "--dir", r.Dir, "--repo", repo)
	require.Equal(t, 1, code)
	assert.Contains(t, stderr, "--repo "+repo+": list tags: "+reg.Host+": 401 Unauthorized anonymously (no credentials for "+reg.Host+" in "+filepath.Join(empty, "config.json")+"): ")

	dir := t.TempDir()
	_, stderr, code = dagwerfIn(t, nil, crPassword, "cr", "login", "-u", crUser, "--password-stdin", "--docker-config", dir, reg.Host)
	require.Equal(t, 0, code, stderr)

	for _, run := range []struct {
		env  map[string]string
		args []string
	}{
		{env: map[string]string{"DOCKER_CONFIG": empty}, args: []string{"--docker-config", dir}},
		{env: map[string]string{"DOCKER_CONFIG": empty, "WERF_DOCKER_CONFIG": dir}},
		{env: map[string]string{"DOCKER_CONFIG": dir}},
	} {
		stdout, stderr, code := dagwerf(t, run.env, append([]string{"build", "--dir", r.Dir, "--repo", repo}, run.args...)...)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "image app: "+want.Images["app"].DockerImageName+" (up to date)\n")
		assert.NotContains(t, stdout+stderr, crPassword)
	}

	// Wrong credentials in the config are named as the ones tried.
	wrong := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(wrong, "config.json"), []byte(`{"auths":{"`+reg.Host+`":{"auth":"`+authOf(crUser, "wrong-"+crPassword)+`"}}}`), 0o600))
	_, stderr, code = dagwerf(t, nil, "digest", "--dir", r.Dir, "--repo", repo, "--docker-config", wrong)
	require.Equal(t, 1, code)
	assert.Contains(t, stderr, reg.Host+": 401 Unauthorized with credentials from "+filepath.Join(wrong, "config.json")+": ")
	assert.NotContains(t, stderr, crPassword)
}
