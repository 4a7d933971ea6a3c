package dockerconfig

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// DockerHubKey is Docker Hub's entry in the Docker config: docker login writes it
// and docker, crane and werf look Docker Hub's credentials up under it.
const DockerHubKey = "https://index.docker.io/v1/"

// dockerHubHosts are the names Docker Hub goes by.
var dockerHubHosts = []string{"docker.io", "index.docker.io", "registry-1.docker.io"}

// DockerHub is the registry of a login without an address, as for docker and werf.
var DockerHub = Server{Key: DockerHubKey, Host: name.DefaultRegistry}

// Server is a registry as a login names it.
type Server struct {
	Key  string // its entry in the Docker config: the host, or DockerHubKey
	Host string // host[:port], what is spoken to and what builds look up
}

// errCredentialsInAddress keeps a password given inside the address out of every
// message: the address is not quoted back.
var errCredentialsInAddress = errors.New("the registry address must not contain credentials: give them with -u and --password-stdin")

// ParseServer reads a login's registry address: a host, host:port, or a URL, of
// which only the host counts (as for docker and werf). "" and Docker Hub's names
// are Docker Hub.
func ParseServer(address string) (Server, error) {
	address = strings.TrimSpace(address)
	if address == "" || address == DockerHubKey {
		return DockerHub, nil
	}
	host := address
	if strings.Contains(address, "://") {
		u, err := url.Parse(address)
		if err != nil {
			// url's message repeats the address, which may hold a password.
			if strings.Contains(address, "@") {
				return Server{}, errCredentialsInAddress
			}
			return Server{}, fmt.Errorf("registry %q: not a host or URL", address)
		}
		if u.User != nil {
			return Server{}, errCredentialsInAddress
		}
		host = u.Host
	} else {
		host, _, _ = strings.Cut(address, "/")
	}
	if strings.Contains(host, "@") {
		return Server{}, errCredentialsInAddress
	}
	host = strings.ToLower(host) // host names are case-insensitive; builds name them in lower case
	if host == "" {
		return Server{}, fmt.Errorf("registry %q: no host", address)
	}
	if _, err := name.NewRegistry(host, name.StrictValidation); err != nil {
		return Server{}, fmt.Errorf("registry %q: not a registry host", host)
	}
	if slices.Contains(dockerHubHosts, host) {
		return DockerHub, nil
	}
	return Server{Key: host, Host: host}, nil
}
