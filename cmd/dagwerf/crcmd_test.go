package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/test/enginetest"
	"github.com/dagwerf/dagwerf/test/gittest"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

const (
	crUser     = "ci"
	crPassword = "s3cret-Pa55"
)

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
	reg := registrytest.New(t, registrytest.WithBasicAuth(crUser, crPassword))
	dir := filepath.Join(t.TempDir(), "new")
	_, stderr, code := dagwerfIn(t, nil, crPassword, "cr", "login", "-u", crUser, "--password-stdin", "--docker-config", dir, reg.Host)
	require.Equal(t, 0, code, stderr)
	info, err := os.Stat(filepath.Join(dir, "config.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestCRLoginPasswordSources(t *testing.T) {
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
	reg := registrytest.New(t, registrytest.WithBasicAuth(crUser, crPassword))
	env := map[string]string{"DOCKER_CONFIG": t.TempDir(), "DAGWERF_HOME": home}

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

// A build takes its credentials from the Docker config of --docker-config (or
// WERF_DOCKER_CONFIG), and a refusal says which credentials were tried.
func TestBuildWithCredentialsFromTheDockerConfig(t *testing.T) {
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
