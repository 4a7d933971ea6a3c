package config

import (
	"fmt"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// decodeStapel reads a Stapel document (pkg/config/raw_stapel_image.go): an
// `image:` document without dockerfile yields one Image per name, a legacy
// `artifact:` document one non-final Image.
func (d *docReader) decodeStapel(root *yaml.Node, meta *Meta) ([]*Image, error) {
	m := d.mapping(root, "")
	names := d.imageNames(m)
	artifact := m.str("artifact")
	switch {
	case d.err != nil:
		return nil, d.err
	case len(names) > 0 && artifact != "":
		d.fail(m.keys["artifact"], "artifact", "a document declares an image or an artifact, not both: remove image or artifact")
		return nil, d.err
	case len(names) == 0 && artifact == "":
		d.fail(orNode(m.values["artifact"], orNode(m.values["image"], root)), "", "set a non-empty name: image: NAME (or ~ for the nameless image), or the legacy artifact: NAME")
		return nil, d.err
	case artifact != "":
		names = []string{artifact}
	}
	d.image = LogName(names[0])
	isArtifact := artifact != ""

	s := &Stapel{
		Artifact:             isArtifact,
		From:                 m.str("from"),
		FromImage:            m.str("fromImage"),
		FromLatest:           m.boolean("fromLatest", false),
		FromCacheVersion:     m.str("fromCacheVersion"),
		DisableGitAfterPatch: m.boolean("disableGitAfterPatch", false),
	}
	fromArtifact := m.str("fromArtifact")
	final := m.boolean("final", !isArtifact)
	s.Git = d.decodeGit(m)
	s.Shell = d.decodeShell(m)
	s.Ansible = d.decodeAnsible(m)
	s.Mounts = d.decodeMounts(m)
	s.Docker = d.decodeDocker(m)
	s.Imports = d.decodeImports(m)
	img := Image{
		Final:        final && !isArtifact,
		Dependencies: d.stapelDependencies(m),
		Platform:     d.platforms(m),
		Secrets:      d.secrets(m),
		CacheVersion: m.str("cacheVersion"),
	}
	s.Network = m.str("network")
	if spec := m.sub("imageSpec"); spec != nil {
		img.ImageSpec = d.decodeImageSpec(spec, false)
	}
	m.done()
	if d.err != nil {
		return nil, d.err
	}

	d.checkStapel(m, s, fromArtifact)
	d.checkGiterminism(m, &img)
	if isArtifact {
		d.checkArtifact(m)
	} else if s.Docker != nil && img.ImageSpec != nil {
		d.fail(m.keys["docker"], "docker", "the deprecated docker section cannot be used along with imageSpec: move its instructions into imageSpec.config")
	}
	if d.err != nil {
		return nil, d.err
	}
	if fromArtifact != "" {
		s.FromImage, s.FromArtifact = fromArtifact, true
	}
	if isArtifact {
		s.DisableGitAfterPatch = true // werf's artifacts never patch git after install
	}
	if img.CacheVersion == "" {
		img.CacheVersion = meta.Build.CacheVersion
	}

	images := make([]*Image, 0, len(names))
	for _, name := range names {
		i := img
		i.Name = name
		i.Doc = d.doc
		st := *s
		i.Stapel = &st
		// werf's backward-compatibility rule: an image named like its base
		// (image: alpine, from: alpine) is built from NAME:latest, not from itself.
		if name != "" && st.From == name {
			st.From += ":latest"
		}
		if name != "" && st.FromImage == name {
			d.image = LogName(name)
			key := "fromImage"
			if st.FromArtifact {
				key = "fromArtifact"
			}
			d.fail(m.values[key], key, "an image cannot be built from itself")
			return nil, d.err
		}
		if i.Final {
			i.ImageSpec = mergeImageSpec(meta.Build.ImageSpec, img.ImageSpec)
		}
		i.refs = d.stapelRefs(m, &st, i.Dependencies)
		images = append(images, &i)
	}
	return images, nil
}

// checkStapel applies werf's StapelImageBase.validate and StapelImage.validate:
// one base, no two builders, mounts apart, exports that do not collide.
func (d *docReader) checkStapel(m *mapping, s *Stapel, fromArtifact string) {
	var bases []string
	for _, k := range []string{"from", "fromImage", "fromArtifact"} {
		if m.take(k) != nil && m.values[k].Value != "" {
			bases = append(bases, k)
		}
	}
	switch {
	case len(bases) == 0:
		d.fail(m.node, "from", "the base image is required: from (a registry image, or scratch), or fromImage (an image of werf.yaml)")
	case len(bases) > 1:
		d.fail(m.values[bases[1]], bases[1], "set one of from, fromImage and fromArtifact: %s is already set", bases[0])
	}
	if s.FromLatest && d.policy != nil && !d.policy.loose && !d.policy.gt.Config.Stapel.AllowFromLatest {
		d.fail(m.values["fromLatest"], "fromLatest", "not allowed by werf-giterminism.yaml (config.stapel.allowFromLatest): the base image's current ID enters the digest, so a push to the base image makes earlier builds unusable; change fromCacheVersion instead")
	}
	if s.Shell != nil && s.Ansible != nil {
		d.fail(m.keys["ansible"], "ansible", "an image takes shell or ansible, not both")
	}
	d.excludeOverlaps(m, s)
}

// checkArtifact refuses what werf refuses in a legacy artifact document.
func (d *docReader) checkArtifact(m *mapping) {
	for _, k := range []string{"docker", "final"} {
		if m.take(k) != nil {
			d.fail(m.keys[k], k, "is not supported in an artifact; declare it as image: with final: false instead")
		}
	}
	if m.take("disableGitAfterPatch") != nil && m.boolean("disableGitAfterPatch", false) {
		d.fail(m.keys["disableGitAfterPatch"], "disableGitAfterPatch", "is not supported in an artifact (an artifact never patches git after install)")
	}
	if v := m.take("dependencies"); v != nil && len(v.Content) > 0 {
		d.fail(m.keys["dependencies"], "dependencies", "are not supported in an artifact; declare it as image: with final: false instead")
	}
}

// excludeOverlaps runs werf's auto-excluding over the image's git mappings and
// imports, adding to their ExcludePaths, and refuses two that collide.
func (d *docReader) excludeOverlaps(m *mapping, s *Stapel) {
	var slots []exportSlot
	var nodes []*yaml.Node
	gitItems, importItems := m.values["git"], m.values["import"]
	for _, local := range []bool{true, false} {
		for i := range s.Git {
			if g := &s.Git[i]; g.IsLocal() == local {
				slots = append(slots, exportSlot{key: fmt.Sprintf("git[%d]", i), to: g.To, includes: g.IncludePaths, excludes: &g.ExcludePaths})
				nodes = append(nodes, gitItems.Content[i])
			}
		}
	}
	for i := range s.Imports {
		imp := &s.Imports[i]
		slots = append(slots, exportSlot{key: fmt.Sprintf("import[%d]", i), to: imp.To, includes: imp.IncludePaths, excludes: &imp.ExcludePaths})
		nodes = append(nodes, importItems.Content[i])
	}
	if a, b, conflict := autoExclude(slots); conflict {
		d.fail(nodes[b], slots[b].key, "its files collide with those of %s at %q: give them includePaths that tell them apart, or different to", slots[a].key, slots[b].to)
	}
}

// imageRef is a name of another image that an image uses, where it is written.
type imageRef struct {
	Name string
	Key  string
	Line int
	Text string
	// Optional: `from` names an image of werf.yaml only if one is so named;
	// otherwise it is a registry reference.
	Optional bool
}

func (d *docReader) ref(n *yaml.Node, key, name string, optional bool) imageRef {
	e := d.errorAt(n, key, "")
	return imageRef{Name: name, Key: key, Line: e.Line, Text: e.Text, Optional: optional}
}

// stapelRefs lists the image names a Stapel image uses, for validate.
func (d *docReader) stapelRefs(m *mapping, s *Stapel, deps []Dependency) []imageRef {
	var refs []imageRef
	switch {
	case s.From != "":
		refs = append(refs, d.ref(m.values["from"], "from", s.From, true))
	case s.FromArtifact:
		refs = append(refs, d.ref(m.values["fromArtifact"], "fromArtifact", s.FromImage, false))
	case s.FromImage != "":
		refs = append(refs, d.ref(m.values["fromImage"], "fromImage", s.FromImage, false))
	}
	if items := m.values["import"]; items != nil {
		for i, imp := range s.Imports {
			if imp.External {
				continue
			}
			im := d.mapping(items.Content[i], "")
			key := "image"
			switch {
			case imp.Artifact:
				key = "artifact"
			case im.values["from"] != nil && im.values["from"].Value != "":
				key = "from"
			}
			refs = append(refs, d.ref(im.values[key], fmt.Sprintf("import[%d].%s", i, key), imp.Image, false))
		}
	}
	return append(refs, d.dependencyRefs(m, deps)...)
}

// dependencyRefs lists the images of dependencies, Dockerfile or Stapel.
func (d *docReader) dependencyRefs(m *mapping, deps []Dependency) []imageRef {
	var refs []imageRef
	items := m.values["dependencies"]
	for i, dep := range deps {
		n := items.Content[i]
		if dm := d.mapping(n, ""); dm.values["image"] != nil {
			n = dm.values["image"]
		}
		refs = append(refs, d.ref(n, fmt.Sprintf("dependencies[%d].image", i), dep.Image, false))
	}
	return refs
}
