package config

import (
	"fmt"
	"path"
)

// decodeMounts reads `mount` (pkg/config/raw_mount.go, mount.go): a temporary
// or build directory, or a host directory (fromPath) that werf-giterminism.yaml
// must allow, mounted while the user stages run.
func (d *docReader) decodeMounts(m *mapping) []Mount {
	var mounts []Mount
	for i, item := range m.list("mount") {
		key := fmt.Sprintf("mount[%d]", i)
		mm := d.mapping(item, key)
		mt := Mount{To: mm.str("to"), From: mm.str("from"), FromPath: mm.str("fromPath")}
		mm.done()
		if d.err != nil {
			return mounts
		}
		d.checkMountAllowed(mm, mt)
		switch {
		case mt.From != "" && mt.FromPath != "":
			d.fail(mm.keys["fromPath"], key+".fromPath", "set one of from and fromPath")
		case mt.To == "":
			d.fail(item, key+".to", "required: an absolute path in the build container")
		case !path.IsAbs(mt.To):
			d.fail(mm.values["to"], key+".to", "%q is not an absolute path", mt.To)
		case mt.From == "" && mt.FromPath == "":
			d.fail(item, key, "set from (tmp_dir or build_dir) or fromPath (a host directory)")
		case mt.From != "" && mt.From != MountTmpDir && mt.From != MountBuildDir:
			d.fail(mm.values["from"], key+".from", "expected tmp_dir or build_dir, got %q", mt.From)
		}
		for j, other := range mounts {
			if other.To == mt.To {
				d.fail(mm.values["to"], key+".to", "mount[%d] already mounts %q", j, mt.To)
			}
		}
		mounts = append(mounts, mt)
	}
	return mounts
}

// checkMountAllowed is werf's giterminism check of a mount: fromPath must match
// config.stapel.mount.allowFromPaths, build_dir needs allowBuildDir.
func (d *docReader) checkMountAllowed(mm *mapping, mt Mount) {
	if d.policy == nil || d.policy.loose {
		return
	}
	allow := d.policy.gt.Config.Stapel.Mount
	switch {
	case mt.FromPath != "":
		if !allow.AllowFromPaths.MatchHostPath(mt.FromPath) {
			d.fail(mm.values["fromPath"], mm.keyPath("fromPath"), "%q is not allowed by werf-giterminism.yaml (config.stapel.mount.allowFromPaths): its content is outside the commit and does not enter the digest", mt.FromPath)
		}
	case mt.From == MountBuildDir:
		if !allow.AllowBuildDir {
			d.fail(mm.values["from"], mm.keyPath("from"), "build_dir is not allowed by werf-giterminism.yaml (config.stapel.mount.allowBuildDir): a directory shared by builds makes them depend on each other")
		}
	}
}
