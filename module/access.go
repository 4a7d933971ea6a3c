package module

import (
	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// openRepository opens a repository with the credentials, plain-HTTP hosts and
// TLS settings of access (its repositories are not used).
func openRepository(access runner.Storage, version, role, address string) (*registry.Repository, error) {
	opts, err := access.RegistryOptions(address)
	if err != nil {
		return nil, err
	}
	if version != "" {
		opts = append(opts, registry.WithUserAgent("dagwerf/"+version))
	}
	return registry.OpenRepository(role, address, opts...)
}

// Published is a tag a release or a deploy wrote, or found in place.
type Published struct {
	Ref     string // REPO:TAG
	Digest  string // the manifest's
	Written bool   // false: the tag named that manifest already
}

func (p Published) state() string {
	if p.Written {
		return "written"
	}
	return "up to date"
}
