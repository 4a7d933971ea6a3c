package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
	"github.com/dagwerf/dagwerf/stages"
)

// digestLine is one image and platform in `dagwerf digest --json`.
type digestLine struct {
	Image    string `json:"image"`
	Platform string `json:"platform"`
	Digest   string `json:"digest,omitempty"`
	Error    string `json:"error,omitempty"`
}

func newDigestCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "digest [IMAGE_NAME...]",
		Short: "Print the stage digest of each image and platform, as werf computes it",
		Long: `Print the content-based stage digest of each image for each of its platforms,
one line each: NAME PLATFORM DIGEST (~ is the nameless image). The digests are
werf's: a repository werf fills holds these stages under <digest>-<timestamp>.

An image whose Dockerfile ARG takes an import of another image (its name, tag, ID
or digest) can be addressed only once that image's stage is stored: digest looks
the dependency up where build stores it (--repo, or the local store without it)
and says so, exiting with an error, when it is not there yet.`,
	}
	project := addProjectFlags(cmd.Flags(), env)
	flags := addPlanFlags(cmd.Flags(), env)
	storage := addStorageFlags(cmd.Flags(), env, os.Environ(), false)
	asJSON := cmd.Flags().Bool("json", false, "print a JSON array of {image, platform, digest} (or error)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		snap, cfg, err := project.load()
		if err != nil {
			return err
		}
		selected, err := pipeline.SelectImages(cfg, args, flags.finalOnly)
		if err != nil {
			return err
		}
		plan, err := flags.plan(cfg, args)
		if err != nil {
			return err
		}
		calc := stages.NewCalculator(cfg, snap)
		var imports stages.ImportSource
		// Only images with dependencies read the storage, so the others need
		// neither a registry nor the local store.
		if slices.ContainsFunc(selected, func(img *config.Image) bool { return len(img.Dependencies) > 0 }) {
			st, err := storage.open(cfg, nil, io.Discard)
			if err != nil {
				return err
			}
			defer st.close()
			imports = pipeline.StorageImports{Config: cfg, Calculator: calc, Storage: st.storage}
		}
		var lines []digestLine
		var failed []string
		for _, t := range plan.Tasks() {
			if !slices.Contains(selected, t.Image) {
				continue
			}
			line := digestLine{Image: t.Image.LogName(), Platform: t.Platform}
			stage, err := calc.Stage(cmd.Context(), t.Image, t.Platform, imports)
			if err != nil {
				line.Error = err.Error()
				failed = append(failed, err.Error())
			} else {
				line.Digest = stage.Digest
			}
			lines = append(lines, line)
		}
		if err := printDigests(cmd, lines, *asJSON); err != nil {
			return err
		}
		if len(failed) > 0 {
			return fmt.Errorf("%d of %d digests could not be computed:\n  %s", len(failed), len(lines), strings.Join(failed, "\n  "))
		}
		return nil
	}
	return cmd
}

func printDigests(cmd *cobra.Command, lines []digestLine, asJSON bool) error {
	out := cmd.OutOrStdout()
	if asJSON {
		if lines == nil {
			lines = []digestLine{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(lines)
	}
	for _, l := range lines {
		if l.Digest != "" {
			if _, err := fmt.Fprintf(out, "%s %s %s\n", l.Image, l.Platform, l.Digest); err != nil {
				return err
			}
		}
	}
	return nil
}
