package stages

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dagwerf/dagwerf/stages/buildcontext"
	"github.com/dagwerf/dagwerf/stages/dockerfile"
)

// ChangeKind says what kind of input a Change is about.
type ChangeKind string

const (
	ChangePlatform     ChangeKind = "platform"
	ChangeBaseImage    ChangeKind = "base image"
	ChangeInstruction  ChangeKind = "instruction" // its text, or what it expands to
	ChangeAdded        ChangeKind = "instruction added"
	ChangeRemoved      ChangeKind = "instruction removed"
	ChangeMoved        ChangeKind = "instruction moved" // the same, elsewhere in the order
	ChangeBuildArg     ChangeKind = "build arg"
	ChangeEnv          ChangeKind = "env"
	ChangeContextFiles ChangeKind = "context files"
	ChangeCacheVersion ChangeKind = "cacheVersion"
	ChangeAddHost      ChangeKind = "addHost"
	ChangeDependency   ChangeKind = "dependency" // an entry whose origin is not known
)

// Change is one difference between the inputs of an image's stage at two commits.
type Change struct {
	Kind ChangeKind
	// Old and New are the inputs compared: Old is nil for an added one, New for a
	// removed one; both are nil for the platform.
	Old, New *dockerfile.Input
	// Key is the variable of a build arg or ENV change.
	Key string
	// From and To are the old and new values in words ("" where there is none):
	// the platforms, base images, variable values, instructions (as written, or
	// as expanded when only the expansion differs), cacheVersions, addHost entries,
	// or the context checksums.
	From, To string
	// Files are, for a context-files change, the files under its sources that
	// differ; ExplainFiles lists them.
	Files []buildcontext.FileChange
}

// maxAligned bounds the cells of the alignment table (8 MiB of int32): lists
// longer than that are compared as one block, without alignment.
const maxAligned = 1 << 21

// Explain says why new's digest differs from old's: the platform, then each
// dependency entry that differs, in new's order. The two lists are lined up by
// Dockerfile stage and instruction, so an inserted instruction is one added
// instruction and what follows it is unchanged; entries that do not line up are
// paired by kind where they can be (a RUN whose text changed is one change).
// Changes said twice (a stage's entries are taken in by each stage built from it)
// are said once. Equal inputs give no change. It reads nothing.
func Explain(old, new *Stage) []Change {
	if old == nil {
		old = &Stage{}
	}
	if new == nil {
		new = &Stage{}
	}
	e := &explainer{seen: map[string]bool{}}
	if old.Platform != new.Platform {
		e.add(Change{Kind: ChangePlatform, From: old.Platform, To: new.Platform})
	}
	// The same list hashes the same: nothing to line up (and no chance to line
	// equal entries up crosswise).
	if !slices.Equal(old.Dependencies, new.Dependencies) {
		e.align(inputsOf(old), inputsOf(new))
	}
	return e.changes
}

// ExplainFiles is Explain with the files behind each context-files change: the
// two commits' trees of the build context are compared under the COPY/ADD's
// sources as the checksum takes them, reading no file. Stages not made by a
// Calculator have no context to compare and keep Files empty.
func ExplainFiles(ctx context.Context, old, new *Stage) ([]Change, error) {
	changes := Explain(old, new)
	if old == nil || new == nil || old.bc == nil || new.bc == nil {
		return changes, nil
	}
	// The same sources are often copied by several instructions: compare once.
	memo := map[string][]buildcontext.FileChange{}
	for i := range changes {
		c := &changes[i]
		if c.Kind != ChangeContextFiles || c.Old == nil || c.New == nil {
			continue
		}
		key := strings.Join(c.Old.Sources, "\x00") + "\x01" + strings.Join(c.New.Sources, "\x00")
		files, ok := memo[key]
		if !ok {
			var err error
			if files, err = new.bc.ChangedFiles(ctx, old.bc, c.Old.Sources, c.New.Sources); err != nil {
				return nil, fmt.Errorf("%s at %s: %w", c.New.Instruction, location(c.New), err)
			}
			memo[key] = files
		}
		c.Files = files
	}
	return changes, nil
}

// inputsOf is a stage's inputs, or, for a stage that lacks them, its bare
// dependency strings.
func inputsOf(s *Stage) []dockerfile.Input {
	if len(s.Inputs) == len(s.Dependencies) {
		return s.Inputs
	}
	out := make([]dockerfile.Input, len(s.Dependencies))
	for i, d := range s.Dependencies {
		out[i] = dockerfile.Input{Value: d}
	}
	return out
}

type explainer struct {
	changes []Change
	seen    map[string]bool
}

func (e *explainer) add(c Change) {
	key := string(c.Kind) + "\x00" + c.String() + "\x00" + c.From + "\x00" + c.To
	if e.seen[key] {
		return
	}
	e.seen[key] = true
	e.changes = append(e.changes, c)
}

// alignKey is what must be equal for two entries to line up: the same entry of
// the same stage, whatever its value now.
func alignKey(in dockerfile.Input) string {
	switch in.Kind {
	case dockerfile.KindBaseImage:
		return string(in.Kind) + "\x00" + in.Stage
	case dockerfile.KindCacheVersion:
		return string(in.Kind)
	case dockerfile.KindAddHost, "":
		return string(in.Kind) + "\x00" + in.Stage + "\x00" + in.Value
	}
	return string(in.Kind) + "\x00" + in.Stage + "\x00" + in.Instruction + "\x00" + in.Key
}

// pairClass is what must be equal for two entries that do not line up to be
// said as one changed entry: the same kind of entry of the same instruction.
func pairClass(in dockerfile.Input) string {
	return string(in.Kind) + "\x00" + keyword(in.Instruction) + "\x00" + in.Key
}

// align lines the two lists up on the longest common subsequence of their keys:
// lined-up entries are compared by value, the runs between them as a block.
func (e *explainer) align(a, b []dockerfile.Input) {
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i] = alignKey(a[i])
	}
	for j := range b {
		kb[j] = alignKey(b[j])
	}
	// A common prefix and suffix line up whatever lies between them.
	pre := 0
	for pre < len(a) && pre < len(b) && ka[pre] == kb[pre] {
		e.same(&a[pre], &b[pre])
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && ka[len(a)-1-suf] == kb[len(b)-1-suf] {
		suf++
	}
	n, m := len(a)-pre-suf, len(b)-pre-suf
	pairs, ok := lcs(n, m, func(i, j int) bool { return ka[pre+i] == kb[pre+j] })
	if !ok {
		pairs = nil // too long to line up: one block
	}
	i, j := 0, 0
	for _, p := range append(pairs, [2]int{n, m}) {
		e.block(a, b, span(pre+i, pre+p[0]), span(pre+j, pre+p[1]))
		if p[0] < n {
			e.same(&a[pre+p[0]], &b[pre+p[1]])
		}
		i, j = p[0]+1, p[1]+1
	}
	for k := suf; k > 0; k-- {
		e.same(&a[len(a)-k], &b[len(b)-k])
	}
}

// span is the indexes from to to, exclusive.
func span(from, to int) []int {
	out := make([]int, 0, max(to-from, 0))
	for k := from; k < to; k++ {
		out = append(out, k)
	}
	return out
}

// lcs is a longest common subsequence of two sequences of lengths n and m whose
// elements eq compares, as index pairs in order; not ok when its table would
// exceed maxAligned cells.
func lcs(n, m int, eq func(i, j int) bool) ([][2]int, bool) {
	if n <= 0 || m <= 0 {
		return nil, true
	}
	if n > maxAligned/m {
		return nil, false
	}
	// t[i*w+j] is the LCS length of the suffixes from i and j.
	w := m + 1
	t := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if eq(i, j) {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	var pairs [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case eq(i, j):
			pairs = append(pairs, [2]int{i, j})
			i++
			j++
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			i++
		default:
			j++
		}
	}
	return pairs, true
}

// same compares two lined-up entries.
func (e *explainer) same(o, n *dockerfile.Input) {
	if o.Value != n.Value {
		e.add(changed(o, n))
	}
}

// maxCandidates bounds how many entries of a class an unpaired entry is weighed
// against, so that a huge block stays linear.
const maxCandidates = 64

// block says a run of entries of old (indexes into a) and one of new (into b)
// that lie between two lined-up entries. Entries with the same values in the
// same order are no change (a renamed stage relabels its entries); of the rest,
// two of the same class are one changed (or moved) entry, the others are
// removed or added.
func (e *explainer) block(a, b []dockerfile.Input, dels, ins []int) {
	if len(dels) == 0 && len(ins) == 0 {
		return
	}
	pair := make(map[int]int, len(ins)) // b index → a index
	used := make(map[int]bool, len(ins))
	paired := make(map[int]bool, len(dels))
	kept := map[int]bool{} // b indexes whose pair is no change
	if pairs, ok := lcs(len(dels), len(ins), func(x, y int) bool {
		return a[dels[x]].Kind == b[ins[y]].Kind && a[dels[x]].Value == b[ins[y]].Value
	}); ok {
		for _, p := range pairs {
			i, j := dels[p[0]], ins[p[1]]
			pair[j], used[j], paired[i], kept[j] = i, true, true, true
		}
	}
	byClass := map[string][]int{}
	for _, j := range ins {
		if !used[j] {
			byClass[pairClass(b[j])] = append(byClass[pairClass(b[j])], j)
		}
	}
	for _, i := range dels {
		if paired[i] {
			continue
		}
		best, bestScore, seen := -1, -1, 0
		for _, j := range byClass[pairClass(a[i])] {
			if used[j] {
				continue
			}
			if seen++; seen > maxCandidates {
				break
			}
			// Prefer the same stage, then the most alike instruction.
			score := commonPrefix(a[i].Instruction, b[j].Instruction)
			if a[i].Stage == b[j].Stage {
				score += 1 << 30
			}
			if score > bestScore {
				best, bestScore = j, score
			}
		}
		if best >= 0 {
			pair[best], used[best], paired[i] = i, true, true
		}
	}
	for _, i := range dels {
		if !paired[i] {
			e.add(removed(&a[i]))
		}
	}
	for _, j := range ins {
		i, ok := pair[j]
		switch {
		case !ok:
			e.add(added(&b[j]))
		case kept[j]:
		case a[i].Value == b[j].Value:
			e.add(moved(&a[i], &b[j]))
		default:
			e.add(changed(&a[i], &b[j]))
		}
	}
}

func commonPrefix(x, y string) int {
	n := 0
	for n < len(x) && n < len(y) && x[n] == y[n] {
		n++
	}
	return n
}

// changed says one entry whose value differs.
func changed(o, n *dockerfile.Input) Change {
	c := Change{Old: o, New: n, From: o.Value, To: n.Value}
	switch n.Kind {
	case dockerfile.KindAddHost:
		c.Kind = ChangeAddHost
	case dockerfile.KindBaseImage:
		c.Kind = ChangeBaseImage
	case dockerfile.KindCacheVersion:
		c.Kind = ChangeCacheVersion
	case dockerfile.KindContextFiles:
		c.Kind = ChangeContextFiles
	case dockerfile.KindInstruction:
		if kind, from, to, ok := variable(o, n); ok {
			c.Kind, c.Key, c.From, c.To = kind, n.Key, from, to
			break
		}
		c.Kind = ChangeInstruction
		if o.Instruction != n.Instruction {
			c.From, c.To = o.Instruction, n.Instruction
		}
	default:
		c.Kind = ChangeDependency
	}
	return c
}

// variable reads two entries of the same ARG or ENV variable: its kind of change
// and its values.
func variable(o, n *dockerfile.Input) (ChangeKind, string, string, bool) {
	if n.Key == "" || o.Key != n.Key {
		return "", "", "", false
	}
	for _, v := range []struct {
		word string
		kind ChangeKind
	}{{"ARG ", ChangeBuildArg}, {"ENV ", ChangeEnv}} {
		prefix := v.word + n.Key + "="
		from, okOld := strings.CutPrefix(o.Value, prefix)
		to, okNew := strings.CutPrefix(n.Value, prefix)
		if okOld && okNew {
			return v.kind, from, to, true
		}
	}
	return "", "", "", false
}

// moved says an entry whose value is the same but whose place in the list is
// not: its instruction's text changed (ARG A B → ARG B A), or it moved.
func moved(o, n *dockerfile.Input) Change {
	switch {
	case o.Instruction != n.Instruction:
		return Change{Kind: ChangeInstruction, Old: o, New: n, From: o.Instruction, To: n.Instruction}
	case n.Instruction == "": // addHost, cacheVersion, a bare string: its value says it
		return Change{Kind: ChangeMoved, Old: o, New: n, From: o.Value, To: n.Value}
	}
	return Change{Kind: ChangeMoved, Old: o, New: n, From: o.Instruction, To: n.Instruction}
}

// added says an entry new has and old has not.
func added(n *dockerfile.Input) Change {
	switch n.Kind {
	case dockerfile.KindAddHost:
		return Change{Kind: ChangeAddHost, New: n, To: n.Value}
	case dockerfile.KindCacheVersion:
		return Change{Kind: ChangeCacheVersion, New: n, To: n.Value}
	case "":
		return Change{Kind: ChangeDependency, New: n, To: n.Value}
	}
	return Change{Kind: ChangeAdded, New: n, To: n.Instruction}
}

// removed says an entry old has and new has not.
func removed(o *dockerfile.Input) Change {
	switch o.Kind {
	case dockerfile.KindAddHost:
		return Change{Kind: ChangeAddHost, Old: o, From: o.Value}
	case dockerfile.KindCacheVersion:
		return Change{Kind: ChangeCacheVersion, Old: o, From: o.Value}
	case "":
		return Change{Kind: ChangeDependency, Old: o, From: o.Value}
	}
	return Change{Kind: ChangeRemoved, Old: o, From: o.Instruction}
}

// maxFilesSaid bounds the files a context-files change names in its text.
const maxFilesSaid = 10

// String says the change in one line, e.g.
//
//	app/main.go changed (COPY . /app at Dockerfile:5)
//	Dockerfile:3: RUN make → RUN make all
//	build arg VERSION: 1.0 → 1.1 (ARG at Dockerfile:2)
//	base image: alpine:3.19 → alpine:3.20 (FROM at Dockerfile:1)
//	cacheVersion: 1 → 2
func (c Change) String() string {
	in := c.New
	if in == nil {
		in = c.Old
	}
	switch c.Kind {
	case ChangePlatform:
		return fmt.Sprintf("platform: %s → %s", word(c.From), word(c.To))
	case ChangeBaseImage:
		return fmt.Sprintf("base image: %s → %s (FROM at %s)", word(c.From), word(c.To), location(in))
	case ChangeInstruction:
		if c.Old != nil && c.New != nil && c.Old.Instruction == c.New.Instruction {
			return fmt.Sprintf("%s: %s expands differently: %s → %s", location(in), in.Instruction, word(c.From), word(c.To))
		}
		return fmt.Sprintf("%s: %s → %s", location(in), word(c.From), word(c.To))
	case ChangeAdded:
		return fmt.Sprintf("%s: added %s", location(in), c.To)
	case ChangeRemoved:
		return fmt.Sprintf("removed %s (was at %s)", c.From, location(in))
	case ChangeMoved:
		if in.Instruction == "" {
			what := string(in.Kind)
			if what == "" {
				what = string(ChangeDependency)
			}
			return fmt.Sprintf("%s %s moved in the order", what, word(c.To))
		}
		return fmt.Sprintf("%s: %s moved (was at %s)", location(in), c.To, location(c.Old))
	case ChangeBuildArg:
		return fmt.Sprintf("build arg %s: %s → %s (%s at %s)", c.Key, word(c.From), word(c.To), keyword(in.Instruction), location(in))
	case ChangeEnv:
		return fmt.Sprintf("ENV %s: %s → %s (%s at %s)", c.Key, word(c.From), word(c.To), keyword(in.Instruction), location(in))
	case ChangeContextFiles:
		return fmt.Sprintf("%s (%s at %s)", filesSaid(c.Files), in.Instruction, location(in))
	}
	// cacheVersion, addHost and bare entries: a value, added or removed.
	name := string(c.Kind)
	switch {
	case c.Old == nil && c.New != nil:
		return fmt.Sprintf("%s: added %s", name, word(c.To))
	case c.New == nil && c.Old != nil:
		return fmt.Sprintf("%s: removed %s", name, word(c.From))
	}
	return fmt.Sprintf("%s: %s → %s", name, word(c.From), word(c.To))
}

// filesSaid names the files of a context-files change, the first few of many.
func filesSaid(files []buildcontext.FileChange) string {
	if len(files) == 0 {
		return "context files changed"
	}
	var b strings.Builder
	for i, f := range files {
		if i == maxFilesSaid {
			fmt.Fprintf(&b, " and %d more", len(files)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s", f.Path, f.Kind)
	}
	return b.String()
}

// location is an entry's place in its Dockerfile, "Dockerfile:3".
func location(in *dockerfile.Input) string {
	switch {
	case in == nil || in.File == "":
		return "werf.yaml"
	case in.Line <= 0:
		return in.File
	}
	return in.File + ":" + strconv.Itoa(in.Line)
}

// keyword is an instruction's first word in upper case: FROM, RUN, ONBUILD.
func keyword(instruction string) string {
	f := strings.Fields(instruction)
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(f[0])
}

// word shows a value, an empty one as "".
func word(v string) string {
	if v == "" {
		return `""`
	}
	return v
}
