package config

import (
	"bytes"
	"errors"
	"fmt"
	"hash/adler32"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	yamlv2 "sigs.k8s.io/yaml/goyaml.v2"

	"github.com/dagwerf/dagwerf/config/giterminism"
)

// maxRenderedSize stops a runaway template (a huge `repeat`, say) before it eats
// the machine's memory.
const maxRenderedSize = 64 << 20

// maxIncludeDepth bounds include and tpl calls inside one another, as Helm does:
// a template that includes itself forever would otherwise overflow the stack,
// which kills the process.
const maxIncludeDepth = 1000

// renderer executes werf.yaml as a Go template the way werf does: sprig's functions
// but expandenv, werf's own functions, and .Files, .Env and .Commit as data.
type renderer struct {
	files  *files
	gt     *giterminism.Config
	env    string
	lookup func(string) (string, bool) // the process environment, for the env function

	tmpl      *template.Template
	fileNames map[string]string // template name → file it came from, for errors
	depth     int               // include and tpl calls in progress
}

// templateSource is one file that takes part in rendering.
type templateSource struct {
	name    string // the template's name: werf.yaml's path, or a template's path inside the templates directory
	file    string // project-relative path
	content string
}

func (r *renderer) render(main templateSource, extra []templateSource) ([]byte, error) {
	r.tmpl = template.New(main.name)
	r.tmpl.Funcs(r.funcs())
	r.fileNames = map[string]string{main.name: main.file}
	// Templates first, werf.yaml last, so that a define in werf.yaml wins.
	for _, t := range append(extra, main) {
		r.fileNames[t.name] = t.file
		if _, err := r.tmpl.New(t.name).Parse(t.content); err != nil {
			return nil, r.templateError(err)
		}
	}

	var out bytes.Buffer
	if err := r.tmpl.ExecuteTemplate(&limitedWriter{&out, maxRenderedSize}, main.name, r.data()); err != nil {
		return nil, r.templateError(err)
	}
	return out.Bytes(), nil
}

func (r *renderer) data() map[string]any {
	snap := r.files.snap
	when := snap.CommitTime()
	date := map[string]string{"Human": "", "Unix": ""}
	if !when.IsZero() {
		date = map[string]string{"Human": when.String(), "Unix": strconv.FormatInt(when.Unix(), 10)}
	}
	return map[string]any{
		"Files":  templateFiles{r},
		"Env":    r.env,
		"Commit": map[string]any{"Hash": snap.Commit(), "Date": date},
	}
}

func (r *renderer) funcs() template.FuncMap {
	funcs := sprig.TxtFuncMap()
	delete(funcs, "expandenv") // the environment reaches werf.yaml only through env, under giterminism
	boundedFuncs(funcs)
	guardedMutations(funcs)

	funcs["env"] = r.envFunc
	funcs["include"] = func(name string, data any) (string, error) {
		return r.nested(fmt.Sprintf("template %q", name), name, data)
	}
	funcs["tpl"] = func(content string, data any) (string, error) {
		name := fmt.Sprintf("tpl-%d", adler32.Checksum([]byte(content)))
		if _, err := r.tmpl.New(name).Parse(content); err != nil {
			return "", err
		}
		return r.nested(fmt.Sprintf("tpl %q", shorten(content, 40)), name, data)
	}
	funcs["required"] = func(msg string, v any) (any, error) {
		if s, ok := v.(string); v == nil || (ok && s == "") {
			return v, errors.New(msg)
		}
		return v, nil
	}
	// werf marshals with yaml.v2; the same library keeps renders byte-identical.
	funcs["toYaml"] = func(v any) string {
		data, err := yamlv2.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	funcs["fromYaml"] = func(s string) (map[string]any, error) {
		m := map[string]any{}
		if err := yamlv2.Unmarshal([]byte(s), &m); err != nil {
			return nil, err
		}
		return m, nil
	}
	return funcs
}

// nested executes the template name for include or tpl, counting how deep such
// calls go; what names the call in the error.
func (r *renderer) nested(what, name string, data any) (string, error) {
	if r.depth >= maxIncludeDepth {
		return "", &includeDepthError{what}
	}
	r.depth++
	defer func() { r.depth-- }()
	var b bytes.Buffer
	if err := r.tmpl.ExecuteTemplate(&limitedWriter{&b, maxRenderedSize}, name, data); err != nil {
		// Passed up bare, so that a thousand levels do not each repeat the
		// message of the ones below: the error keeps the outermost call's place,
		// where the chain starts.
		var deep *includeDepthError
		if errors.As(err, &deep) {
			return "", deep
		}
		return "", err
	}
	return b.String(), nil
}

type includeDepthError struct{ what string }

func (e *includeDepthError) Error() string {
	return fmt.Sprintf("%s includes itself too deeply: include and tpl calls nest more than %d deep", e.what, maxIncludeDepth)
}

// shorten cuts s to at most n bytes for a message, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// envFunc is werf's `env NAME [DEFAULT]`: NAME must be allowed by
// config.goTemplateRendering.allowEnvVariables (even with a default), and an unset
// variable needs a default unless giterminism is loose.
func (r *renderer) envFunc(name any, def ...string) (string, error) {
	if len(def) > 1 {
		return "", errors.New("env takes a name and at most one default")
	}
	n := fmt.Sprint(name)
	if !r.files.loose && !r.gt.Config.GoTemplateRendering.AllowEnvVariables.Match(n) {
		return "", fmt.Errorf("environment variable %q is not allowed: list it in werf-giterminism.yaml (config.goTemplateRendering.allowEnvVariables), since its value changes the images' digests", n)
	}
	v, ok := r.lookup(n)
	switch {
	case ok && (v != "" || len(def) == 0):
		return v, nil
	case len(def) == 1:
		return def[0], nil
	case r.files.loose:
		return "", nil
	}
	return "", fmt.Errorf("environment variable %q is not set and env has no default", n)
}

// templateFiles is .Files: the project's files read under giterminism
// (config.goTemplateRendering.allowUncommittedFiles).
type templateFiles struct{ r *renderer }

func (f templateFiles) allowance() allowance {
	return globsAllowance("config.goTemplateRendering.allowUncommittedFiles", f.r.gt.Config.GoTemplateRendering.AllowUncommittedFiles)
}

// Get returns a file's content.
func (f templateFiles) Get(rel string) (string, error) {
	data, err := f.r.files.read(rel, f.allowance())
	if err != nil {
		return "", err
	}
	return string(data), nil
}

// Glob returns the matching files' contents by project-relative path.
func (f templateFiles) Glob(pattern string) (map[string]any, error) {
	found, err := f.r.files.glob(pattern, f.allowance())
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(found))
	for p, data := range found {
		out[p] = string(data)
	}
	return out, nil
}

// Exists reports whether a path exists (committed and unchanged, outside --dev).
func (f templateFiles) Exists(rel string) (bool, error) {
	exists, _, err := f.r.files.stat(rel, f.allowance())
	return exists, err
}

// IsDir reports whether a path is a directory (committed and unchanged, outside --dev).
func (f templateFiles) IsDir(rel string) (bool, error) {
	_, isDir, err := f.r.files.stat(rel, f.allowance())
	return isDir, err
}

// templateErrorLocation finds text/template's "template: NAME:LINE[:COL]: " prefixes;
// an error raised inside include or tpl carries one per level.
var templateErrorLocation = regexp.MustCompile(`template: ([^:\s]+):(\d+)(?::\d+)?: `)

// templateError places a text/template error in the file and line where it arose,
// naming the include chain that led there.
func (r *renderer) templateError(err error) error {
	mainFile := r.fileNames[r.tmpl.Name()]
	var limit *sizeLimitError
	if errors.As(err, &limit) {
		return &Error{File: mainFile, Err: limit}
	}
	msg := err.Error()
	var places []string
	file, line, rest := mainFile, 0, msg
	for _, loc := range templateErrorLocation.FindAllStringSubmatchIndex(msg, -1) {
		name := msg[loc[2]:loc[3]]
		f, ok := r.templateFile(name)
		if !ok {
			continue // a tpl string has no file of its own
		}
		if line > 0 {
			places = append(places, fmt.Sprintf("%s:%d", file, line))
		}
		file = f
		line, _ = strconv.Atoi(msg[loc[4]:loc[5]])
		rest = strings.TrimPrefix(msg[loc[1]:], "executing "+strconv.Quote(name)+" ")
	}
	if len(places) > 0 {
		rest += " (included from " + strings.Join(places, ", ") + ")"
	}
	return &Error{File: file, Line: line, Err: errors.New("template: " + rest)}
}

// templateFile is the file a template was parsed from; for a define, the file that
// holds it, whose line numbers text/template reports.
func (r *renderer) templateFile(name string) (string, bool) {
	if t := r.tmpl.Lookup(name); t != nil && t.Tree != nil {
		name = t.Tree.ParseName
	}
	f, ok := r.fileNames[name]
	return f, ok
}

type sizeLimitError struct{ limit int }

func (e *sizeLimitError) Error() string {
	return fmt.Sprintf("the rendered configuration exceeds %d MiB", e.limit>>20)
}

// limitedWriter fails writes past limit bytes in b.
type limitedWriter struct {
	b     *bytes.Buffer
	limit int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.limit {
		return 0, &sizeLimitError{w.limit}
	}
	return w.b.Write(p)
}
