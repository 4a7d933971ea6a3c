package stapel

import (
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dagwerf/dagwerf/config"
)

// The labels werf records a stage's mounts in, so that the stages after it
// mount the same directories (pkg/image/const.go).
const (
	labelMountTmpDir       = "werf-mount-type-tmp-dir"
	labelMountBuildDir     = "werf-mount-type-build-dir"
	labelMountCustomPrefix = "werf-mount-type-custom-dir-"
)

// mountLabels are the mount labels werf's BaseStage.PrepareImage gives a stage
// built on an image with prevLabels: for tmp_dir and build_dir, and for each
// fromPath, the mount points the previous image's labels name followed by the
// config's, each once, joined with ";" (getServiceMounts, getCustomMounts).
func mountLabels(prevLabels map[string]string, mounts []config.Mount) map[string]string {
	out := map[string]string{}
	// tmp_dir and build_dir
	for _, t := range []struct{ label, typ string }{
		{labelMountTmpDir, "tmp_dir"},
		{labelMountBuildDir, "build_dir"},
	} {
		points, had := labelPoints(prevLabels, t.label)
		var fromConfig []string
		for _, m := range mounts {
			if m.From == t.typ {
				fromConfig = append(fromConfig, path.Clean(m.To))
			}
		}
		if !had && len(fromConfig) == 0 {
			continue
		}
		out[t.label] = strings.Join(uniq(append(points, fromConfig...)), ";")
	}
	// fromPath: one label per host directory
	custom := map[string][]string{}
	for k := range prevLabels {
		if rest, ok := strings.CutPrefix(k, labelMountCustomPrefix); ok {
			points, _ := labelPoints(prevLabels, k)
			custom[filepath.FromSlash(strings.ReplaceAll(rest, "--", "/"))] = points
		}
	}
	configured := map[string][]string{}
	for _, m := range mounts {
		if m.From == "" {
			from := filepath.Clean(m.FromPath)
			configured[from] = uniq(append(configured[from], path.Clean(m.To)))
		}
	}
	for from, points := range configured {
		custom[from] = append(custom[from], points...)
	}
	for from, points := range custom {
		key := labelMountCustomPrefix + strings.ReplaceAll(filepath.ToSlash(from), "/", "--")
		out[key] = strings.Join(uniq(points), ";")
	}
	return out
}

// labelPoints are the mount points a mount label lists, each once, none empty.
func labelPoints(labels map[string]string, key string) ([]string, bool) {
	v, ok := labels[key]
	if !ok {
		return nil, false
	}
	var points []string
	for _, p := range uniq(strings.Split(v, ";")) {
		if p != "" {
			points = append(points, p)
		}
	}
	return points, true
}

// uniq keeps the first of equal strings, in order.
func uniq(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
