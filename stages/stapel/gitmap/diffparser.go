package gitmap

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dagwerf/dagwerf/stages/pathmatch"
)

// diffParser is werf's filter of `git diff` output (pkg/true_git/diff_parser.go):
// it drops the files the mapping does not take, shows paths relative to the
// path scope (renaming a mapped file), and shortens index hashes to 8
// characters. What it writes is the patch werf hashes and applies, so its
// quirks are kept: a line is handled only once its newline arrives, and a
// quoted path is requoted the Go way.
type diffParser struct {
	scope   string
	matcher pathmatch.Matcher
	renames map[string]string
	out     io.Writer

	paths, binaryPaths, pathsToRemove, lastSeen []string

	state   parserState
	lineBuf []byte
}

type parserState int

const (
	unrecognized parserState = iota
	diffBegin
	diffBody
	newFileDiff
	deleteFileDiff
	modifyFileDiff
	renameDiff
	ignoreDiff
)

func (s parserState) String() string {
	return [...]string{"unrecognized", "diffBegin", "diffBody", "newFileDiff", "deleteFileDiff", "modifyFileDiff", "renameDiff", "ignoreDiff"}[s]
}

func newDiffParser(out io.Writer, scope string, matcher pathmatch.Matcher, renames map[string]string) *diffParser {
	return &diffParser{scope: scope, matcher: matcher, renames: renames, out: out, lineBuf: make([]byte, 0, 4096)}
}

// Write takes git's stdout in any chunks.
func (p *diffParser) Write(data []byte) (int, error) {
	n := len(data)
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			p.lineBuf = append(p.lineBuf, data...)
			break
		}
		p.lineBuf = append(p.lineBuf, data[:i]...)
		data = data[i+1:]
		line := string(p.lineBuf)
		p.lineBuf = p.lineBuf[:0]
		if err := p.line(line); err != nil {
			return 0, fmt.Errorf("error parsing diff line: %w", err)
		}
	}
	return n, nil
}

func (p *diffParser) emit(line string) error {
	_, err := io.WriteString(p.out, line+"\n")
	return err
}

func (p *diffParser) line(line string) error {
	has := func(prefix string) bool { return strings.HasPrefix(line, prefix) }
	switch p.state {
	case unrecognized, ignoreDiff:
		switch {
		case has("diff --git "):
			return p.begin(line)
		case has("Submodule "):
			return p.submodule(line)
		}
		return nil
	case diffBegin:
		switch {
		case has("deleted file mode "):
			p.state = deleteFileDiff
			return p.emit(line)
		case has("new file mode "):
			p.state = newFileDiff
			return p.emit(line)
		case has("old mode "):
			p.state = modifyFileDiff
			return p.emit(line)
		case has("similarity index "):
			p.state = renameDiff
			return nil
		case has("index "):
			p.state = modifyFileDiff
			return p.index(line)
		}
		return fmt.Errorf("unexpected diff line in state `%s`: %#v", p.state, line)
	case modifyFileDiff:
		switch {
		case has("new mode "):
			return p.emit(line)
		case has("--- "):
			return p.emit("--- a/" + p.trim(p.rename(strings.TrimPrefix(line, "--- a/"))))
		case has("+++ "):
			p.state = diffBody
			return p.emit("+++ b/" + p.trim(p.rename(strings.TrimPrefix(line, "+++ b/"))))
		}
		return p.common(line)
	case newFileDiff:
		if has("+++ ") {
			p.state = diffBody
			return p.emit("+++ b/" + p.trim(p.rename(strings.TrimPrefix(line, "+++ b/"))))
		}
		return p.common(line)
	case deleteFileDiff:
		if has("--- ") {
			newPath := p.trim(p.rename(strings.TrimPrefix(line, "--- a/")))
			p.state = diffBody
			p.pathsToRemove = appendUnique(p.pathsToRemove, newPath)
			return p.emit("--- a/" + newPath)
		}
		return p.common(line)
	case renameDiff:
		switch {
		case has("rename from "):
			newPath := p.trim(p.rename(strings.TrimPrefix(line, "rename from ")))
			p.pathsToRemove = appendUnique(p.pathsToRemove, newPath)
			return nil
		case has("rename to "):
			return nil
		case has("index "):
			p.state = modifyFileDiff
			return p.index(line)
		case has("diff --git "):
			return p.begin(line)
		case has("Submodule "):
			return p.submodule(line)
		}
		return nil
	case diffBody:
		switch {
		case has("diff --git "):
			return p.begin(line)
		case has("Submodule "):
			return p.submodule(line)
		}
		return p.emit(line)
	}
	return nil
}

// common are the lines the modify, new-file and delete-file states share.
func (p *diffParser) common(line string) error {
	switch {
	case strings.HasPrefix(line, "GIT binary patch"):
		p.binary()
		p.state = diffBody
		return p.emit(line)
	case strings.HasPrefix(line, "Binary files"):
		p.binary()
		p.state = unrecognized
		return p.emit(line)
	case strings.HasPrefix(line, "diff --git "):
		return p.begin(line)
	case strings.HasPrefix(line, "index "):
		return p.index(line)
	case strings.HasPrefix(line, "Submodule "):
		return p.submodule(line)
	}
	return p.emit(line)
}

// binary records the current file as binary (and as removed when deleted).
func (p *diffParser) binary() {
	for _, lp := range p.lastSeen {
		p.binaryPaths = appendUnique(p.binaryPaths, lp)
	}
	if p.state == deleteFileDiff {
		for _, lp := range p.lastSeen {
			p.pathsToRemove = appendUnique(p.pathsToRemove, lp)
		}
	}
}

func (p *diffParser) begin(line string) error {
	var a, b string
	if parts := strings.SplitN(line, ` "a/`, 2); len(parts) == 2 {
		ab := strings.SplitN(parts[1], ` "b/`, 2)
		if len(ab) != 2 {
			return fmt.Errorf("unexpected diff begin line: %#v", line)
		}
		a, b = `"a/`+ab[0], `"b/`+ab[1]
	} else if parts := strings.SplitN(line, " a/", 2); len(parts) == 2 {
		ab := strings.SplitN(parts[1], " b/", 2)
		if len(ab) != 2 {
			return fmt.Errorf("unexpected diff begin line: %#v", line)
		}
		a, b = "a/"+ab[0], "b/"+ab[1]
	} else {
		return fmt.Errorf("unexpected diff begin line: %#v", line)
	}

	p.lastSeen = nil
	trimmed := map[string]string{}
	for _, side := range [2]struct{ withPrefix, prefix string }{{a, "a/"}, {b, "b/"}} {
		quoted := strings.HasPrefix(side.withPrefix, `"`) && strings.HasSuffix(side.withPrefix, `"`)
		withPrefix := side.withPrefix
		if quoted {
			var err error
			if withPrefix, err = strconv.Unquote(side.withPrefix); err != nil {
				return fmt.Errorf("unable to unquote diff path %#v: %w", side.withPrefix, err)
			}
		}
		p0 := strings.TrimPrefix(withPrefix, side.prefix)
		if !p.matcher.Match(p0) {
			p.state = ignoreDiff
			return nil
		}
		newPath := p.trim(p.rename(p0))
		p.paths = appendUnique(p.paths, newPath)
		p.lastSeen = appendUnique(p.lastSeen, newPath)
		if quoted {
			trimmed[side.withPrefix] = strconv.Quote(side.prefix + newPath)
		} else {
			trimmed[side.withPrefix] = side.prefix + newPath
		}
	}
	p.state = diffBegin
	return p.emit("diff --git " + trimmed[a] + " " + trimmed[b])
}

// index shortens the object hashes of an index line to 8 characters.
func (p *diffParser) index(line string) error {
	parts := strings.SplitN(line, " ", 3)
	if len(parts) < 2 {
		return p.emit(line)
	}
	hashes := strings.SplitN(parts[1], "..", 2)
	if len(hashes) != 2 {
		return p.emit(line)
	}
	short := func(list string) string {
		hs := strings.Split(list, ",")
		for i, h := range hs {
			if len(h) >= 8 {
				hs[i] = h[:8]
			}
		}
		return strings.Join(hs, ",")
	}
	newLine := parts[0] + " " + short(hashes[0]) + ".." + short(hashes[1])
	if len(parts) == 3 && parts[2] != "" {
		newLine += " " + parts[2]
	}
	return p.emit(newLine)
}

// submodule ends a file's diff at a submodule's summary line; git says
// "(commits not present)" when it cannot diff the submodule.
func (p *diffParser) submodule(line string) error {
	p.state = unrecognized
	if strings.HasSuffix(line, " (commits not present)") {
		return fmt.Errorf("cannot handle git diff line %q, check specified commits are correct: commits not present (git submodule update --init)", line)
	}
	return nil
}

// rename is werf's applyFileRenames: a renamed file takes its new name in the
// path scope.
func (p *diffParser) rename(pth string) string {
	if name, ok := p.renames[pth]; ok {
		return filepath.ToSlash(filepath.Join(p.scope, name))
	}
	return pth
}

// trim is werf's trimFileBaseFilepath: the path relative to the scope (both
// taken as paths below one directory), without trailing tabs git may print.
func (p *diffParser) trim(pth string) string {
	rel, err := filepath.Rel(path.Clean("/"+p.scope), path.Clean("/"+pth))
	if err != nil {
		rel = pth
	}
	return strings.TrimRight(filepath.ToSlash(rel), "\t")
}

func appendUnique(list []string, v string) []string {
	for _, have := range list {
		if have == v {
			return list
		}
	}
	return append(list, v)
}
