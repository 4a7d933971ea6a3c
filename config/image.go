package config

import (
	"fmt"
	"path"
	"slices"
	"strings"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// decodeImages reads a Dockerfile document: one Image per name it lists.
func (d *docReader) decodeImages(root *yaml.Node, meta *Meta) ([]*Image, error) {
	m := d.mapping(root, "")
	names := d.imageNames(m)
	if len(names) > 0 {
		d.image = LogName(names[0])
	}
	img := Image{
		Final:           m.boolean("final", true),
		Dockerfile:      m.str("dockerfile"),
		Context:         m.str("context"),
		ContextAddFiles: d.contextAddFiles(m),
		Target:          m.str("target"),
		Args:            d.args(m),
		AddHost:         m.stringList("addHost", true),
		Network:         m.str("network"),
		SSH:             m.str("ssh"),
		Secrets:         d.secrets(m),
		Staged:          m.boolean("staged", meta.Build.Staged),
		Platform:        d.platforms(m),
		CacheVersion:    m.str("cacheVersion"),
	}
	img.Dependencies = d.dependencies(m, img.Args)
	if spec := m.sub("imageSpec"); spec != nil {
		img.ImageSpec = d.decodeImageSpec(spec, false)
	}
	m.done()
	d.checkPaths(m, &img)
	d.checkGiterminism(m, &img)
	if d.err != nil {
		return nil, d.err
	}

	if img.CacheVersion == "" {
		img.CacheVersion = meta.Build.CacheVersion
	}
	images := make([]*Image, 0, len(names))
	for _, name := range names {
		i := img
		i.Name = name
		i.Doc = d.doc
		if i.Final {
			i.ImageSpec = mergeImageSpec(meta.Build.ImageSpec, img.ImageSpec)
		}
		i.refs = d.dependencyRefs(m, i.Dependencies)
		images = append(images, &i)
	}
	return images, nil
}

// imageNames reads `image`: a name, a list of names, or null/"" for the nameless
// image. A document without it declares no image, as in werf.
func (d *docReader) imageNames(m *mapping) []string {
	v := m.take("image")
	switch {
	case !m.has("image"):
		return nil
	case v == nil:
		return []string{""}
	case v.Kind == yaml.ScalarNode:
		return []string{v.Value}
	case v.Kind != yaml.SequenceNode:
		d.fail(v, "image", "expected an image name, a list of names, or ~ for the nameless image, got %s", describe(v))
		return nil
	}
	return m.stringList("image", false)
}

// contextAddFiles reads contextAddFiles, or its legacy spelling contextAddFile.
func (d *docReader) contextAddFiles(m *mapping) []string {
	files := m.stringList("contextAddFiles", true)
	legacy := m.stringList("contextAddFile", true)
	if len(files) > 0 && len(legacy) > 0 {
		d.fail(m.keys["contextAddFile"], "contextAddFile", "use contextAddFiles only: move these paths into it")
	}
	return append(files, legacy...)
}

// args reads build args; values become strings as werf makes them (yaml.v2 and %v).
func (d *docReader) args(m *mapping) map[string]string {
	sub := m.sub("args")
	if sub == nil || d.err != nil {
		return nil
	}
	args := make(map[string]string, len(sub.order))
	for _, k := range sub.order {
		v, err := yaml11String(sub.values[k])
		if err != nil {
			d.fail(sub.values[k], sub.keyPath(k), "%s", err)
		}
		args[k] = v
	}
	return args
}

// platforms reads a list of platforms; a comma inside one is a mistake werf rejects.
func (d *docReader) platforms(m *mapping) []string {
	list := m.stringList("platform", false)
	for i, p := range list {
		if strings.Contains(p, ",") {
			d.fail(m.values["platform"].Content[i], fmt.Sprintf("%s[%d]", m.keyPath("platform"), i),
				"invalid platform %q: list several platforms as YAML list items", p)
		}
	}
	return list
}

func (d *docReader) dependencies(m *mapping, args map[string]string) []Dependency {
	var deps []Dependency
	for i, item := range m.list("dependencies") {
		key := fmt.Sprintf("dependencies[%d]", i)
		dm := d.mapping(item, key)
		dep := Dependency{Image: dm.str("image")}
		if dep.Image == "" {
			d.fail(item, key+".image", "the dependency's image name is required")
		}
		for _, k := range []string{"before", "after"} {
			if dm.take(k) != nil {
				d.fail(dm.keys[k], dm.keyPath(k), "is a Stapel directive; Dockerfile images do not support it")
			}
		}
		for j, in := range dm.list("imports") {
			dep.Imports = append(dep.Imports, d.dependencyImport(in, fmt.Sprintf("%s.imports[%d]", key, j), args, dep.Imports))
		}
		dm.done()
		deps = append(deps, dep)
	}
	return deps
}

func (d *docReader) dependencyImport(in *yaml.Node, key string, args map[string]string, earlier []Import) Import {
	im := d.mapping(in, key)
	imp := Import{Type: ImportType(im.str("type")), TargetBuildArg: im.str("targetBuildArg")}
	if im.take("targetEnv") != nil {
		d.fail(im.keys["targetEnv"], key+".targetEnv", "is a Stapel directive; a Dockerfile image takes imports as build args (targetBuildArg)")
	}
	im.done()
	argNode := orNode(im.values["targetBuildArg"], in)
	switch {
	case !slices.Contains(ImportTypes, imp.Type):
		d.fail(orNode(im.values["type"], in), key+".type", "unknown import type %q (expected one of ImageName, ImageTag, ImageRepo, ImageID, ImageDigest)", imp.Type)
	case imp.TargetBuildArg == "":
		d.fail(in, key+".targetBuildArg", "required: the build arg that receives the %s", imp.Type)
	case slices.ContainsFunc(earlier, func(e Import) bool { return e.TargetBuildArg == imp.TargetBuildArg }):
		d.fail(argNode, key+".targetBuildArg", "build arg %q already receives another import", imp.TargetBuildArg)
	}
	if _, clash := args[imp.TargetBuildArg]; clash {
		d.fail(argNode, key+".targetBuildArg", "build arg %q is also set in args; set it in one place only", imp.TargetBuildArg)
	}
	return imp
}

func (d *docReader) secrets(m *mapping) []Secret {
	var secrets []Secret
	for i, item := range m.list("secrets") {
		key := fmt.Sprintf("secrets[%d]", i)
		sm := d.mapping(item, key)
		s := Secret{ID: sm.str("id"), Env: sm.str("env"), Src: sm.str("src"), Value: sm.str("value")}
		sm.done()
		kinds := 0
		for _, k := range []string{"env", "src", "value"} {
			if sm.has(k) {
				kinds++
			}
		}
		switch {
		case kinds != 1 || (s.Env == "" && s.Src == "" && !sm.has("value")):
			d.fail(item, key, "a secret takes exactly one of env, src and value")
		case s.ID != "":
		case s.Env != "":
			s.ID = s.Env
		case s.Src != "":
			s.ID = path.Base(strings.ReplaceAll(s.Src, "\\", "/"))
		default:
			d.fail(item, key+".id", "a value secret needs an id")
		}
		if slices.ContainsFunc(secrets, func(o Secret) bool { return o.ID == s.ID }) {
			d.fail(item, key+".id", "secret %q is defined twice", s.ID)
		}
		secrets = append(secrets, s)
	}
	return secrets
}

// decodeImageSpec reads imageSpec; the meta document's (global) takes fewer keys.
func (d *docReader) decodeImageSpec(m *mapping, global bool) *ImageSpec {
	spec := &ImageSpec{Author: m.str("author"), ClearHistory: m.boolean("clearHistory", false)}
	if c := m.sub("config"); c != nil {
		spec.Config = ImageSpecConfig{
			KeepEssentialWerfLabels: c.boolean("keepEssentialWerfLabels", false),
			ClearWerfLabels:         c.boolean("clearWerfLabels", false),
			RemoveLabels:            c.stringList("removeLabels", false),
			Labels:                  c.stringMap("labels"),
		}
		d.checkRemovePatterns(c, "removeLabels", spec.Config.RemoveLabels)
		d.checkLabelTemplates(c, spec.Config.Labels)
		if !global {
			d.decodeImageConfig(c, &spec.Config)
		}
		c.done()
	}
	m.done()
	return spec
}

// decodeImageConfig reads the imageSpec.config keys only an image may set.
func (d *docReader) decodeImageConfig(c *mapping, cfg *ImageSpecConfig) {
	cfg.ClearCmd = c.boolean("clearCmd", false)
	cfg.ClearEntrypoint = c.boolean("clearEntrypoint", false)
	cfg.ClearUser = c.boolean("clearUser", false)
	cfg.ClearWorkingDir = c.boolean("clearWorkingDir", false)
	cfg.RemoveVolumes = c.stringList("removeVolumes", false)
	cfg.RemoveEnv = c.stringList("removeEnv", false)
	d.checkRemovePatterns(c, "removeEnv", cfg.RemoveEnv)
	cfg.Volumes = c.stringList("volumes", false)
	cfg.Expose = c.stringList("expose", false)
	cfg.Cmd = c.stringList("cmd", false)
	cfg.Entrypoint = c.stringList("entrypoint", false)
	cfg.Env = c.stringMap("env")
	cfg.User = c.str("user")
	cfg.WorkingDir = c.str("workingDir")
	cfg.StopSignal = c.str("stopSignal")
	if hc := c.sub("healthcheck"); hc != nil {
		cfg.Healthcheck = &Healthcheck{
			Test:     hc.stringList("test", false),
			Interval: hc.integer("interval"),
			Timeout:  hc.integer("timeout"),
			// werf reads healthcheck keys through json tags, so they are lower case.
			StartPeriod: hc.integer("startperiod"),
			Retries:     hc.integer("retries"),
		}
		hc.done()
		d.checkHealthcheck(hc, cfg.Healthcheck)
	}
}

// checkPaths refuses absolute paths and paths that climb out of where they belong:
// context out of the project directory, dockerfile and contextAddFiles out of the
// context.
func (d *docReader) checkPaths(m *mapping, img *Image) {
	if !staysInside(img.Context) {
		d.fail(m.values["context"], "context", "%q must be a relative path inside the project directory", img.Context)
	}
	if !staysInside(img.Dockerfile) {
		d.fail(m.values["dockerfile"], "dockerfile", "%q must be a relative path inside the context", img.Dockerfile)
	}
	key := "contextAddFiles"
	if !m.has(key) {
		key = "contextAddFile"
	}
	for i, f := range img.ContextAddFiles {
		if !staysInside(f) || f == "" {
			d.fail(m.values[key], fmt.Sprintf("%s[%d]", key, i), "%q must be a relative path inside the context", f)
		}
	}
}

// staysInside reports whether a relative path stays below its base.
func staysInside(p string) bool {
	p = strings.ReplaceAll(p, "\\", "/")
	if path.IsAbs(p) || (len(p) > 1 && p[1] == ':') {
		return false
	}
	clean := path.Clean(p)
	return clean != ".." && !strings.HasPrefix(clean, "../")
}

// checkGiterminism refuses what reaches outside the commit unless
// werf-giterminism.yaml allows it: contextAddFiles, and env and file secrets and
// value secrets. --loose-giterminism allows everything.
func (d *docReader) checkGiterminism(m *mapping, img *Image) {
	if d.policy == nil || d.policy.loose || d.err != nil {
		return
	}
	cfg := d.policy.gt.Config
	for i, f := range img.ContextAddFiles {
		p := path.Join(img.Context, f)
		if !cfg.Dockerfile.AllowContextAddFiles.Match(p) {
			key := "contextAddFiles"
			if !m.has(key) {
				key = "contextAddFile"
			}
			d.fail(m.values[key], fmt.Sprintf("%s[%d]", key, i), "%q is not allowed by werf-giterminism.yaml (config.dockerfile.allowContextAddFiles): its content comes from outside the commit and changes the digest", p)
			return
		}
	}
	items := m.values["secrets"]
	for i, s := range img.Secrets {
		var allowed bool
		var what, key string
		switch {
		case s.Env != "":
			allowed, what, key = slices.Contains(cfg.Secrets.AllowEnvVariables, s.Env), fmt.Sprintf("env secret %q", s.Env), "allowEnvVariables"
		case s.Src != "":
			allowed, what, key = d.policy.secretFileAllowed(s.Src), fmt.Sprintf("file secret %q", s.Src), "allowFiles"
		default:
			allowed, what, key = slices.Contains(cfg.Secrets.AllowValueIds, s.ID), fmt.Sprintf("value secret %q", s.ID), "allowValueIds"
		}
		if !allowed {
			d.fail(items.Content[i], fmt.Sprintf("secrets[%d]", i), "%s is not allowed by werf-giterminism.yaml (config.secrets.%s)", what, key)
			return
		}
	}
}
