package dockerconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// InsecureHostsFile is the file, in dagwerf's home directory, of the registry
// hosts that `cr login --insecure-registry` marked as plain HTTP.
const InsecureHostsFile = "insecure-registries.json"

// InsecureHosts are the registry hosts a login marked as plain HTTP, kept so
// that later builds against them need no --insecure-registry. Only those exact
// hosts (host:port) are meant: never their other ports, never other hosts.
type InsecureHosts struct{ path string }

// NewInsecureHosts keeps the list in the file at path.
func NewInsecureHosts(path string) InsecureHosts { return InsecureHosts{path: path} }

// Path is the file.
func (h InsecureHosts) Path() string { return h.path }

type insecureFile struct {
	Hosts []string `json:"hosts"`
}

// List reads the hosts; no file is no hosts.
func (h InsecureHosts) List() ([]string, error) {
	data, err := os.ReadFile(h.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the insecure registries %s: %w", h.path, err)
	}
	var f insecureFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("read the insecure registries %s: %w (fix or remove the file)", h.path, err)
	}
	return f.Hosts, nil
}

// Select returns those of hosts that are marked insecure.
func (h InsecureHosts) Select(hosts ...string) ([]string, error) {
	marked, err := h.List()
	if err != nil || len(marked) == 0 {
		return nil, err
	}
	var out []string
	for _, host := range hosts {
		if slices.ContainsFunc(marked, func(m string) bool { return strings.EqualFold(m, host) }) && !slices.Contains(out, host) {
			out = append(out, host)
		}
	}
	return out, nil
}

// Add marks a host insecure. The file is replaced whole, so that a reader never
// sees half of it.
func (h InsecureHosts) Add(host string) error {
	hosts, err := h.List()
	if err != nil {
		return err
	}
	host = strings.ToLower(host)
	if slices.Contains(hosts, host) {
		return nil
	}
	hosts = append(hosts, host)
	slices.Sort(hosts)
	data, err := json.MarshalIndent(insecureFile{Hosts: hosts}, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(h.path, append(data, '\n')); err != nil {
		return fmt.Errorf("remember %s as an insecure registry in %s: %w", host, h.path, err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
