package dockerconfig

import (
	"fmt"
	"sync"

	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Keychain gives go-containerregistry the credentials of one Docker config
// directory as docker reads them: by repository, then by registry host, Docker
// Hub under DockerHubKey, through the credential helpers the config names; none
// is anonymous. Unlike authn.DefaultKeychain it reads the directory it is given
// (--docker-config, WERF_DOCKER_CONFIG), not only $DOCKER_CONFIG.
type Keychain struct {
	dir Dir

	once sync.Once
	cf   *configfile.ConfigFile
	err  error
}

// Keychain is the keychain of the directory (of the zero Dir: anonymous). config.json is read at the first
// lookup, once; credential helpers are asked at every lookup, so that short-lived
// tokens they hand out stay fresh.
func (d Dir) Keychain() *Keychain { return &Keychain{dir: d} }

func (k *Keychain) config() (*configfile.ConfigFile, error) {
	k.once.Do(func() {
		if k.dir.path == "" {
			k.cf = configfile.New("") // the zero Dir: no directory (no home), no credentials
			return
		}
		k.cf, k.err = k.dir.load()
	})
	return k.cf, k.err
}

// lookup returns the first non-empty credentials under keys and the key they
// were found under.
func (k *Keychain) lookup(keys ...string) (types.AuthConfig, string, error) {
	cf, err := k.config()
	if err != nil {
		return types.AuthConfig{}, "", err
	}
	var last string
	for _, key := range keys {
		if key == name.DefaultRegistry {
			key = DockerHubKey
		}
		last = key
		cfg, err := cf.GetAuthConfig(key)
		if err != nil {
			return types.AuthConfig{}, key, fmt.Errorf("credentials of %s from %s: %w", key, k.dir.where(cf, key), err)
		}
		cfg.ServerAddress = "" // set by every lookup; not part of the credentials
		if cfg != (types.AuthConfig{}) {
			return cfg, key, nil
		}
	}
	return types.AuthConfig{}, last, nil
}

// Resolve implements authn.Keychain.
func (k *Keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	cfg, _, err := k.lookup(r.String(), r.RegistryStr())
	if err != nil {
		return nil, err
	}
	if cfg == (types.AuthConfig{}) {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(authn.AuthConfig{
		Username:      cfg.Username,
		Password:      cfg.Password,
		Auth:          cfg.Auth,
		IdentityToken: cfg.IdentityToken,
		RegistryToken: cfg.RegistryToken,
	}), nil
}

// Describe says, for a message about a refused request, which credentials a
// registry host was given: "with credentials from …" or "anonymously (…)".
func (k *Keychain) Describe(host string) string {
	cf, err := k.config()
	if err != nil {
		return "with the Docker config " + k.dir.File() + ", which cannot be read"
	}
	if k.dir.path == "" {
		return "anonymously (no Docker config directory: no home directory, --docker-config or DOCKER_CONFIG)"
	}
	cfg, key, err := k.lookup(host)
	switch {
	case err != nil:
		return "with the credential helper of " + k.dir.File() + ", which failed"
	case cfg == (types.AuthConfig{}):
		return fmt.Sprintf("anonymously (no credentials for %s in %s)", host, k.dir.File())
	default:
		return "with credentials from " + k.dir.where(cf, key)
	}
}
