package module

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// RegistrationImage is what the module actions push to register a module,
// `crane append --oci-empty-base --new_layer "" --new_tag <source>:<name>`:
// crane reads `--new_layer ""` as no layer at all, so the image is crane's
// empty base with OCI media types — no layers, the config
// {"architecture":"","created":"0001-01-01T00:00:00Z","os":"","rootfs":{"type":"layers","diff_ids":null},"config":{}}.
// Its digest is the one crane v0.20.6 pushes
// (sha256:3d56b3c004797db33c7f771a2194d4c43a6cb740954863530b45f471da48cc08).
func RegistrationImage() v1.Image {
	return mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
}
