package config

import (
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// export is what a git mapping and an import share (pkg/config/raw_export_base.go):
// a source path, where it goes, and which files under it. Paths are kept cleaned,
// as werf keeps them: `to: /app/` is /app, `includePaths: [src/]` is src.
type export struct {
	rawAdd, rawTo      string
	add, to            string
	owner, group       string
	includes, excludes []string
}

// decodeExport reads the keys of an export besides add and to, which differ in
// defaults between git and import and come in as written.
func (d *docReader) decodeExport(m *mapping, add, to string) export {
	e := export{rawAdd: add, rawTo: to, add: cleanPath(add), to: cleanPath(to), owner: m.str("owner"), group: m.str("group")}
	for _, p := range d.werfStrings(m, "includePaths") {
		e.includes = append(e.includes, cleanPath(p))
	}
	for _, p := range d.werfStrings(m, "excludePaths") {
		e.excludes = append(e.excludes, cleanPath(p))
	}
	return e
}

// checkExport applies werf's ExportBase.validate: absolute add and to, relative
// include and exclude paths.
func (d *docReader) checkExport(m *mapping, e export) {
	for _, p := range []struct{ key, raw, clean string }{{"add", e.rawAdd, e.add}, {"to", e.rawTo, e.to}} {
		if path.IsAbs(p.clean) {
			continue
		}
		n := orNode(m.values[p.key], m.node)
		if p.raw == "" {
			d.fail(n, m.keyPath(p.key), "required: an absolute path")
		} else {
			d.fail(n, m.keyPath(p.key), "%q is not an absolute path", p.raw)
		}
		return
	}
	d.checkRelative(m, "includePaths")
	d.checkRelative(m, "excludePaths")
}

// exportSlot is one export of an image as werf's auto-excluding sees it: the
// excludes it may add to are the image's own (GitMapping or FileImport).
type exportSlot struct {
	key      string // git[0], import[1]: for the conflict error
	to       string
	includes []string
	excludes *[]string
}

// autoExclude is werf's exportsAutoExcluding (pkg/config/stapel_image_base.go,
// export_base.go): for every ordered pair of exports (local git mappings, then
// remote ones, then imports), when the second lands inside the first one's `to`,
// the first excludes what the second brings, so that no file comes from two
// places. Two exports whose files cannot be told apart (the same `to` without
// includePaths that separate them) conflict: it returns their indices.
func autoExclude(slots []exportSlot) (a, b int, conflict bool) {
	for i := range slots {
		for j := range slots {
			if i != j && !slots[i].excludeFrom(slots[j]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

// excludeFrom is werf's AutoExcludeExportAndCheck with c the receiver: false on
// a conflict.
func (c exportSlot) excludeFrom(other exportSlot) bool {
	if !isSubPath(c.to, other.to) {
		return true
	}
	own, theirs := c.includesInImage(), other.includesInImage()
	if len(own) == 0 && len(theirs) == 0 {
		return false
	}
	for _, inc := range theirs {
		if slices.Contains(own, inc) {
			return false
		}
		// werf's isSubPathOfSomePath(inc, paths): some path lies inside inc.
		if slices.ContainsFunc(own, func(p string) bool { return isSubPath(inc, p) }) ||
			slices.ContainsFunc(c.excludesInImage(), func(p string) bool { return isSubPath(inc, p) }) {
			continue
		}
		rel, err := filepath.Rel(c.to, path.Join("/", inc))
		if err != nil {
			continue // both are absolute: Rel cannot fail
		}
		*c.excludes = append(*c.excludes, filepath.ToSlash(rel))
	}
	return true
}

// includesInImage are the include paths as image paths without the leading
// slash; no includePaths is the whole `to` (nothing for `to: /`).
func (c exportSlot) includesInImage() []string {
	prefix := c.prefix()
	if len(c.includes) == 0 && prefix != "" {
		return []string{prefix}
	}
	out := make([]string, 0, len(c.includes))
	for _, p := range c.includes {
		out = append(out, path.Join(prefix, p))
	}
	return out
}

func (c exportSlot) excludesInImage() []string {
	prefix := c.prefix()
	out := make([]string, 0, len(*c.excludes))
	for _, p := range *c.excludes {
		out = append(out, path.Join(prefix, p))
	}
	return out
}

func (c exportSlot) prefix() string {
	if c.to == "/" {
		return ""
	}
	return strings.TrimPrefix(c.to, "/")
}

// isSubPath is werf's: p equals base or lies under it.
func isSubPath(base, p string) bool {
	return p == base || strings.HasPrefix(p, strings.TrimRight(base, "/")+"/")
}
