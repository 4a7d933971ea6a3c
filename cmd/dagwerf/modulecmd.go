package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dagwerf/dagwerf/module"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/pipeline/runner"
)

// defaultModuleReportPath is the report the module actions have werf write and
// read back (--build-report-path images_tags_werf.json).
const defaultModuleReportPath = "images_tags_werf.json"

func newModuleCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "module",
		Short: "Build, release and deploy a Deckhouse module, as deckhouse/modules-actions do",
		Long: `Build, release and deploy a Deckhouse module from its werf.yaml (in the shape of
deckhouse/modules-template), as the GitHub Actions of deckhouse/modules-actions
and its GitLab templates do with werf and crane:

  dagwerf module build   --modules-source ghcr.io/owner/modules --tag v1.2.3
  dagwerf module release --modules-source ghcr.io/owner/modules --tag v1.2.3
  dagwerf module deploy  --modules-source ghcr.io/owner/modules --tag v1.2.3 --channel alpha

The module's images go to <modules-source>/<module-name> (--repo), the module
name being module.yaml's unless --module-name gives it.`,
	}
	cmd.AddCommand(newModuleBuildCommand(env), newModuleReleaseCommand(env), newModuleDeployCommand(env))
	return cmd
}

// addTargetFlags defines where a module is published; --repo is defined with
// the storage or access flags.
func addTargetFlags(fs *pflag.FlagSet, env *environment, t *module.Target, tag *string) {
	env.stringFlag(fs, &t.Source, "modules-source", "MODULES_MODULE_SOURCE", "", "the repository modules are published under, e.g. ghcr.io/owner/modules: the module actions' module_source ($MODULES_MODULE_SOURCE)")
	env.stringFlag(fs, &t.Name, "module-name", "MODULES_MODULE_NAME", "", "the module's name (default $MODULES_MODULE_NAME, else name in module.yaml)")
	env.stringFlag(fs, tag, "tag", "MODULES_MODULE_TAG", "", "the module's version, e.g. v1.2.3 ($MODULES_MODULE_TAG)")
}

// addModuleRepoFlag defines --repo of a module's commands. $WERF_REPO is not
// read: ci-env sets it for an application's images, and the module actions
// give werf --repo=<modules-source>/<module-name> over it, where Deckhouse
// looks for the module.
func addModuleRepoFlag(fs *pflag.FlagSet, s *runner.Storage) {
	fs.StringVar(&s.Repo, "repo", "", "repository of the module's images (default <modules-source>/<module-name>, where Deckhouse looks; $WERF_REPO is not read)")
}

// addModuleAccessFlags defines --repo and what reaches the registries, for the
// commands that only copy and read images.
func addModuleAccessFlags(fs *pflag.FlagSet, env *environment) *runner.Storage {
	s := &runner.Storage{Home: env.home()}
	addModuleRepoFlag(fs, s)
	env.boolFlag(fs, &s.Insecure, "insecure-registry", "", "WERF_INSECURE_REGISTRY", false, "speak plain HTTP to the registries ($WERF_INSECURE_REGISTRY)")
	env.boolFlag(fs, &s.SkipTLSVerify, "skip-tls-verify-registry", "", "WERF_SKIP_TLS_VERIFY_REGISTRY", false, "accept any TLS certificate from the registries ($WERF_SKIP_TLS_VERIFY_REGISTRY)")
	addDockerConfigFlag(fs, env, &s.DockerConfig)
	return s
}

// addModuleProjectFlags defines where module.yaml is read from.
func addModuleProjectFlags(fs *pflag.FlagSet, env *environment) *runner.Project {
	p := &runner.Project{LookupEnv: env.lookup}
	env.stringFlag(fs, &p.Dir, "dir", "WERF_DIR", "", "the module's directory (module.yaml's), inside a git worktree (default $WERF_DIR or the current directory)")
	env.boolFlag(fs, &p.Dev, "dev", "", "WERF_DEV", false, "read module.yaml from the working tree instead of the HEAD commit ($WERF_DEV)")
	return p
}

func newModuleBuildCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build the module's images into <modules-source>/<module-name> and write the build report",
		Long: `Build the images of the module's werf.yaml as 'dagwerf build' does, into --repo
(default <modules-source>/<module-name>), with MODULES_MODULE_TAG set to --tag for
werf.yaml's templates (which read it through env, as werf-giterminism.yaml
allows). The build report is always written (--build-report-path, default
images_tags_werf.json, as the module actions name it): 'module release' reads it.`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	project := addProjectFlags(fs, env)
	plan := addPlanFlags(fs, env)
	storage := &runner.Storage{Home: env.home()}
	addModuleRepoFlag(fs, storage)
	addStorageFlagsBesidesRepo(fs, env, false, storage)
	b := &module.Build{}
	addTargetFlags(fs, env, &b.Target, &b.Tag)
	var verbose bool
	env.stringFlag(fs, &b.ReportPath, "build-report-path", "WERF_BUILD_REPORT_PATH", defaultModuleReportPath, "where the build report goes: .json or .env, by its extension ($WERF_BUILD_REPORT_PATH)")
	env.boolFlag(fs, &b.KeepGoing, "keep-going", "", "DAGWERF_KEEP_GOING", false, "when an image fails, finish every image that does not depend on it ($DAGWERF_KEEP_GOING)")
	env.boolFlag(fs, &verbose, "log-verbose", "", "WERF_LOG_VERBOSE", false, "also show the Dagger engine's own progress output, on stderr ($WERF_LOG_VERBOSE)")

	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		b.Project, b.Plan, b.Storage, b.Pretty = *project, plan.Plan, *storage, plan.pretty
		b.Target.Repo, b.Version = storage.Repo, version
		b.Out, b.Err = cmd.OutOrStdout(), cmd.ErrOrStderr()
		if verbose {
			b.EngineLog = cmd.ErrOrStderr()
		}
		_, err := b.Run(cmd.Context())
		return err
	}
	return cmd
}

func newModuleReleaseCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "release",
		Short: "Check the module's build and publish it: <repo>:<tag>, <repo>/release:<tag>, <modules-source>:<module-name>",
		Long: `Release the build that 'module build' reported (--build-report-path), as the
module actions do after werf's build, registry to registry:

  the bundle                   -> <repo>:<tag>
  the release image            -> <repo>/release:<tag>
  an empty OCI image           -> <modules-source>:<module-name>   (the registration)

First, what Deckhouse will read is checked, and nothing is published while a
check fails: version.json in the bundle and in the release image says the tag;
the bundle's images_digests.json names every final image of the build, each
present in <repo> by that digest; version.json, module.yaml and changelog.yaml
are regular files at the image root whose tar entries have no "./" prefix.
A tag that already names the right image is not written again.`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	r := &module.Release{}
	addTargetFlags(fs, env, &r.Target, &r.Tag)
	project := addModuleProjectFlags(fs, env)
	access := addModuleAccessFlags(fs, env)
	var reportPath string
	env.stringFlag(fs, &reportPath, "build-report-path", "WERF_BUILD_REPORT_PATH", defaultModuleReportPath, "the build's JSON report, dagwerf's or werf's ($WERF_BUILD_REPORT_PATH)")

	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		report, err := pipeline.ReadReport(reportPath)
		if err != nil {
			return err
		}
		r.Project, r.Access, r.Report = *project, *access, report
		r.Target.Repo, r.Version, r.Out = access.Repo, version, cmd.OutOrStdout()
		_, err = r.Run(cmd.Context())
		return err
	}
	return cmd
}

func newModuleDeployCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Point a release channel at a released version: <repo>/release:<tag> -> <repo>/release:<channel>",
		Long: `Deploy a released version to a release channel (alpha, beta, early-access,
stable, rock-solid), as the module actions' deploy does: <repo>/release:<tag> is
copied to <repo>/release:<channel>, registry to registry.

The release image's version.json must say the tag. A channel whose version.json
has a newer semantic version is refused (the channel would move back), and so
is one whose version cannot be read; --force deploys anyway.
--check-previous-channel also refuses a channel whose previous one (beta's is
alpha, and so on) does not have the tag, as modules-actions'
check_previous_channel_release does.`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	d := &module.Deploy{}
	addTargetFlags(fs, env, &d.Target, &d.Tag)
	project := addModuleProjectFlags(fs, env)
	access := addModuleAccessFlags(fs, env)
	env.stringFlag(fs, &d.Channel, "channel", "RELEASE_CHANNEL", "", "the release channel: alpha, beta, early-access, stable or rock-solid ($RELEASE_CHANNEL)")
	env.boolFlag(fs, &d.Force, "force", "", "DAGWERF_MODULE_DEPLOY_FORCE", false, "deploy over a newer or unreadable version, and past --check-previous-channel ($DAGWERF_MODULE_DEPLOY_FORCE)")
	env.boolFlag(fs, &d.CheckPreviousChannel, "check-previous-channel", "", "DAGWERF_CHECK_PREVIOUS_CHANNEL", false, "refuse unless the previous channel has the tag ($DAGWERF_CHECK_PREVIOUS_CHANNEL)")

	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		d.Project, d.Access = *project, *access
		d.Target.Repo, d.Version, d.Out = access.Repo, version, cmd.OutOrStdout()
		_, err := d.Run(cmd.Context())
		return err
	}
	return cmd
}
