package dockerconfig_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// authnBasic authenticates test pushes.
type authnBasic struct{ user, password string }

func (a *authnBasic) Authorization() (*authn.AuthConfig, error) {
	return &authn.AuthConfig{Username: a.user, Password: a.password}, nil
}

func TestKeychainResolve(t *testing.T) {
	d := newDir(t)
	require.NoError(t, os.MkdirAll(d.Path(), 0o700))
	require.NoError(t, os.WriteFile(d.File(), []byte(`{"auths":{
		"registry.example.com":{"auth":"`+basicAuth("host", "p1")+`"},
		"registry.example.com/special":{"auth":"`+basicAuth("repo", "p2")+`"},
		"https://index.docker.io/v1/":{"auth":"`+basicAuth("hub", "p3")+`"},
		"https://legacy.example.com":{"auth":"`+basicAuth("legacy", "p4")+`"}}}`), 0o600))
	k := d.Keychain()

	tests := []struct {
		repo string
		want *authn.AuthConfig // nil: anonymous
	}{
		{repo: "registry.example.com/app", want: &authn.AuthConfig{Username: "host", Password: "p1"}},
		{repo: "registry.example.com/special", want: &authn.AuthConfig{Username: "repo", Password: "p2"}},
		{repo: "docker.io/library/busybox", want: &authn.AuthConfig{Username: "hub", Password: "p3"}},
		{repo: "index.docker.io/library/busybox", want: &authn.AuthConfig{Username: "hub", Password: "p3"}},
		{repo: "legacy.example.com/app", want: &authn.AuthConfig{Username: "legacy", Password: "p4"}},
		{repo: "other.example.com/app"},
	}
	for _, tt := range tests {
		t.Run(tt.repo, func(t *testing.T) {
			repo, err := name.NewRepository(tt.repo)
			require.NoError(t, err)
			auth, err := k.Resolve(repo)
			require.NoError(t, err)
			if tt.want == nil {
				assert.Equal(t, authn.Anonymous, auth)
				return
			}
			cfg, err := auth.Authorization()
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg)
		})
	}
	assert.Equal(t, "with credentials from "+d.File(), k.Describe("registry.example.com"))
	assert.Equal(t, "anonymously (no credentials for other.example.com in "+d.File()+")", k.Describe("other.example.com"))
}

func TestKeychainOfABrokenConfig(t *testing.T) {
	d := newDir(t)
	require.NoError(t, os.MkdirAll(d.Path(), 0o700))
	require.NoError(t, os.WriteFile(d.File(), []byte(`{"auths":`), 0o600))
	repo, err := name.NewRepository("registry.example.com/app")
	require.NoError(t, err)
	_, err = d.Keychain().Resolve(repo)
	assert.ErrorContains(t, err, d.File())

	_, err = d.Store(dockerconfig.DockerHub, user, password)
	assert.ErrorContains(t, err, d.File(), "a config that cannot be read is not overwritten")
	data, err := os.ReadFile(d.File())
	require.NoError(t, err)
	assert.Equal(t, `{"auths":`, string(data))
}

// helperScript is a credential helper (docker-credential-helpers' protocol)
// keeping one entry in a file of $DAGWERF_TEST_HELPER_DIR.
const helperScript = `#!/bin/sh
f="$DAGWERF_TEST_HELPER_DIR/creds.json"
case "$1" in
store) cat > "$f" ;;
get|erase)
	read -r url || true
	if [ -f "$f" ] && grep -q "\"ServerURL\":\"$url\"" "$f"; then
		if [ "$1" = get ]; then cat "$f"; else rm "$f"; fi
	else
		echo "credentials not found in native keychain"; exit 1
	fi ;;
list) echo "{}" ;;
esac
`

// Credential helpers configured in the Docker config keep working: a login
// stores through them, builds read through them.
func TestCredentialHelper(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the test helper is a shell script")
	}
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "docker-credential-dagwerftest"), []byte(helperScript), 0o700))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	store := t.TempDir()
	t.Setenv("DAGWERF_TEST_HELPER_DIR", store)

	reg := registrytest.New(t, registrytest.WithBearerAuth(user, password))
	d := newDir(t)
	require.NoError(t, os.MkdirAll(d.Path(), 0o700))
	require.NoError(t, os.WriteFile(d.File(), []byte(`{"credsStore":"dagwerftest"}`), 0o600))

	where, err := dockerconfig.Login(context.Background(), d, server(t, reg), user, password)
	require.NoError(t, err)
	assert.Equal(t, "docker-credential-dagwerftest (the credential helper of "+d.File()+")", where)
	data, err := os.ReadFile(d.File())
	require.NoError(t, err)
	assert.NotContains(t, string(data), password, "the password went to the helper, not the file")
	kept, err := os.ReadFile(filepath.Join(store, "creds.json"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(kept), password))

	pushSomething(t, reg.Host)
	k := d.Keychain()
	s, err := registry.New("shop", reg.Host+"/shop", registry.WithKeychain(k))
	require.NoError(t, err)
	tags, err := s.Tags(context.Background(), true)
	require.NoError(t, err)
	assert.Equal(t, []string{"first"}, tags)
	assert.Equal(t, "with credentials from docker-credential-dagwerftest (the credential helper of "+d.File()+")", k.Describe(reg.Host))

	found, err := dockerconfig.Logout(d, server(t, reg))
	require.NoError(t, err)
	assert.True(t, found)
	assert.NoFileExists(t, filepath.Join(store, "creds.json"))
	found, err = dockerconfig.Logout(d, server(t, reg))
	require.NoError(t, err, "a helper that knows nothing of the registry is not a failure")
	assert.False(t, found)
}

// Without a directory (no home to find ~/.docker in), builds go anonymously.
func TestKeychainOfNoDirectory(t *testing.T) {
	k := dockerconfig.Dir{}.Keychain()
	repo, err := name.NewRepository("registry.example.com/app")
	require.NoError(t, err)
	auth, err := k.Resolve(repo)
	require.NoError(t, err)
	assert.Equal(t, authn.Anonymous, auth)
	assert.Contains(t, k.Describe("registry.example.com"), "anonymously (no Docker config directory")
}
