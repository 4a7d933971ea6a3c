package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	yaml "sigs.k8s.io/yaml/goyaml.v3"

	"github.com/dagwerf/dagwerf/config/giterminism"
	"github.com/dagwerf/dagwerf/source"
)

// DefaultConfigNames are tried in order when no config path is given.
var DefaultConfigNames = []string{"werf.yaml", "werf.yml"}

// DefaultTemplatesDir holds the extra templates (`**/*.tmpl`) werf.yaml can include.
const DefaultTemplatesDir = ".werf"

// Options are the inputs of Load besides the project's files.
type Options struct {
	ConfigPath        string // relative to the project directory; "" tries DefaultConfigNames
	TemplatesDir      string // relative to the project directory; "" is DefaultTemplatesDir
	GiterminismConfig string // relative to the project directory; "" is giterminism.DefaultPath
	Env               string // the template's .Env (--env)
	LooseGiterminism  bool   // read configuration files from disk, allow everything
	// Pinned reads every configuration file from the snapshot, a past commit
	// loaded to compare with: nothing is compared with the working tree.
	Pinned      bool
	ProjectName string // replaces meta project when set ($WERF_PROJECT_NAME)
	LookupEnv   func(string) (string, bool)
}

// Load reads the configuration of the project in snap: werf.yaml from the HEAD
// commit (or the working tree when snap is one), rendered, parsed and validated.
func Load(snap *source.Snapshot, opts Options) (*Config, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	f := &files{snap: snap, loose: opts.LooseGiterminism, pinned: opts.Pinned}

	gt, err := loadGiterminism(f, opts.GiterminismConfig)
	if err != nil {
		return nil, err
	}
	main, err := readConfigFile(f, gt, opts.ConfigPath)
	if err != nil {
		return nil, err
	}
	templates, err := readTemplates(f, gt, opts.TemplatesDir)
	if err != nil {
		return nil, err
	}
	return build(f, gt, main, templates, opts)
}

// build renders the configuration from its sources, parses and validates it.
func build(f *files, gt *giterminism.Config, main templateSource, templates []templateSource, opts Options) (*Config, error) {
	r := &renderer{files: f, gt: gt, env: opts.Env, lookup: opts.LookupEnv}
	rendered, err := r.render(main, templates)
	if err != nil {
		return nil, err
	}

	cfg := &Config{File: main.file, Rendered: rendered, templated: strings.Contains(main.content, "{{"), files: f, giterminism: gt}
	p := &parser{file: main.file, rendered: cfg.templated, gt: gt, loose: opts.LooseGiterminism, projectDir: f.snap.ProjectDir()}
	if err := p.parse(cfg); err != nil {
		return nil, err
	}
	if opts.ProjectName != "" {
		if err := validateProjectName(opts.ProjectName); err != nil {
			return nil, fmt.Errorf("WERF_PROJECT_NAME: %w", err)
		}
		cfg.Meta.Project = opts.ProjectName
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// loadGiterminism reads werf-giterminism.yaml, which is itself always read from the
// commit (nothing may allow it uncommitted); without one, nothing is allowed.
func loadGiterminism(f *files, p string) (*giterminism.Config, error) {
	if p == "" {
		p = giterminism.DefaultPath
	}
	data, err := f.read(p, denyAll)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &giterminism.Config{}, nil
	case err != nil:
		return nil, err
	}
	return giterminism.Parse(p, data)
}

func readConfigFile(f *files, gt *giterminism.Config, p string) (templateSource, error) {
	candidates := DefaultConfigNames
	if p != "" {
		clean, err := source.Clean(p)
		if err != nil {
			return templateSource{}, fmt.Errorf("--config: %w", err)
		}
		candidates = []string{clean}
	}
	allow := allowance{key: "config.allowUncommitted", allow: func(string) bool { return gt.Config.AllowUncommitted }}
	for _, name := range candidates {
		data, err := f.read(name, allow)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return templateSource{}, err
		}
		return templateSource{name: name, file: name, content: string(data)}, nil
	}
	where := "the HEAD commit of " + f.snap.ProjectDir()
	switch {
	case f.loose:
		where = f.snap.ProjectDir()
	case f.snap.Dev():
		where = "the working tree of " + f.snap.ProjectDir()
	case f.pinned:
		where = "commit " + f.snap.Commit() + " of " + f.snap.ProjectDir()
	}
	return templateSource{}, fmt.Errorf("no %s in %s: create one, or name another with --config", strings.Join(candidates, " or "), where)
}

// readTemplates reads the templates directory's `**/*.tmpl`; each is named by its
// path inside the directory, which is what `include` takes.
func readTemplates(f *files, gt *giterminism.Config, dir string) ([]templateSource, error) {
	if dir == "" {
		dir = DefaultTemplatesDir
	}
	dir, err := source.Clean(dir)
	if err != nil {
		return nil, fmt.Errorf("--config-templates-dir: %w", err)
	}
	found, err := f.glob(path.Join(dir, "**/*.tmpl"), globsAllowance("config.allowUncommittedTemplates", gt.Config.AllowUncommittedTemplates))
	if err != nil {
		return nil, fmt.Errorf("templates in %s: %w", dir, err)
	}
	out := make([]templateSource, 0, len(found))
	for p, data := range found {
		name := strings.TrimPrefix(p, dir+"/")
		out = append(out, templateSource{name: name, file: p, content: string(data)})
	}
	// A fixed order, so that a later define of the same name wins the same way every time.
	slices.SortFunc(out, func(a, b templateSource) int { return strings.Compare(a.file, b.file) })
	return out, nil
}

// parser turns the rendered text into the Config's meta and images; it also holds
// what werf-giterminism.yaml allows images to use.
type parser struct {
	file       string
	rendered   bool
	gt         *giterminism.Config
	loose      bool
	projectDir string
}

func (p *parser) parse(cfg *Config) error {
	type parsed struct {
		reader *docReader
		root   *yaml.Node
		stapel bool
	}
	var meta, images []parsed
	for _, doc := range splitDocuments(cfg.Rendered) {
		d := &docReader{file: p.file, rendered: p.rendered, doc: &doc, policy: p}
		root, err := d.parse()
		if err != nil {
			return err
		}
		d.image = peekImageName(root)
		m := d.mapping(root, "")
		if d.err != nil {
			return d.err
		}
		switch {
		case m.has("configVersion"):
			meta = append(meta, parsed{reader: d, root: root})
		case m.has("dockerfile"):
			images = append(images, parsed{reader: d, root: root})
		case m.has("image") || m.has("artifact"):
			images = append(images, parsed{reader: d, root: root, stapel: true})
		default:
			d.fail(root, "", "unknown document: the meta document needs configVersion, an image document image (and dockerfile for a Dockerfile image), a legacy artifact document artifact")
			return d.err
		}
	}
	switch len(meta) {
	case 0:
		return &Error{File: p.file, Err: errors.New("no meta document: start the file with\n\n  configVersion: 1\n  project: <name>\n  ---\n\nThe project name cannot be changed later without rebuilding all images")}
	case 1:
	default:
		second := meta[1].reader
		return second.errorAt(nil, "", "a second meta document (configVersion); the first is document %d", meta[0].reader.doc.Index)
	}
	var err error
	if cfg.Meta, err = meta[0].reader.decodeMeta(meta[0].root); err != nil {
		return err
	}
	for _, im := range images {
		decode := im.reader.decodeImages
		if im.stapel {
			decode = im.reader.decodeStapel
		}
		imgs, err := decode(im.root, &cfg.Meta)
		if err != nil {
			return err
		}
		cfg.Images = append(cfg.Images, imgs...)
	}
	return nil
}

// secretFileAllowed matches a secret's src against config.secrets.allowFiles as werf
// does: both sides with `~` expanded and made absolute (relative to the project
// directory here, as dagwerf also reads the file from there).
func (p *parser) secretFileAllowed(src string) bool {
	abs := func(s string) string {
		if home, err := os.UserHomeDir(); err == nil && (s == "~" || strings.HasPrefix(s, "~/")) {
			s = home + s[1:]
		}
		if !path.IsAbs(s) {
			s = path.Join(filepath.ToSlash(p.projectDir), s)
		}
		return s
	}
	target := abs(src)
	for _, pattern := range p.gt.Config.Secrets.AllowFiles {
		if giterminism.MatchPath(abs(pattern), target) {
			return true
		}
	}
	return false
}

// peekImageName is the first name a document's image key gives, so that errors met
// before the key is read can name the image.
func peekImageName(root *yaml.Node) string {
	if root.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "image" {
			continue
		}
		v := resolve(root.Content[i+1])
		if v.Kind == yaml.SequenceNode && len(v.Content) > 0 {
			v = resolve(v.Content[0])
		}
		if v.Kind == yaml.ScalarNode {
			return LogName(v.Value)
		}
	}
	return ""
}
