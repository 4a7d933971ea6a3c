package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	yamlv2 "sigs.k8s.io/yaml/goyaml.v2"
	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// A document is decoded from yaml.v3 nodes, which keep lines, key by key: what a
// reader function does not take is an unknown key, and every error points at the
// line of the key or value it is about. Values follow werf's YAML 1.1 reading
// (yaml.v2): `yes` is true, and any scalar is accepted where a string is expected.

// docReader decodes one document and places its errors. Its first error sticks:
// later reads return zero values, and the reader functions return err at the end,
// so that decoding reads top to bottom like the document does.
type docReader struct {
	file     string
	rendered bool
	doc      *Document
	image    string // the image the document declares, once known, for errors
	policy   *parser
	err      error
}

// parse turns the document into its root node.
func (d *docReader) parse() (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(d.doc.Content, &root); err != nil {
		return nil, d.yamlError(err)
	}
	if len(root.Content) == 0 {
		return nil, d.errorAt(nil, "", "the document is empty")
	}
	return root.Content[0], nil
}

// yamlError places a YAML syntax error ("yaml: line 3: …") in the rendered file.
func (d *docReader) yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, tail
			}
		}
	}
	e := &Error{File: d.file, Rendered: d.rendered, Doc: d.doc.Index, Line: d.doc.Line, Image: d.image, Err: fmt.Errorf("invalid YAML: %s", msg)}
	if line > 0 {
		e.Line = d.doc.Line + line - 1
		e.Text = lineText(d.doc.Content, line)
	}
	return e
}

// errorAt makes an Error about node n (the document itself when n is nil).
func (d *docReader) errorAt(n *yaml.Node, key, format string, args ...any) *Error {
	e := &Error{File: d.file, Rendered: d.rendered, Doc: d.doc.Index, Line: d.doc.Line, Image: d.image, Key: key, Err: fmt.Errorf(format, args...)}
	if n != nil && n.Line > 0 {
		e.Line = d.doc.Line + n.Line - 1
		e.Text = lineText(d.doc.Content, n.Line)
	}
	return e
}

// fail records the document's first error.
func (d *docReader) fail(n *yaml.Node, key, format string, args ...any) {
	if d.err == nil {
		d.err = d.errorAt(n, key, format, args...)
	}
}

// mapping reads the keys of one YAML mapping.
type mapping struct {
	d      *docReader
	path   string // key path of this mapping; "" at the top of the document
	node   *yaml.Node
	keys   map[string]*yaml.Node // key → key node
	values map[string]*yaml.Node // key → value node, aliases resolved
	order  []string
	known  []string // keys a reader asked for, for the unknown-key message
}

// mapping opens node as a mapping at key path p; null is an empty mapping.
func (d *docReader) mapping(n *yaml.Node, p string) *mapping {
	n = resolve(n)
	m := &mapping{d: d, path: p, node: n, keys: map[string]*yaml.Node{}, values: map[string]*yaml.Node{}}
	switch {
	case isNull(n) || d.err != nil:
	case n.Kind != yaml.MappingNode:
		d.fail(n, p, "expected a mapping, got %s", describe(n))
	default:
		m.add(n, nil, 0)
	}
	return m
}

// maxMergeDepth bounds merges within merges: each is a level of recursion, and
// aliases can chain a million of them in a large file, overflowing the stack.
const maxMergeDepth = 1000

// add takes the pairs of a mapping node; merged pairs (`<<: *anchor`) never override
// the mapping's own, wherever the merge key stands. merging holds the mappings being
// merged, so that one merging itself is taken once; depth counts the merges that led
// to n.
func (m *mapping) add(n *yaml.Node, merging map[*yaml.Node]bool, depth int) {
	merged := merging != nil
	var sources []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch {
		case k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge":
			if v.Kind == yaml.SequenceNode {
				sources = append(sources, v.Content...)
			} else {
				sources = append(sources, v)
			}
			continue
		case k.Kind != yaml.ScalarNode:
			m.d.fail(k, m.path, "keys must be strings, got %s", describe(k))
			return
		}
		if _, dup := m.keys[k.Value]; dup {
			if !merged {
				m.d.fail(k, m.keyPath(k.Value), "key %q is set twice", k.Value)
			}
			continue
		}
		m.keys[k.Value], m.values[k.Value] = k, v
		m.order = append(m.order, k.Value)
	}
	if merging == nil {
		merging = map[*yaml.Node]bool{n: true}
	}
	for _, src := range sources {
		if src = resolve(src); src == nil || src.Kind != yaml.MappingNode {
			m.d.fail(orNode(src, n), m.path, "a merge key (<<) needs a mapping, got %s", describe(orNode(src, n)))
			return
		}
		if merging[src] {
			continue
		}
		if depth >= maxMergeDepth {
			m.d.fail(src, m.path, "merge keys (<<) nest more than %d deep", maxMergeDepth)
			return
		}
		merging[src] = true
		m.add(src, merging, depth+1)
	}
}

func (m *mapping) keyPath(key string) string {
	if m.path == "" {
		return key
	}
	return m.path + "." + key
}

// has reports whether the mapping sets key, null or not.
func (m *mapping) has(key string) bool {
	_, ok := m.values[key]
	return ok
}

// take returns the value of key, or nil when the key is absent or null.
func (m *mapping) take(key string) *yaml.Node {
	m.known = append(m.known, key)
	v := m.values[key]
	if isNull(v) || m.d.err != nil {
		return nil
	}
	return v
}

// str reads a string; yaml.v2, like werf, stores any scalar's text in a string.
func (m *mapping) str(key string) string {
	v := m.take(key)
	if v == nil {
		return ""
	}
	return m.d.scalar(v, m.keyPath(key))
}

func (d *docReader) scalar(n *yaml.Node, key string) string {
	if isNull(n) {
		// yaml.v2 leaves a null list item or map value at its zero value.
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, key, "expected a string, got %s", describe(n))
		return ""
	}
	return n.Value
}

// boolean reads key as YAML 1.1 does (true/false, yes/no, on/off, y/n); absent or
// null is def.
func (m *mapping) boolean(key string, def bool) bool {
	v := m.take(key)
	if v == nil {
		return def
	}
	if v.Kind == yaml.ScalarNode && v.Style == 0 {
		var b bool
		if err := yamlv2.Unmarshal([]byte(v.Value), &b); err == nil {
			return b
		}
	}
	m.d.fail(v, m.keyPath(key), "expected true or false, got %s", describe(v))
	return def
}

// present reports whether key has a value other than null (yaml.v2 leaves a
// pointer nil for both).
func (m *mapping) present(key string) bool { return m.has(key) && !isNull(m.values[key]) }

// optionalBool is boolean for a key whose absence werf tells from false.
func (m *mapping) optionalBool(key string) *bool {
	if !m.present(key) {
		return nil
	}
	b := m.boolean(key, false)
	return &b
}

// integer reads key as werf's yaml.v2 does into an int: 0x1f, 0o17, 017 and 1_000
// are integers, and a float is truncated (1.9 is 1); absent or null is 0.
func (m *mapping) integer(key string) int {
	v := m.take(key)
	if v == nil {
		return 0
	}
	if v.Kind == yaml.ScalarNode && v.Style == 0 {
		var n int
		if err := yamlv2.Unmarshal([]byte(v.Value), &n); err == nil {
			return n
		}
	}
	m.d.fail(v, m.keyPath(key), "expected an integer, got %s", describe(v))
	return 0
}

// stringList reads a list of strings; with scalarOK a single string is a list of one.
func (m *mapping) stringList(key string, scalarOK bool) []string {
	v := m.take(key)
	if v == nil {
		return nil
	}
	p := m.keyPath(key)
	if v.Kind == yaml.ScalarNode && scalarOK {
		return []string{v.Value}
	}
	if v.Kind != yaml.SequenceNode {
		want := "a list of strings"
		if scalarOK {
			want = "a string or a list of strings"
		}
		m.d.fail(v, p, "expected %s, got %s", want, describe(v))
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for i, item := range v.Content {
		out = append(out, m.d.scalar(resolve(item), fmt.Sprintf("%s[%d]", p, i)))
	}
	return out
}

func (m *mapping) stringMap(key string) map[string]string {
	sub := m.sub(key)
	if sub == nil {
		return nil
	}
	out := make(map[string]string, len(sub.order))
	for _, k := range sub.order {
		out[k] = m.d.scalar(sub.values[k], sub.keyPath(k))
	}
	return out
}

// sub opens the mapping under key; nil when absent.
func (m *mapping) sub(key string) *mapping {
	v := m.take(key)
	if v == nil {
		return nil
	}
	return m.d.mapping(v, m.keyPath(key))
}

// list returns the items of the sequence under key; nil when absent.
func (m *mapping) list(key string) []*yaml.Node {
	v := m.take(key)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		m.d.fail(v, m.keyPath(key), "expected a list, got %s", describe(v))
		return nil
	}
	items := make([]*yaml.Node, len(v.Content))
	for i, item := range v.Content {
		items[i] = resolve(item)
	}
	return items
}

// done fails on the first key no reader asked for.
func (m *mapping) done() {
	for _, k := range m.order {
		if slices.Contains(m.known, k) {
			continue
		}
		msg := fmt.Sprintf("unknown key %q", k)
		if s := suggest(k, m.known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			known := slices.Clone(m.known)
			slices.Sort(known)
			msg += " (known keys: " + strings.Join(slices.Compact(known), ", ") + ")"
		}
		m.d.fail(m.keys[k], m.path, "%s", msg)
		return
	}
}

// anything accepts key with any value: sections werf reads for other commands.
func (m *mapping) anything(key string) { m.take(key) }

func resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 100; depth++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// describe names a node's kind for "expected X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		return strconv.Quote(v)
	}
	return "an alias"
}

// suggest finds a known key within two edits of an unknown one (a typo).
func suggest(unknown string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(unknown), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// yaml11String is how werf turns an args value into a build arg: yaml.v2 decodes it
// (so `yes` is true and `1.10` is 1.1) and fmt's %v prints it.
func yaml11String(n *yaml.Node) (string, error) {
	data, err := yaml.Marshal(n)
	if err != nil {
		return "", err
	}
	var v any
	if err := yamlv2.Unmarshal(data, &v); err != nil {
		return "", err
	}
	return fmt.Sprintf("%v", v), nil
}
