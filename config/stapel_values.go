package config

import (
	"fmt"
	"path"

	yamlv2 "sigs.k8s.io/yaml/goyaml.v2"
	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// Stapel keys that werf declares as interface{} (commands, paths, VOLUME, CMD …)
// go through its InterfaceToStringArray (pkg/config/common.go): a string or a
// list of strings, where a string is what YAML 1.1 reads as one. `1`, `yes` or a
// null item are not strings there, unlike in the keys werf declares as strings.

// werfStrings reads key as a string or a list of strings, YAML 1.1 strings only;
// absent or null is nil.
func (d *docReader) werfStrings(m *mapping, key string) []string {
	v := m.take(key)
	if v == nil {
		return nil
	}
	p := m.keyPath(key)
	switch v.Kind {
	case yaml.ScalarNode:
		return []string{d.werfString(v, p)}
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for i, item := range v.Content {
			out = append(out, d.werfString(resolve(item), fmt.Sprintf("%s[%d]", p, i)))
		}
		return out
	}
	d.fail(v, p, "expected a string or a list of strings, got %s", describe(v))
	return nil
}

// werfString reads a scalar that YAML 1.1 takes as a string.
func (d *docReader) werfString(n *yaml.Node, key string) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		d.fail(n, key, "expected a string, got %s", describe(orNode(n, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"})))
		return ""
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	v, err := yaml11Value(n)
	if err != nil {
		d.fail(n, key, "%s", err)
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	what := "a non-string value"
	switch v.(type) {
	case nil:
		d.fail(n, key, "expected a string, got null")
		return ""
	case bool:
		what = "a boolean"
	case int, int64, uint64, float64:
		what = "a number"
	}
	d.fail(n, key, "expected a string, got %s (%s): quote it", what, n.Value)
	return ""
}

// yaml11Value decodes a node as werf's yaml.v2 does.
func yaml11Value(n *yaml.Node) (any, error) {
	data, err := yaml.Marshal(n)
	if err != nil {
		return nil, err
	}
	var v any
	err = yamlv2.Unmarshal(data, &v)
	return v, err
}

// cleanPath is werf's filepath.ToSlash(filepath.Clean(p)) for config paths.
func cleanPath(p string) string { return path.Clean(p) }

// isRelativePath is werf's rule for paths relative to a mapping or an import:
// not absolute, and not climbing out with `..`.
func isRelativePath(p string) bool {
	if path.IsAbs(p) {
		return false
	}
	c := path.Clean(p)
	return c != ".." && !hasDotDotPrefix(c)
}

func hasDotDotPrefix(p string) bool { return len(p) >= 3 && p[:3] == "../" }

// checkRelative refuses an absolute or climbing path in a list read from key.
func (d *docReader) checkRelative(m *mapping, key string) {
	v := m.values[key]
	if v == nil || d.err != nil {
		return
	}
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	for i, item := range items {
		item = resolve(item)
		k := m.keyPath(key)
		if v.Kind == yaml.SequenceNode {
			k = fmt.Sprintf("%s[%d]", k, i)
		}
		if !isRelativePath(item.Value) {
			d.fail(item, k, "%q must be a relative path that stays inside (no leading / and no climbing out with ..)", item.Value)
			return
		}
	}
}
