package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dagwerf/dagwerf/config"
	"github.com/dagwerf/dagwerf/pipeline"
)

func newConfigCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with werf.yaml",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newConfigRenderCommand(env), newConfigListCommand(env))
	return cmd
}

func newConfigRenderCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "render [IMAGE_NAME...]",
		Short: "Print werf.yaml after template rendering",
		Long: `Print werf.yaml after template rendering, as every other command reads it. The
configuration is fully checked first. With image names (globs, !exclusions), print
only the documents that declare those images.`,
	}
	project := addProjectFlags(cmd.Flags(), env)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		_, cfg, err := project.Load()
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if len(args) == 0 {
			_, err = out.Write(cfg.Rendered)
			return err
		}
		images, err := pipeline.SelectImages(cfg, args, false)
		if err != nil {
			return err
		}
		var docs []string
		var seen []*config.Document
		for _, img := range images {
			if !slices.Contains(seen, img.Doc) {
				seen = append(seen, img.Doc)
				docs = append(docs, string(img.Doc.Content))
			}
		}
		_, err = fmt.Fprint(out, strings.Join(docs, "---\n"))
		return err
	}
	return cmd
}

func newConfigListCommand(env *environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the images of werf.yaml, one name per line (~ is the nameless image)",
		Args:  cobra.NoArgs,
	}
	project := addProjectFlags(cmd.Flags(), env)
	var finalOnly bool
	env.boolFlag(cmd.Flags(), &finalOnly, "final-images-only", "", "WERF_FINAL_IMAGES_ONLY", false, "list final images only ($WERF_FINAL_IMAGES_ONLY)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		_, cfg, err := project.Load()
		if err != nil {
			return err
		}
		for _, img := range cfg.Images {
			if img.Final || !finalOnly {
				fmt.Fprintln(cmd.OutOrStdout(), img.LogName())
			}
		}
		return nil
	}
	return cmd
}
