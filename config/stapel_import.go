package config

import (
	"fmt"
	"slices"
)

// decodeImports reads `import` (pkg/config/raw_import.go, import.go): files from
// another image of werf.yaml, an artifact, or a registry image, copied in before
// or after install or setup.
func (d *docReader) decodeImports(m *mapping) []FileImport {
	var out []FileImport
	for i, item := range m.list("import") {
		key := fmt.Sprintf("import[%d]", i)
		im := d.mapping(item, key)
		image, from, artifact := im.str("image"), im.str("from"), im.str("artifact")
		imp := FileImport{Before: im.str("before"), After: im.str("after"), Stage: im.str("stage")}
		add, to := im.str("add"), im.str("to")
		if to == "" {
			to = add // werf: to defaults to add
		}
		exp := d.decodeExport(im, add, to)
		im.done()
		if d.err != nil {
			return out
		}
		d.checkExport(im, exp)
		imp.Add, imp.To, imp.Owner, imp.Group, imp.IncludePaths, imp.ExcludePaths = exp.add, exp.to, exp.owner, exp.group, exp.includes, exp.excludes

		source := image
		if from != "" {
			source = from
		}
		switch {
		case image != "" && from != "":
			d.fail(im.keys["from"], key+".from", "set one of image and from")
		case artifact == "" && source == "":
			d.fail(item, key, "the source is required: image (an image of werf.yaml, or a registry image with a tag or digest), from, or the legacy artifact")
		case artifact != "" && source != "":
			d.fail(im.keys["artifact"], key+".artifact", "set one of artifact and image (or from)")
		case imp.Before != "" && imp.After != "":
			d.fail(im.keys["after"], key+".after", "set one of before and after")
		case imp.Before == "" && imp.After == "":
			d.fail(item, key, "set when the files are imported: before or after (install or setup)")
		case imp.Before != "" && !isUserStageAnchor(imp.Before):
			d.fail(im.values["before"], key+".before", "expected install or setup, got %q", imp.Before)
		case imp.After != "" && !isUserStageAnchor(imp.After):
			d.fail(im.values["after"], key+".after", "expected install or setup, got %q", imp.After)
		case imp.Stage != "" && !slices.Contains(userStages, imp.Stage):
			d.fail(im.values["stage"], key+".stage", "expected beforeInstall, install, beforeSetup or setup, got %q", imp.Stage)
		case imp.Add == "/" && len(imp.IncludePaths) == 0:
			d.fail(orNode(im.values["add"], item), key+".add", "importing / needs includePaths, which say what to copy")
		}
		if artifact != "" {
			imp.Image, imp.Artifact = artifact, true
		} else {
			imp.Image, imp.External = source, hasTagOrDigest(source)
		}
		out = append(out, imp)
	}
	return out
}

// userStages are the Stapel stages a user's commands run in.
var userStages = []string{"beforeInstall", "install", "beforeSetup", "setup"}

// isUserStageAnchor reports whether before/after names a stage werf places
// imports and dependencies around.
func isUserStageAnchor(s string) bool { return s == "install" || s == "setup" }
