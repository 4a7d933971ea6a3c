// Package main is the dagwerf Dagger module: `dagger call build` builds the
// images of a werf.yaml on the engine it runs on, as `dagwerf build` does, and
// module-build, module-release and module-deploy do for a Deckhouse module
// what `dagwerf module` does. Its functions only convert their arguments
// (reading secrets, exporting the source) into an runner.Module; the work is
// dagwerf's own code, in the main module.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dagger/dagwerf/internal/dagger"

	"github.com/dagwerf/dagwerf/module"
	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// version labels what the module publishes (werf-version: dagwerf-module).
const version = "module"

// Dagwerf builds werf.yaml images. Credentials and the variables werf.yaml reads
// are set with the with* functions before build, digest or plan.
type Dagwerf struct {
	// +private
	RegistryAuths []*RegistryAuth
	// +private
	DockerConfig *dagger.Secret
	// +private
	Variables []*Variable
}

// RegistryAuth is a username and password (or token) for one registry.
type RegistryAuth struct {
	Address  string
	Username string
	Secret   *dagger.Secret
}

// Variable is an environment variable werf.yaml reads: in templates (env, as
// allowed by werf-giterminism.yaml) or as a build secret (secrets: - env: NAME).
type Variable struct {
	Name   string
	Value  string
	Secret *dagger.Secret
}

// WithRegistryAuth gives credentials for a registry (a host, or an address whose
// host counts); they come before the Docker config.
func (m *Dagwerf) WithRegistryAuth(address string, username string, secret *dagger.Secret) *Dagwerf {
	m.RegistryAuths = append(m.RegistryAuths, &RegistryAuth{Address: address, Username: username, Secret: secret})
	return m
}

// WithDockerConfig gives a Docker config.json (as docker login or dagwerf cr
// login writes it, with its auths inline) for the registries it names.
func (m *Dagwerf) WithDockerConfig(config *dagger.Secret) *Dagwerf {
	m.DockerConfig = config
	return m
}

// WithEnvVariable sets a variable werf.yaml's templates read.
func (m *Dagwerf) WithEnvVariable(name string, value string) *Dagwerf {
	m.Variables = append(m.Variables, &Variable{Name: name, Value: value})
	return m
}

// WithSecretVariable sets a variable that is a secret, for werf.yaml's
// `secrets: - env: NAME`.
func (m *Dagwerf) WithSecretVariable(name string, secret *dagger.Secret) *Dagwerf {
	m.Variables = append(m.Variables, &Variable{Name: name, Secret: secret})
	return m
}

// Build builds the images of werf.yaml that the registry lacks and publishes
// them under werf's content-based tags; it returns the build report (werf's JSON).
// +cache="never"
func (m *Dagwerf) Build(
	ctx context.Context,
	// The project: a git repository whose committed tree is built; by default the
	// repository dagger is called from.
	// +optional
	source *dagger.Directory,
	// The directory of werf.yaml inside source.
	// +optional
	dir string,
	// Repository of the stages, e.g. registry.example.com/app.
	repo string,
	// Repository final images are copied to.
	// +optional
	finalRepo string,
	// Where werf v3 keeps repo's records, when repo carries its marker saying so.
	// +optional
	metaRepo string,
	// Repositories read before repo and filled after builds.
	// +optional
	cacheRepo []string,
	// Read-only repositories whose stages are copied into repo.
	// +optional
	secondaryRepo []string,
	// Platforms to build every image for, overriding werf.yaml.
	// +optional
	platform []string,
	// Custom tags for the final images: %image%, %image_slug%, %image_safe_slug%, %image_content_based_tag%.
	// +optional
	addCustomTag []string,
	// Images to build (names or globs, !NAME excludes); none is all.
	// +optional
	image []string,
	// The environment (.Env in werf.yaml).
	// +optional
	env string,
	// Build the working tree of source instead of its HEAD commit.
	// +optional
	dev bool,
	// How parallel builders agree: http(s)://HOST[:PORT] or kubernetes://…
	// +optional
	synchronization string,
	// At most this many images at once; 0 or less is no limit.
	// +optional
	// +default=5
	parallelTasksLimit int,
	// When an image fails, finish the images that do not depend on it.
	// +optional
	keepGoing bool,
	// Speak plain HTTP to the repositories' registries (the engine's pushes follow its own registry configuration).
	// +optional
	insecureRegistry bool,
	// Accept any TLS certificate from the repositories' registries.
	// +optional
	skipTlsVerifyRegistry bool,
	// Username for repo's registry.
	// +optional
	username string,
	// Password or token for repo's registry.
	// +optional
	password *dagger.Secret,
) (*dagger.File, error) {
	mod, work, err := m.module(ctx, source, dir)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	mod.Repo, mod.FinalRepo, mod.MetaRepo, mod.CacheRepos, mod.SecondaryRepos = repo, finalRepo, metaRepo, cacheRepo, secondaryRepo
	mod.Platforms, mod.CustomTags, mod.Images, mod.Env, mod.Dev = platform, addCustomTag, image, env, dev
	mod.Synchronization, mod.ParallelTasksLimit, mod.KeepGoing = synchronization, parallelTasksLimit, keepGoing
	mod.Insecure, mod.SkipTLSVerify = insecureRegistry, skipTlsVerifyRegistry
	if (username == "") != (password == nil) {
		return nil, fmt.Errorf("credentials for %s: give both username and password", repo)
	}
	if password != nil {
		secret, err := password.Plaintext(ctx)
		if err != nil {
			return nil, err
		}
		mod.Credentials = append(mod.Credentials, runner.Credential{Registry: repo, Username: username, Password: secret})
	}
	build, err := mod.Build(work)
	if err != nil {
		return nil, err
	}
	build.Out, build.Err = os.Stdout, os.Stderr
	if _, err := build.Run(ctx); err != nil {
		return nil, err
	}
	report, err := os.ReadFile(build.ReportPath)
	if err != nil {
		return nil, err
	}
	return dag.Directory().WithNewFile("report.json", string(report)).File("report.json"), nil
}

// Cleanup deletes from repo (and its cache and final repos) the stages and
// records that no kept git reference, recent build or running workload needs,
// as werf's cleanup does, and returns every decision with its reason.
// origin's branches and tags are read as source has them: this function's
// container cannot reach the caller's origin, so fetch them first
// (git fetch --prune --prune-tags origin '+refs/heads/*:refs/remotes/origin/*'),
// from a full clone.
// +cache="never"
func (m *Dagwerf) Cleanup(
	ctx context.Context,
	// The project's git repository, with its history; by default the
	// repository dagger is called from.
	// +optional
	source *dagger.Directory,
	// The directory of werf.yaml inside source.
	// +optional
	dir string,
	// Repository of the stages.
	repo string,
	// Repository final images were copied to.
	// +optional
	finalRepo string,
	// Repositories stages were cached in.
	// +optional
	cacheRepo []string,
	// Print what would be deleted, and why, without deleting.
	// +optional
	dryRun bool,
	// Keep stages built within the last hours; -1 takes werf.yaml's
	// keepImagesBuiltWithinLastNHours (else 2), 0 turns the policy off.
	// +optional
	// +default=-1
	keepStagesBuiltWithinLastNHours int,
	// Clean up without the Kubernetes-based policy.
	// +optional
	withoutKube bool,
	// A kubeconfig whose contexts' workloads keep the images they run.
	// +optional
	kubeConfig *dagger.Secret,
	// Only this context of the kubeconfig.
	// +optional
	kubeContext string,
	// Registry requests at once.
	// +optional
	// +default=10
	parallelTasksLimit int,
	// +optional
	insecureRegistry bool,
	// +optional
	skipTlsVerifyRegistry bool,
	// Username for repo's registry.
	// +optional
	username string,
	// Password or token for repo's registry.
	// +optional
	password *dagger.Secret,
) (string, error) {
	mod, work, err := m.module(ctx, source, dir)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	mod.Repo, mod.FinalRepo, mod.CacheRepos, mod.ParallelTasksLimit = repo, finalRepo, cacheRepo, parallelTasksLimit
	mod.Insecure, mod.SkipTLSVerify = insecureRegistry, skipTlsVerifyRegistry
	if (username == "") != (password == nil) {
		return "", fmt.Errorf("credentials for %s: give both username and password", repo)
	}
	if password != nil {
		secret, err := password.Plaintext(ctx)
		if err != nil {
			return "", err
		}
		mod.Credentials = append(mod.Credentials, runner.Credential{Registry: repo, Username: username, Password: secret})
	}
	opts := runner.ModuleCleanup{DryRun: dryRun, WithoutKube: withoutKube, KubeContext: kubeContext}
	if keepStagesBuiltWithinLastNHours >= 0 {
		opts.KeepHours = &keepStagesBuiltWithinLastNHours
	}
	if kubeConfig != nil {
		if opts.KubeConfig, err = kubeConfig.Plaintext(ctx); err != nil {
			return "", err
		}
	}
	c, err := mod.Cleanup(work, opts)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	c.Out, c.Err = &out, os.Stderr
	if _, err := c.Run(ctx); err != nil {
		return out.String(), err
	}
	return out.String(), nil
}

// Plan prints the build plan: the sets of images a build runs, in order.
func (m *Dagwerf) Plan(
	ctx context.Context,
	// +optional
	source *dagger.Directory,
	// +optional
	dir string,
	// +optional
	image []string,
	// +optional
	platform []string,
	// +optional
	env string,
	// +optional
	dev bool,
	// At most this many images at once; 0 or less is no limit.
	// +optional
	// +default=5
	parallelTasksLimit int,
) (string, error) {
	mod, work, err := m.module(ctx, source, dir)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	mod.Images, mod.Platforms, mod.Env, mod.Dev, mod.ParallelTasksLimit = image, platform, env, dev, parallelTasksLimit
	return mod.PlanText()
}

// Digest prints the stage digest of each image and platform, as werf computes
// it. Images that import from a dependency need repo, where its stage is.
func (m *Dagwerf) Digest(
	ctx context.Context,
	// +optional
	source *dagger.Directory,
	// +optional
	dir string,
	// +optional
	repo string,
	// +optional
	image []string,
	// +optional
	platform []string,
	// +optional
	env string,
	// +optional
	dev bool,
	// +optional
	insecureRegistry bool,
	// +optional
	skipTlsVerifyRegistry bool,
) (string, error) {
	mod, work, err := m.module(ctx, source, dir)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	mod.Repo, mod.Images, mod.Platforms, mod.Env, mod.Dev = repo, image, platform, env, dev
	mod.Insecure, mod.SkipTLSVerify = insecureRegistry, skipTlsVerifyRegistry
	return mod.DigestText(ctx, work)
}

// ModuleBuild builds a Deckhouse module's werf.yaml into
// <modulesSource>/<moduleName> with MODULES_MODULE_TAG set to tag, as the build
// of deckhouse/modules-actions does, and returns the build report (werf's
// JSON, which moduleRelease takes).
// +cache="never"
func (m *Dagwerf) ModuleBuild(
	ctx context.Context,
	// The module: a git repository in the shape of deckhouse/modules-template;
	// by default the repository dagger is called from.
	// +optional
	source *dagger.Directory,
	// The directory of werf.yaml and module.yaml inside source.
	// +optional
	dir string,
	// The repository modules are published under, e.g. ghcr.io/owner/modules.
	modulesSource string,
	// The module's name; by default name in module.yaml.
	// +optional
	moduleName string,
	// Repository of the module's images; by default <modulesSource>/<moduleName>.
	// +optional
	repo string,
	// The module's version, e.g. v1.2.3: MODULES_MODULE_TAG for werf.yaml's templates.
	// +optional
	tag string,
	// Repositories read before repo and filled after builds.
	// +optional
	cacheRepo []string,
	// Read-only repositories whose stages are copied into repo.
	// +optional
	secondaryRepo []string,
	// Platforms to build every image for, overriding werf.yaml.
	// +optional
	platform []string,
	// How parallel builders agree: http(s)://HOST[:PORT] or kubernetes://…
	// +optional
	synchronization string,
	// At most this many images at once; 0 or less is no limit.
	// +optional
	// +default=5
	parallelTasksLimit int,
	// +optional
	insecureRegistry bool,
	// +optional
	skipTlsVerifyRegistry bool,
	// Username for modulesSource's registry.
	// +optional
	username string,
	// Password or token for modulesSource's registry.
	// +optional
	password *dagger.Secret,
) (*dagger.File, error) {
	mod, work, err := m.moduleOf(ctx, source, dir, modulesSource, insecureRegistry, skipTlsVerifyRegistry, username, password)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	mod.CacheRepos, mod.SecondaryRepos, mod.Platforms = cacheRepo, secondaryRepo, platform
	mod.Synchronization, mod.ParallelTasksLimit = synchronization, parallelTasksLimit
	build, err := module.BuildOf(mod, work, module.Target{Source: modulesSource, Name: moduleName, Repo: repo}, tag)
	if err != nil {
		return nil, err
	}
	build.Out, build.Err = os.Stdout, os.Stderr
	if _, err := build.Run(ctx); err != nil {
		return nil, err
	}
	report, err := os.ReadFile(build.ReportPath)
	if err != nil {
		return nil, err
	}
	return dag.Directory().WithNewFile("images_tags_werf.json", string(report)).File("images_tags_werf.json"), nil
}

// ModuleRelease checks a module's build (version.json says tag,
// images_digests.json names every final image present in repo, the files
// Deckhouse reads are plain at the image root) and publishes it, registry to
// registry: the bundle to <repo>:<tag>, the release image to
// <repo>/release:<tag>, the registration tag <modulesSource>:<moduleName>.
// +cache="never"
func (m *Dagwerf) ModuleRelease(
	ctx context.Context,
	// +optional
	source *dagger.Directory,
	// +optional
	dir string,
	modulesSource string,
	// +optional
	moduleName string,
	// +optional
	repo string,
	// The module's version, e.g. v1.2.3.
	tag string,
	// The build's report, as moduleBuild returns it.
	report *dagger.File,
	// +optional
	insecureRegistry bool,
	// +optional
	skipTlsVerifyRegistry bool,
	// +optional
	username string,
	// +optional
	password *dagger.Secret,
) (string, error) {
	mod, work, err := m.moduleOf(ctx, source, dir, modulesSource, insecureRegistry, skipTlsVerifyRegistry, username, password)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	contents, err := report.Contents(ctx)
	if err != nil {
		return "", err
	}
	r, err := module.ReleaseOf(mod, work, module.Target{Source: modulesSource, Name: moduleName, Repo: repo}, tag, contents)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	r.Out = &out
	if _, err := r.Run(ctx); err != nil {
		return out.String(), err
	}
	return out.String(), nil
}

// ModuleDeploy copies <repo>/release:<tag> to <repo>/release:<channel>
// (alpha, beta, early-access, stable, rock-solid), refusing a channel that has
// a newer version unless forced.
// +cache="never"
func (m *Dagwerf) ModuleDeploy(
	ctx context.Context,
	// +optional
	source *dagger.Directory,
	// +optional
	dir string,
	modulesSource string,
	// +optional
	moduleName string,
	// +optional
	repo string,
	// The released version, e.g. v1.2.3.
	tag string,
	// alpha, beta, early-access, stable or rock-solid.
	channel string,
	// Deploy over a newer or unreadable version, and past checkPreviousChannel.
	// +optional
	force bool,
	// Refuse unless the previous channel has the tag.
	// +optional
	checkPreviousChannel bool,
	// +optional
	insecureRegistry bool,
	// +optional
	skipTlsVerifyRegistry bool,
	// +optional
	username string,
	// +optional
	password *dagger.Secret,
) (string, error) {
	mod, work, err := m.moduleOf(ctx, source, dir, modulesSource, insecureRegistry, skipTlsVerifyRegistry, username, password)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	d, err := module.DeployOf(mod, work, module.Target{Source: modulesSource, Name: moduleName, Repo: repo}, tag, channel)
	if err != nil {
		return "", err
	}
	d.Force, d.CheckPreviousChannel = force, checkPreviousChannel
	var out strings.Builder
	d.Out = &out
	if _, err := d.Run(ctx); err != nil {
		return out.String(), err
	}
	return out.String(), nil
}

// moduleOf is module with the registry settings of the Deckhouse module
// functions: credentials for modulesSource's registry.
func (m *Dagwerf) moduleOf(ctx context.Context, source *dagger.Directory, dir, modulesSource string, insecure, skipTLSVerify bool, username string, password *dagger.Secret) (runner.Module, string, error) {
	if (username == "") != (password == nil) {
		return runner.Module{}, "", fmt.Errorf("credentials for %s: give both username and password", modulesSource)
	}
	mod, work, err := m.module(ctx, source, dir)
	if err != nil {
		return runner.Module{}, "", err
	}
	mod.Insecure, mod.SkipTLSVerify = insecure, skipTLSVerify
	if password != nil {
		secret, err := password.Plaintext(ctx)
		if err != nil {
			os.RemoveAll(work)
			return runner.Module{}, "", err
		}
		mod.Credentials = append(mod.Credentials, runner.Credential{Registry: modulesSource, Username: username, Password: secret})
	}
	return mod, work, nil
}

// module exports source into a work directory of this function's container and
// reads the secrets the with* functions gave.
func (m *Dagwerf) module(ctx context.Context, source *dagger.Directory, dir string) (runner.Module, string, error) {
	work, err := os.MkdirTemp("", "dagwerf-")
	if err != nil {
		return runner.Module{}, "", err
	}
	mod := runner.Module{Source: filepath.Join(work, "source"), Dir: dir, Version: version, Variables: map[string]string{}}
	fail := func(err error) (runner.Module, string, error) {
		os.RemoveAll(work)
		return runner.Module{}, "", err
	}
	if source == nil {
		// The caller's repository, not this module's: a contextual default path
		// would name the module's own.
		source = dag.CurrentWorkspace().Directory("/")
	}
	if _, err := source.Export(ctx, mod.Source); err != nil {
		return fail(fmt.Errorf("export the source: %w", err))
	}
	if _, err := os.Stat(filepath.Join(mod.Source, ".git")); err != nil {
		return fail(fmt.Errorf("the source has no .git: dagwerf builds a git repository's commits; pass the repository's root (--source=.)"))
	}
	for _, a := range m.RegistryAuths {
		secret, err := a.Secret.Plaintext(ctx)
		if err != nil {
			return fail(err)
		}
		mod.Credentials = append(mod.Credentials, runner.Credential{Registry: a.Address, Username: a.Username, Password: secret})
	}
	if m.DockerConfig != nil {
		if mod.DockerConfigJSON, err = m.DockerConfig.Plaintext(ctx); err != nil {
			return fail(err)
		}
	}
	for _, v := range m.Variables {
		value := v.Value
		if v.Secret != nil {
			if value, err = v.Secret.Plaintext(ctx); err != nil {
				return fail(err)
			}
		}
		mod.Variables[v.Name] = value
	}
	return mod, work, nil
}
