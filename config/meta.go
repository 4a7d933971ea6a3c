package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// projectNamePattern is werf's rule for project names (at most 50 characters).
var projectNamePattern = regexp.MustCompile(`^(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$`)

const maxProjectName = 50

// decodeMeta reads the meta document.
func (d *docReader) decodeMeta(root *yaml.Node) (Meta, error) {
	var meta Meta
	m := d.mapping(root, "")
	if v := m.take("configVersion"); d.err == nil && (v == nil || v.Kind != yaml.ScalarNode || v.Style != 0 || v.Value != "1") {
		d.fail(orNode(v, root), "configVersion", "must be 1 (configVersion: 1)")
	}
	meta.ConfigVersion = 1
	meta.Project = m.str("project")
	if err := validateProjectName(meta.Project); err != nil {
		d.fail(orNode(m.values["project"], root), "project", "%s", err)
	}
	if b := m.sub("build"); b != nil {
		meta.Build = d.decodeBuild(b)
	}
	if s := m.sub("deploy"); s != nil {
		d.checkDeploy(s)
	}
	if s := m.sub("cleanup"); s != nil {
		meta.Cleanup = d.decodeCleanup(s)
	}
	if s := m.sub("gitWorktree"); s != nil {
		meta.GitWorktree = GitWorktree{
			ForceShallowClone:               s.optionalBool("forceShallowClone"),
			AllowUnshallow:                  s.optionalBool("allowUnshallow"),
			AllowFetchOriginBranchesAndTags: s.optionalBool("allowFetchOriginBranchesAndTags"),
		}
		s.done()
	}
	m.done()
	return meta, d.err
}

// validateProjectName applies werf's project name rule.
func validateProjectName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("the project name is required")
	case len(name) > maxProjectName || !projectNamePattern.MatchString(name):
		return fmt.Errorf("invalid project name %q: use lower-case letters, digits and inner dashes, at most %d characters", name, maxProjectName)
	}
	return nil
}

func orNode(n, fallback *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return fallback
}

func (d *docReader) decodeBuild(m *mapping) Build {
	b := Build{
		Platform:     d.platforms(m),
		CacheVersion: m.str("cacheVersion"),
		Staged:       m.boolean("staged", false),
	}
	if spec := m.sub("imageSpec"); spec != nil {
		b.ImageSpec = d.decodeImageSpec(spec, true)
	}
	m.done()
	return b
}

// checkDeploy only checks keys and types: the section belongs to werf's other
// commands.
func (d *docReader) checkDeploy(m *mapping) {
	if chart := m.sub("helmChartConfig"); chart != nil {
		chart.str("appVersion")
		chart.done()
	}
	for _, k := range []string{"helmChartDir", "helmRelease", "namespace"} {
		if m.has(k) && m.str(k) == "" {
			d.fail(orNode(m.values[k], m.keys[k]), m.keyPath(k), "cannot be empty")
		}
	}
	m.boolean("helmReleaseSlug", false)
	m.boolean("namespaceSlug", false)
	m.done()
}

// decodeCleanup reads the cleanup section (pkg/config/raw_meta_cleanup.go).
func (d *docReader) decodeCleanup(m *mapping) Cleanup {
	c := Cleanup{
		Disable:                            m.boolean("disable", false),
		DisableKubernetesBasedPolicy:       m.boolean("disableKubernetesBasedPolicy", false),
		DisableGitHistoryBasedPolicy:       m.boolean("disableGitHistoryBasedPolicy", false),
		DisableBuiltWithinLastNHoursPolicy: m.boolean("disableBuiltWithinLastNHoursPolicy", false),
	}
	if m.present("keepImagesBuiltWithinLastNHours") {
		v := m.values["keepImagesBuiltWithinLastNHours"]
		n := m.integer("keepImagesBuiltWithinLastNHours")
		if n < 0 {
			d.fail(v, m.keyPath("keepImagesBuiltWithinLastNHours"), "cannot be negative, got %d", n)
		}
		c.KeepImagesBuiltWithinLastNHours = &n
	}
	for i, p := range m.list("keepPolicies") {
		pm := d.mapping(p, fmt.Sprintf("%s[%d]", m.keyPath("keepPolicies"), i))
		refs := pm.sub("references")
		if refs == nil {
			d.fail(p, pm.path, "a keep policy needs a references section")
			return c
		}
		var policy KeepPolicy
		tag, branch := refs.str("tag"), refs.str("branch")
		switch {
		case (tag == "") == (branch == ""):
			d.fail(refs.node, refs.path, "set exactly one of tag and branch")
		case branch != "":
			policy.References.Branch = d.referenceRegexp(refs, "branch", branch)
		default:
			policy.References.Tag = d.referenceRegexp(refs, "tag", tag)
		}
		policy.References.Limit = d.cleanupLimit(refs.sub("limit"))
		refs.done()
		policy.ImagesPerReference = d.cleanupLimit(pm.sub("imagesPerReference"))
		pm.done()
		c.KeepPolicies = append(c.KeepPolicies, policy)
	}
	m.done()
	return c
}

// referenceRegexp is werf's reading of a reference name: /…/ is a regular
// expression, anything else an exact name; either must match the whole name.
func (d *docReader) referenceRegexp(m *mapping, key, value string) *regexp.Regexp {
	expr := regexp.QuoteMeta(value)
	if len(value) >= 2 && strings.HasPrefix(value, "/") && strings.HasSuffix(value, "/") {
		expr = value[1 : len(value)-1]
	}
	re, err := regexp.Compile("^" + expr + "$")
	if err != nil {
		d.fail(orNode(m.values[key], m.node), m.keyPath(key), "invalid regular expression %q: %v", value, err)
		return nil
	}
	return re
}

// cleanupLimit reads a limit: last (a count), in (a Go duration such as 168h)
// and operator (And or Or).
func (d *docReader) cleanupLimit(limit *mapping) *KeepLimit {
	if limit == nil {
		return nil
	}
	l := &KeepLimit{}
	if limit.present("last") {
		n := limit.integer("last")
		l.Last = &n
	}
	if limit.present("in") {
		v := limit.values["in"]
		s := limit.str("in")
		dur, err := time.ParseDuration(s)
		if err != nil {
			d.fail(v, limit.keyPath("in"), "expected a duration such as 168h, got %q", s)
		}
		l.In = &dur
	}
	if op := limit.take("operator"); op != nil {
		if op.Kind != yaml.ScalarNode || (op.Value != "Or" && op.Value != "And") {
			d.fail(op, limit.keyPath("operator"), "expected Or or And, got %s", describe(op))
		} else {
			l.Operator = op.Value
		}
	}
	limit.done()
	return l
}
