package config

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	yaml "sigs.k8s.io/yaml/goyaml.v3"
)

// Rules of imageSpec that both the config check and the imageSpec stage
// (package stages/imagespec) apply, kept here so that they cannot drift apart.

// RemovePattern reads an entry of removeLabels or removeEnv as werf does: an
// entry written /…/ is a regular expression that must match the whole name (werf
// wraps it in ^…$ as written, so `/a|b/` is `^a|b$`); any other entry is an exact
// name, returned with a nil Regexp.
func RemovePattern(entry string) (*regexp.Regexp, error) {
	if len(entry) < 2 || !strings.HasPrefix(entry, "/") || !strings.HasSuffix(entry, "/") {
		if entry == "/" {
			// werf slices past the end of "/" and crashes; refuse it instead.
			return nil, fmt.Errorf("%q is neither a name nor a /regex/", entry)
		}
		return nil, nil
	}
	re, err := regexp.Compile("^" + entry[1:len(entry)-1] + "$")
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", entry, err)
	}
	return re, nil
}

// labelTemplateData is what a label template sees besides the functions: werf
// passes the same two fields, so %.Project% works as %project% does.
type labelTemplateData struct {
	Project string
	Image   string
}

// ExpandLabelTemplate expands %project% and %image% in a label key or value as
// werf does: with html/template and % as both delimiters. The HTML escaping is
// werf's too, on every label, variables or not: an action's output is escaped
// for the context around it, a "<" that opens no tag becomes &lt; and HTML
// comments vanish. So are its errors: a lone % starts an action, so "100%" is an
// error (a literal % is %"%"%). image is the werf image name, "" for the
// nameless image.
func ExpandLabelTemplate(text, project, image string) (string, error) {
	funcs := template.FuncMap{
		"project": func() string { return project },
		"image":   func() string { return image },
	}
	tmpl, err := template.New("label").Delims("%", "%").Funcs(funcs).Parse(text)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, labelTemplateData{Project: project, Image: image}); err != nil {
		return "", err
	}
	return b.String(), nil
}

// maxHealthcheckSeconds is the longest healthcheck duration a time.Duration
// holds: werf multiplies the seconds by time.Second and would overflow past it.
const maxHealthcheckSeconds = math.MaxInt64 / int64(1e9)

// checkRemovePatterns refuses a removeLabels or removeEnv entry werf cannot use:
// a /regex/ that does not compile fails werf's imageSpec stage after the build.
func (d *docReader) checkRemovePatterns(c *mapping, key string, entries []string) {
	for i, e := range entries {
		if _, err := RemovePattern(e); err != nil {
			d.fail(itemNode(c.values[key], i), fmt.Sprintf("%s[%d]", c.keyPath(key), i), "%s", err)
			return
		}
	}
}

// checkLabelTemplates refuses labels whose key or value werf's template cannot
// expand (a stray %, an unknown %function%): werf fails the imageSpec stage on
// them. The outcome does not depend on the names expanded, so none are needed.
// A literal % is written %"%"%, an action printing the string "%".
func (d *docReader) checkLabelTemplates(c *mapping, labels map[string]string) {
	sub := c.values["labels"]
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		for _, text := range []string{k, labels[k]} {
			if _, err := ExpandLabelTemplate(text, "", ""); err != nil {
				d.fail(mapKeyNode(sub, k), c.keyPath("labels")+"."+k, "%q is not a valid label template (%%project%% and %%image%% are its variables; write a literal %% as %%\"%%\"%%): %s", text, err)
				return
			}
		}
	}
}

// checkHealthcheck refuses negative healthcheck values. werf passes them on, but
// a negative duration or retry count cannot be meant, and the runtime refuses it.
func (d *docReader) checkHealthcheck(hc *mapping, h *Healthcheck) {
	for _, f := range []struct {
		key     string
		value   int
		seconds bool
	}{
		{"interval", h.Interval, true},
		{"timeout", h.Timeout, true},
		{"startperiod", h.StartPeriod, true},
		{"retries", h.Retries, false},
	} {
		switch {
		case f.value < 0:
			d.fail(hc.values[f.key], hc.keyPath(f.key), "must not be negative, got %d", f.value)
			return
		case f.seconds && int64(f.value) > maxHealthcheckSeconds:
			d.fail(hc.values[f.key], hc.keyPath(f.key), "%d seconds is longer than a duration can be", f.value)
			return
		}
	}
}

// itemNode is item i of a sequence node, or the node itself.
func itemNode(n *yaml.Node, i int) *yaml.Node {
	n = resolve(n)
	if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i]
	}
	return n
}

// mapKeyNode is the node of key in a mapping node (where the label is
// written), or the mapping itself when a merge key (<<) brought it in.
func mapKeyNode(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i]
			}
		}
	}
	return n
}
