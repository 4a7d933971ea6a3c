package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagwerf/dagwerf/ci"
	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/sync/registry/dockerconfig"
)

func newCIEnvCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ci-env [github|gitlab|generic|auto]",
		Short: "Print the shell exports that set dagwerf up in a CI job",
		Long: `Print shell exports for a CI job, as werf ci-env does: a Docker config of the
job's own (a copy of the current one), logged in to the CI's registry with the
job's token; WERF_REPO (GitLab: $CI_REGISTRY_IMAGE; GitHub:
ghcr.io/$GITHUB_REPOSITORY lower-cased, then the werf.yaml project, as werf does);
WERF_ENV (the CI's environment, else the branch); and custom tags for the branch
or git tag. A variable the job already sets is left to it. Tokens are never
printed. Without an argument, or with auto, the CI is detected.`,
		Example: `  . $(dagwerf ci-env gitlab --as-file)
  eval "$(dagwerf ci-env auto)"`,
		Args: cobra.MaximumNArgs(1),
	}
	project := addProjectFlags(cmd.Flags(), env)
	var dockerConfig string
	var asFile, login bool
	addDockerConfigFlag(cmd.Flags(), env, &dockerConfig)
	env.boolFlag(cmd.Flags(), &asFile, "as-file", "", "WERF_AS_FILE", false, "write the script to a file and print its path, for '. $(dagwerf ci-env --as-file)' ($WERF_AS_FILE)")
	env.boolFlag(cmd.Flags(), &login, "login-to-registry", "", "WERF_LOGIN_TO_REGISTRY", true, "log in to the CI's registry with the job's token ($WERF_LOGIN_TO_REGISTRY)")

	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		lookup := ci.Lookup(env.lookup)
		system, err := ci.ParseSystem(firstArg(args), lookup)
		if err != nil {
			return err
		}
		job := ci.Read(system, lookup)

		dir, err := jobDockerConfig(dockerConfig)
		if err != nil {
			return err
		}
		if login && job.Token != "" {
			srv, err := dockerconfig.ParseServer(job.Registry)
			if err != nil {
				return err
			}
			if _, err := dockerconfig.Login(cmd.Context(), dir, srv, job.Username, job.Token, dockerconfig.WithUserAgent("dagwerf/"+version)); err != nil {
				return fmt.Errorf("log in to the %s registry with the job's token: %w", system, err)
			}
		}
		defaults := ci.Defaults{DockerConfig: dir.Path(), Slug: registry.Slug, TagPart: registry.SafeSlug}
		if job.RepoNeedsProject {
			if _, cfg, err := project.Load(); err == nil {
				defaults.Project = cfg.Meta.Project
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "Warning: WERF_REPO left unset: it needs werf.yaml's project name: %v\n", err)
			}
		}

		var script strings.Builder
		if err := ci.Write(&script, ci.Sections(job, defaults), lookup); err != nil {
			return err
		}
		if !asFile {
			_, err := fmt.Fprint(cmd.OutOrStdout(), script.String())
			return err
		}
		f, err := os.CreateTemp("", "dagwerf-ci-env-*.sh")
		if err != nil {
			return err
		}
		if _, err := f.WriteString(script.String()); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), f.Name())
		return err
	}
	return cmd
}

// jobDockerConfig makes a Docker config directory for the job: a copy of the
// current config.json (from --docker-config, else ~/.docker), so that a login
// there leaves the runner's own config alone, as werf's ci-env does.
func jobDockerConfig(from string) (dockerconfig.Dir, error) {
	src, err := dockerconfig.NewDir(from)
	if err != nil {
		return dockerconfig.Dir{}, err
	}
	path, err := os.MkdirTemp("", "dagwerf-docker-config-")
	if err != nil {
		return dockerconfig.Dir{}, err
	}
	dst, err := dockerconfig.NewDir(path)
	if err != nil {
		return dockerconfig.Dir{}, err
	}
	data, err := os.ReadFile(src.File())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return dst, nil
	case err != nil:
		return dockerconfig.Dir{}, fmt.Errorf("copy the Docker config: %w", err)
	}
	if err := os.WriteFile(dst.File(), data, 0o600); err != nil {
		return dockerconfig.Dir{}, fmt.Errorf("copy the Docker config: %w", err)
	}
	return dst, nil
}
