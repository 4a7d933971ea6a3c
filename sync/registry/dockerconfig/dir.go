package dockerconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/types"
)

// Dir is a Docker config directory: config.json and the credential helpers it
// names (credsStore, credHelpers).
type Dir struct{ path string }

// NewDir is the Docker config directory at path; "" is ~/.docker, docker's own
// default when neither --docker-config nor DOCKER_CONFIG says otherwise.
func NewDir(path string) (Dir, error) {
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Dir{}, fmt.Errorf("no Docker config directory: give --docker-config or set DOCKER_CONFIG (%w)", err)
		}
		path = filepath.Join(home, ".docker")
	}
	return Dir{path: path}, nil
}

// Path is the directory.
func (d Dir) Path() string { return d.path }

// File is its config.json.
func (d Dir) File() string { return filepath.Join(d.path, config.ConfigFileName) }

// load reads config.json; a missing file is an empty config, as for docker.
func (d Dir) load() (*configfile.ConfigFile, error) {
	if d.path == "" {
		return nil, errors.New("no Docker config directory")
	}
	cf, err := config.Load(d.path)
	if err != nil {
		return nil, fmt.Errorf("read the Docker config %s: %w", d.File(), err)
	}
	return cf, nil
}

// helper is the credential helper that keeps a key's credentials, "" for
// config.json itself: credHelpers first, then credsStore, as docker chooses.
func helper(cf *configfile.ConfigFile, key string) string {
	if h, ok := cf.CredentialHelpers[key]; ok {
		return h
	}
	return cf.CredentialsStore
}

// where names the place a key's credentials are kept, for messages.
func (d Dir) where(cf *configfile.ConfigFile, key string) string {
	if h := helper(cf, key); h != "" {
		return "docker-credential-" + h + " (the credential helper of " + d.File() + ")"
	}
	return d.File()
}

// Store keeps a server's credentials where docker login would: in its credential
// helper, else in config.json (created with mode 0600). It returns where they
// went, for messages.
func (d Dir) Store(srv Server, username, password string) (string, error) {
	cf, err := d.load()
	if err != nil {
		return "", err
	}
	where := d.where(cf, srv.Key)
	auth := types.AuthConfig{ServerAddress: srv.Key, Username: username, Password: password}
	if err := cf.GetCredentialsStore(srv.Key).Store(auth); err != nil {
		return "", fmt.Errorf("store the credentials of %s in %s: %w", srv.Host, where, err)
	}
	return where, nil
}

// helperNotFound is the message credential helpers agree on for a key they do
// not keep (docker-credential-helpers passes it on only as text).
const helperNotFound = "credentials not found"

// Erase removes a server's credentials from the config and its credential
// helper, under every key docker may have written them with; other registries'
// entries stay. found is false when there was nothing to remove.
func (d Dir) Erase(srv Server) (found bool, err error) {
	cf, err := d.load()
	if err != nil {
		return false, err
	}
	keys := []string{srv.Key, "https://" + srv.Host, "http://" + srv.Host}
	if srv.Key == DockerHubKey {
		keys = append([]string{DockerHubKey}, dockerHubHosts...) // werf writes Docker Hub as index.docker.io
	}
	var errs []error
	erased := 0
	for _, key := range keys {
		_, inFile := cf.GetAuthConfigs()[key]
		h := helper(cf, key)
		if !inFile && h == "" {
			continue
		}
		err := cf.GetCredentialsStore(key).Erase(key)
		switch {
		case err == nil:
			erased++
			found = true
		case h != "" && strings.Contains(err.Error(), helperNotFound):
			// the helper keeps nothing under this key: nothing to remove
		default:
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	// As docker logout: only when every removal failed is the logout a failure.
	if erased == 0 && len(errs) > 0 {
		return false, fmt.Errorf("erase the credentials of %s from %s: %w", srv.Host, d.where(cf, srv.Key), errors.Join(errs...))
	}
	return found, nil
}
