package module

import (
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"sigs.k8s.io/yaml"

	"github.com/dagwerf/dagwerf/pipeline/runner"
	"github.com/dagwerf/dagwerf/source"
	"github.com/dagwerf/dagwerf/sync/registry"
)

// The images of deckhouse/modules-template whose report entries the module
// actions copy, and the variable its werf.yaml reads the version from.
const (
	BundleImage  = "bundle"                  // .werf/stages/bundle.yaml
	ReleaseImage = "release-channel-version" // .werf/stages/release.yaml
	TagVariable  = "MODULES_MODULE_TAG"
)

// Target is where a module is published: the module actions' module_source and
// module_name, and the repository of its images.
type Target struct {
	Source string // --modules-source, e.g. ghcr.io/owner/modules
	Name   string // --module-name; "" is the name in module.yaml
	Repo   string // --repo; "" is <Source>/<Name>
}

// ReleaseRepo is where release images and channels are: <repo>/release.
func (t Target) ReleaseRepo() string { return t.Repo + "/release" }

// Registration is the registration tag: <modules-source>:<module-name>.
func (t Target) Registration() string { return t.Source + ":" + t.Name }

var (
	errNoRepo   = errors.New("--modules-source (or $MODULES_MODULE_SOURCE) or --repo is required: a module's images go to <modules-source>/<module-name>")
	errNoSource = errors.New("--modules-source (or $MODULES_MODULE_SOURCE) is required: a release registers the module as <modules-source>:<module-name>")
)

// Resolve fills the name from module.yaml of the project and the repository
// from the source and the name, and checks them. A release registers the
// module (registration), so it needs the source and the name; a build and a
// deploy need only the repository.
func (t Target) Resolve(p runner.Project, registration bool) (Target, error) {
	switch {
	case registration && t.Source == "":
		return Target{}, errNoSource
	case t.Source == "" && t.Repo == "":
		return Target{}, errNoRepo
	}
	if t.Source != "" {
		if err := registry.CheckRepoAddress("--modules-source", t.Source); err != nil {
			return Target{}, err
		}
	}
	if t.Name == "" && (registration || t.Repo == "") {
		n, err := ReadName(p)
		if err != nil {
			return Target{}, err
		}
		t.Name = n
	}
	if t.Name != "" && t.Source != "" {
		if err := checkName(t.Source, t.Name); err != nil {
			return Target{}, err
		}
	}
	if t.Repo == "" {
		t.Repo = t.Source + "/" + t.Name
	}
	if err := registry.CheckRepoAddress("--repo", t.Repo); err != nil {
		return Target{}, err
	}
	return t, nil
}

// checkName checks that a module name makes both a repository under the
// source and a tag of it.
func checkName(src, n string) error {
	if err := registry.CheckRepoAddress("--module-name", src+"/"+n); err != nil {
		return fmt.Errorf("module name %q: not a repository name under %s: use lower-case letters, digits and \"-\"", n, src)
	}
	if _, err := name.NewTag(src + ":" + n); err != nil {
		return fmt.Errorf("module name %q: not a tag of %s: %w", n, src, err)
	}
	return nil
}

// ReadName is the module's name: `name` in module.yaml of the project
// directory, as the project's commit has it (the working tree with --dev).
func ReadName(p runner.Project) (string, error) {
	dir := p.Dir
	if dir == "" {
		dir = "."
	}
	var opts []source.Option
	if p.Dev {
		opts = append(opts, source.WithWorktree())
	}
	snap, err := source.Open(dir, opts...)
	if err != nil {
		return "", err
	}
	data, err := snap.ReadFile("module.yaml")
	if err != nil {
		return "", fmt.Errorf("module.yaml in %s: %w; give --module-name", snap.ProjectDir(), err)
	}
	var m struct {
		Name string `json:"name"`
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("module.yaml in %s: %w", snap.ProjectDir(), err)
	}
	if m.Name == "" {
		return "", fmt.Errorf("module.yaml in %s has no name; give --module-name", snap.ProjectDir())
	}
	return m.Name, nil
}
