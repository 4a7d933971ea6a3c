package dockerconfig_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

const (
	user     = "ci"
	password = "s3cret-Pa55"
)

// fronts are the two ways registries ask for credentials.
var fronts = []struct {
	name string
	auth registrytest.Option
}{
	{name: "basic", auth: registrytest.WithBasicAuth(user, password)},
	{name: "bearer", auth: registrytest.WithBearerAuth(user, password)},
}

func newDir(t *testing.T) dockerconfig.Dir {
	t.Helper()
	d, err := dockerconfig.NewDir(filepath.Join(t.TempDir(), "docker"))
	require.NoError(t, err)
	return d
}

func server(t *testing.T, reg *registrytest.Registry) dockerconfig.Server {
	t.Helper()
	srv, err := dockerconfig.ParseServer(reg.Host)
	require.NoError(t, err)
	return srv
}

// auths reads the auths of config.json.
func auths(t *testing.T, d dockerconfig.Dir) map[string]map[string]string {
	t.Helper()
	data, err := os.ReadFile(d.File())
	require.NoError(t, err)
	var cf struct {
		Auths map[string]map[string]string `json:"auths"`
	}
	require.NoError(t, json.Unmarshal(data, &cf))
	return cf.Auths
}

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// pushSomething gives the registry a tag to list.
func pushSomething(t *testing.T, host string) {
	t.Helper()
	img, err := random.Image(16, 1)
	require.NoError(t, err)
	ref, err := name.ParseReference(host + "/shop:first")
	require.NoError(t, err)
	require.NoError(t, remote.Write(ref, img, remote.WithAuth(&authnBasic{user, password})))
}

func TestLogin(t *testing.T) {
	for _, front := range fronts {
		t.Run(front.name, func(t *testing.T) {
			reg := registrytest.New(t, front.auth)
			srv := server(t, reg)

			t.Run("wrong password writes nothing", func(t *testing.T) {
				d := newDir(t)
				_, err := dockerconfig.Login(context.Background(), d, srv, user, "wrong-"+password)
				require.ErrorIs(t, err, dockerconfig.ErrRefused)
				assert.ErrorContains(t, err, reg.Host+": wrong username or password (401 Unauthorized")
				assert.NotContains(t, err.Error(), password)
				assert.NoFileExists(t, d.File())
			})

			t.Run("unknown user writes nothing", func(t *testing.T) {
				d := newDir(t)
				_, err := dockerconfig.Login(context.Background(), d, srv, "nobody", password)
				require.ErrorIs(t, err, dockerconfig.ErrRefused)
				assert.NotContains(t, err.Error(), password)
				assert.NoFileExists(t, d.File())
			})

			t.Run("success stores the entry, mode 0600", func(t *testing.T) {
				d := newDir(t)
				where, err := dockerconfig.Login(context.Background(), d, srv, user, password)
				require.NoError(t, err)
				assert.Equal(t, d.File(), where)
				info, err := os.Stat(d.File())
				require.NoError(t, err)
				if runtime.GOOS != "windows" {
					assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
				}
				assert.Equal(t, map[string]map[string]string{reg.Host: {"auth": basicAuth(user, password)}}, auths(t, d))

				// A build reads them from that directory and can list tags.
				pushSomething(t, reg.Host)
				s, err := registry.New("shop", reg.Host+"/shop", registry.WithKeychain(d.Keychain()))
				require.NoError(t, err)
				tags, err := s.Tags(context.Background(), true)
				require.NoError(t, err)
				assert.Equal(t, []string{"first"}, tags)
				u, p, ok, err := s.Credentials(context.Background(), reg.Host)
				require.NoError(t, err)
				assert.True(t, ok)
				assert.Equal(t, []string{user, password}, []string{u, p}, "what the engine pushes with")
			})
		})
	}
}

func TestLoginNeedsUsernameAndPassword(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithBasicAuth(user, password))
	tests := []struct {
		name, user, password, err string
	}{
		{name: "token without username, as werf", password: password, err: "a username is needed (-u)"},
		{name: "no password", user: user, err: "a password or token is needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDir(t)
			_, err := dockerconfig.Login(context.Background(), d, server(t, reg), tt.user, tt.password)
			require.ErrorContains(t, err, reg.Host+": "+tt.err)
			assert.NotContains(t, err.Error(), password)
			assert.NoFileExists(t, d.File())
			assert.Empty(t, reg.Requests(), "nothing asked of the registry")
		})
	}
}

func TestLoginKeepsTheRestOfTheConfig(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithBasicAuth(user, password))
	d := newDir(t)
	require.NoError(t, os.MkdirAll(d.Path(), 0o700))
	other := basicAuth("someone", "else")
	require.NoError(t, os.WriteFile(d.File(), []byte(`{"auths":{"registry.example.com":{"auth":"`+other+`"}},"psFormat":"table {{.ID}}"}`), 0o600))

	_, err := dockerconfig.Login(context.Background(), d, server(t, reg), user, password)
	require.NoError(t, err)
	assert.Equal(t, map[string]map[string]string{
		"registry.example.com": {"auth": other},
		reg.Host:               {"auth": basicAuth(user, password)},
	}, auths(t, d))
	data, err := os.ReadFile(d.File())
	require.NoError(t, err)
	assert.Contains(t, string(data), `"psFormat": "table {{.ID}}"`)
}

func TestLogout(t *testing.T) {
	d := newDir(t)
	require.NoError(t, os.MkdirAll(d.Path(), 0o700))
	kept := basicAuth("someone", "else")
	require.NoError(t, os.WriteFile(d.File(), []byte(`{"auths":{
		"registry.example.com":{"auth":"`+kept+`"},
		"127.0.0.1:5000":{"auth":"`+basicAuth(user, password)+`"},
		"https://127.0.0.1:5000":{"auth":"`+basicAuth(user, password)+`"},
		"https://index.docker.io/v1/":{"auth":"`+kept+`"}}}`), 0o600))

	srv, err := dockerconfig.ParseServer("127.0.0.1:5000")
	require.NoError(t, err)
	found, err := dockerconfig.Logout(d, srv)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, map[string]map[string]string{
		"registry.example.com":        {"auth": kept},
		"https://index.docker.io/v1/": {"auth": kept},
	}, auths(t, d), "only that registry's entries go, under each key docker may have used")

	found, err = dockerconfig.Logout(d, srv)
	require.NoError(t, err)
	assert.False(t, found, "a second logout finds nothing")

	hub, err := dockerconfig.ParseServer("docker.io")
	require.NoError(t, err)
	found, err = dockerconfig.Logout(d, hub)
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, map[string]map[string]string{"registry.example.com": {"auth": kept}}, auths(t, d))
}

func TestLoginRemembersAnInsecureHost(t *testing.T) {
	reg := registrytest.New(t, registrytest.WithBasicAuth(user, password))
	hosts := dockerconfig.NewInsecureHosts(filepath.Join(t.TempDir(), dockerconfig.InsecureHostsFile))

	_, err := dockerconfig.Login(context.Background(), newDir(t), server(t, reg), user, "wrong", dockerconfig.WithInsecure(true), dockerconfig.WithInsecureHosts(hosts))
	require.ErrorIs(t, err, dockerconfig.ErrRefused)
	marked, err := hosts.List()
	require.NoError(t, err)
	assert.Empty(t, marked, "a refused login remembers nothing")

	_, err = dockerconfig.Login(context.Background(), newDir(t), server(t, reg), user, password, dockerconfig.WithInsecure(true), dockerconfig.WithInsecureHosts(hosts))
	require.NoError(t, err)
	marked, err = hosts.Select(reg.Host, "registry.example.com", "127.0.0.1:1")
	require.NoError(t, err)
	assert.Equal(t, []string{reg.Host}, marked, "that host, and no other")
}

// A refusal during a build names the registry and the credentials it was given.
func TestRefusalNamesTheCredentialSource(t *testing.T) {
	for _, front := range fronts {
		t.Run(front.name, func(t *testing.T) {
			reg := registrytest.New(t, front.auth)
			srv := server(t, reg)

			empty := newDir(t)
			wrong := newDir(t)
			_, err := wrong.Store(srv, user, "wrong-"+password)
			require.NoError(t, err)

			tests := []struct {
				name string
				opts []registry.Option
				want string
			}{
				{
					name: "anonymously",
					opts: []registry.Option{registry.WithKeychain(empty.Keychain())},
					want: "--repo " + reg.Host + "/shop: list tags: " + reg.Host + ": 401 Unauthorized anonymously (no credentials for " + reg.Host + " in " + empty.File() + "): ",
				},
				{
					name: "from the Docker config",
					opts: []registry.Option{registry.WithKeychain(wrong.Keychain())},
					want: "--repo " + reg.Host + "/shop: list tags: " + reg.Host + ": 401 Unauthorized with credentials from " + wrong.File() + ": ",
				},
				{
					name: "explicit ones first",
					opts: []registry.Option{registry.WithKeychain(empty.Keychain()), registry.WithCredentials(reg.Host, user, "wrong-"+password)},
					want: "--repo " + reg.Host + "/shop: list tags: " + reg.Host + ": 401 Unauthorized with the username and password given for " + reg.Host + ": ",
				},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					s, err := registry.New("shop", reg.Host+"/shop", tt.opts...)
					require.NoError(t, err)
					_, err = s.Tags(context.Background(), true)
					require.Error(t, err)
					assert.Contains(t, err.Error(), tt.want)
					assert.NotContains(t, err.Error(), password)
				})
			}
		})
	}
}
