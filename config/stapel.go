package config

// Stapel is what a Stapel document (`image:` without `dockerfile`, or a legacy
// `artifact:`) declares beyond what every image has. The keys follow werf v2's
// pkg/config/raw_stapel_image.go; an Image with a nil Stapel is a Dockerfile
// image.
type Stapel struct {
	// Artifact marks a legacy `artifact:` document: never final, no docker
	// section, its git mappings get no gitCache/gitLatestPatch stages.
	Artifact bool

	// The base: exactly one of From (a registry reference, or "scratch") and
	// FromImage (another image or artifact of this config) is set. A `from`
	// that names an image of werf.yaml is that image, as in werf: it is in
	// FromImage. An image named like its base (image: alpine, from: alpine)
	// has From alpine:latest (werf's compatibility rule).
	From             string
	FromImage        string
	FromArtifact     bool   // FromImage came from the legacy fromArtifact key
	FromLatest       bool   // the from stage also depends on the base image's ID
	FromCacheVersion string // a cache version of the from stage only

	// DisableGitAfterPatch drops the gitCache and gitLatestPatch stages; always
	// set for an artifact (werf's IsGitAfterPatchDisabled).
	DisableGitAfterPatch bool

	Git     []GitMapping
	Shell   *Shell
	Ansible *Ansible // parsed, refused at build
	Mounts  []Mount
	Docker  *Docker
	Imports []FileImport
	Network string
}

// IsStapel reports whether the image is a Stapel image.
func (i *Image) IsStapel() bool { return i.Stapel != nil }

// DependsOn lists the names of the images this one needs built first, in
// config order, each once: dependencies, and for Stapel images fromImage and
// import sources (not external ones).
func (i *Image) DependsOn() []string {
	var names []string
	add := func(n string) {
		for _, have := range names {
			if have == n {
				return
			}
		}
		names = append(names, n)
	}
	if s := i.Stapel; s != nil && s.FromImage != "" {
		add(s.FromImage)
	}
	if s := i.Stapel; s != nil {
		for _, imp := range s.Imports {
			if !imp.External {
				add(imp.Image)
			}
		}
	}
	for _, d := range i.Dependencies {
		add(d.Image)
	}
	return names
}

// GitMapping is one item of `git`: a subtree of the project's repository
// (URL == "") or of a remote one, put into the image at To.
type GitMapping struct {
	Add          string // absolute, in the repository; "/" is the whole tree
	To           string // absolute, in the image
	Owner        string
	Group        string
	IncludePaths []string
	ExcludePaths []string
	// StageDependencies are globs, relative to Add, whose changes re-run a
	// user stage and those after it.
	StageDependencies StageDependencies

	// A remote repository; URL == "" is the project's own (local) repository.
	URL    string
	Branch string
	Tag    string
	Commit string
	// Name is werf's name of a remote repository, derived from its URL
	// (pkg/config/raw_git.go); "own" for the local one.
	Name string
	// BasicAuth is a remote repository's basicAuth; nil for none. Its password
	// is a secret: it must reach no log, digest or label.
	BasicAuth *GitBasicAuth
}

// GitBasicAuth is a remote git mapping's basicAuth (werf's
// git_repo.BasicAuthCredentials): a username and exactly one password source.
type GitBasicAuth struct {
	Username      string
	PasswordEnv   string // an environment variable holding the password
	PasswordSrc   string // a file holding it (~ expands to the home directory)
	PasswordValue string // the password itself
}

// IsLocal reports whether the mapping takes files from the project's repository.
func (g GitMapping) IsLocal() bool { return g.URL == "" }

// StageDependencies are the `stageDependencies` of a git mapping.
type StageDependencies struct {
	Install     []string
	BeforeSetup []string
	Setup       []string
}

// Shell is the `shell` section: the commands of the four user stages.
type Shell struct {
	BeforeInstall             []string
	Install                   []string
	BeforeSetup               []string
	Setup                     []string
	CacheVersion              string
	BeforeInstallCacheVersion string
	InstallCacheVersion       string
	BeforeSetupCacheVersion   string
	SetupCacheVersion         string
}

// Ansible is the `ansible` section, kept only so that a build can refuse it
// naming the image; Tasks are the tasks of each stage as written.
type Ansible struct {
	BeforeInstall []map[string]any
	Install       []map[string]any
	BeforeSetup   []map[string]any
	Setup         []map[string]any
	CacheVersion  string
	// per-stage cache versions, as for Shell
	BeforeInstallCacheVersion string
	InstallCacheVersion       string
	BeforeSetupCacheVersion   string
	SetupCacheVersion         string
}

// Mount is one item of `mount`.
type Mount struct {
	To string // absolute, in the build container, as written
	// From is MountTmpDir or MountBuildDir; "" when FromPath is set.
	From string
	// FromPath is a host path mounted (`fromPath`), allowed by giterminism, as written.
	FromPath string
}

// The values of a mount's `from`.
const (
	MountTmpDir   = "tmp_dir"
	MountBuildDir = "build_dir"
	// MountCustomDir is werf's type of a fromPath mount; it is never written.
	MountCustomDir = "custom_dir"
)

// Type is werf's mount type, which the from stage digests (pkg/config/raw_mount.go):
// From, or MountCustomDir for a fromPath mount.
func (m Mount) Type() string {
	if m.From == "" {
		return MountCustomDir
	}
	return m.From
}

// Docker is the `docker` section: instructions applied to the image config
// in the dockerInstructions stage. Lists keep werf.yaml's order; a scalar
// written where werf also takes a list becomes a one-item list.
type Docker struct {
	Volume []string
	Expose []string
	Env    map[string]string
	Label  map[string]string
	// Cmd and Entrypoint are kept as werf keeps them (pkg/config/raw_docker.go):
	// a string as written, a list in werf's string form of it.
	Cmd         string
	Workdir     string
	User        string
	Entrypoint  string
	HealthCheck string
	ExactValues bool
}

// FileImport is one item of `import`: files from another image (or an
// external one) copied into this image at a point of its build.
type FileImport struct {
	Image string // the source: an image of the config, or an external reference
	// External: Image is a registry reference. werf decides it by the name, not
	// by the key (image or from): a reference with a tag or a digest is external
	// (pkg/config/raw_import.go hasTagOrDigest).
	External bool
	Artifact bool   // the legacy `artifact:` key named it
	Stage    string // a stage of the source image; "" is its last stage

	Add          string // absolute, in the source
	To           string // absolute, in this image; defaults to Add
	Owner        string
	Group        string
	IncludePaths []string
	ExcludePaths []string

	// Exactly one of Before and After is set: "install" or "setup".
	Before string
	After  string
}
