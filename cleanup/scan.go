package cleanup

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/dagwerf/dagwerf/source"
)

// The scan of git history for one image, as werf's
// git_history_based_cleanup/scanner.go does it: each reference's history is
// walked back from its commit, breadth first, noting the commits the image's
// meta records name; the stages of those commits are kept, within the
// reference's imagesPerReference. The walk's details decide which meta records
// werf keeps (the "hit" commit of each kept stage), so they are followed
// exactly, odd corners included.

// commitReader reads commits by hash.
type commitReader interface {
	Commit(hash string) (*source.Commit, error)
}

// stageCommits is an image's stages by ID, each with the commits its meta
// records name.
type stageCommits map[string][]string

// scanResult is what the scan of an image's history found: the stages the
// references reach, and for each the one commit ("hit") whose meta record the
// cleanup keeps.
type scanResult struct {
	reached []string
	hits    stageCommits
}

// scanReferencesHistory scans the references last to first (the oldest tag
// first, the newest branch last), sharing werf's stop commits: a reference
// whose walk reached every stage leaves its last reached commit as a point
// later walks stop at.
func scanReferencesHistory(git commitReader, refs []*refToScan, expected stageCommits, now time.Time) (scanResult, error) {
	res := scanResult{hits: stageCommits{}}
	var stop []string
	for i := len(refs) - 1; i >= 0; i-- {
		reached, refStop, hits, err := scanReference(git, refs[i], expected, slices.Clone(stop), now)
		if err != nil {
			return scanResult{}, fmt.Errorf("scan the history of %s: %w", refs[i].Name, err)
		}
		stop = addNew(stop, refStop...)
		res.reached = addNew(res.reached, reached...)
		for id, commits := range hits {
			res.hits[id] = addNew(res.hits[id], commits...)
		}
	}
	return res, nil
}

// addNew appends the values that list lacks.
func addNew(list []string, values ...string) []string {
	for _, v := range values {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// scanReference walks one reference (werf's scanReferenceHistory).
func scanReference(git commitReader, ref *refToScan, expected stageCommits, stop []string, now time.Time) (reached, stopOut []string, hits stageCommits, err error) {
	refExpected := expected
	switch {
	case ref.images.last == 0: // keeps no image
		refExpected = nil
	case ref.images.in != nil && !ref.images.or:
		// With And, only commits within `in` can count: seek only those.
		if refExpected, err = commitsWithin(git, expected, *ref.images.in, now); err != nil {
			return nil, nil, nil, err
		}
	}
	if len(refExpected) == 0 {
		return nil, stop, stageCommits{}, nil
	}
	s := &scanner{git: git, expected: refExpected, reached: stageCommits{}, stop: stop, scanned: map[string]bool{}, depthLimit: ref.depthLimit, byCommit: map[string][]string{}}
	for id, commits := range refExpected {
		for _, c := range commits {
			if !slices.Contains(s.byCommit[c], id) {
				s.byCommit[c] = append(s.byCommit[c], id)
			}
		}
	}
	if err := s.walk(ref.Commit); err != nil {
		return nil, nil, nil, fmt.Errorf("scan commit %s: %w", ref.Commit, err)
	}
	if last := ref.images.last; last > 0 {
		switch n := len(s.reachedStages()); {
		case n == last:
			hits, err := s.hits()
			return s.reachedStages(), s.stop, hits, err
		case n > last:
			return s.keepNewest(ref.images, now)
		}
	}
	if !sameCommits(expected, refExpected) {
		hits, err := s.hits()
		return s.reachedStages(), s.stop, hits, err
	}
	// werf's handleStopCommitList: every reference is walked with a depth
	// limit (-1 or 1), so only its first case applies.
	reachedStages := s.reachedStages()
	if len(reachedStages) == len(s.expected) {
		s.stop = append(s.stop, s.reachedCommits[len(s.reachedCommits)-1])
	}
	hits, err = s.hits()
	return reachedStages, s.stop, hits, err
}

// commitsWithin keeps, of each stage's commits, those committed within in; a
// stage left with none is dropped (werf's applyImagesCleanupInPolicy).
func commitsWithin(git commitReader, expected stageCommits, in time.Duration, now time.Time) (stageCommits, error) {
	out := stageCommits{}
	for id, commits := range expected {
		var within []string
		for _, c := range commits {
			commit, err := git.Commit(c)
			if err != nil {
				return nil, err
			}
			if commit.Time.After(now.Add(-in)) {
				within = append(within, c)
			}
		}
		if len(within) > 0 {
			out[id] = within
		}
	}
	return out, nil
}

// sameCommits is werf's reflect.DeepEqual of the two stage-commit maps (whose
// lists are never empty but nil).
func sameCommits(a, b stageCommits) bool {
	if len(a) != len(b) {
		return false
	}
	for id, ca := range a {
		cb, ok := b[id]
		if !ok || !slices.Equal(ca, cb) || (ca == nil) != (cb == nil) {
			return false
		}
	}
	return true
}

// scanner is one reference's walk (werf's commitHistoryScanner).
type scanner struct {
	git            commitReader
	expected       stageCommits
	reached        stageCommits // stage → the commits of it the walk reached, in walk order
	reachedCommits []string     // the commits that reached a stage, in walk order
	stop           []string
	scanned        map[string]bool
	depth          int
	depthLimit     int
	byCommit       map[string][]string // commit → the expected stages it is a commit of
}

// walk visits the history breadth first from commit. A level ends early once
// every expected stage is reached; the commits already queued from it are
// still visited (werf's loop only breaks the level).
func (s *scanner) walk(commit string) error {
	current := []string{commit}
	for {
		s.depth++
		var next []string
		for _, c := range current {
			if s.scanned[c] || slices.Contains(s.stop, c) {
				continue
			}
			parents, err := s.visit(c)
			if err != nil {
				return err
			}
			if s.depth == s.depthLimit {
				continue
			}
			if len(s.expected) == len(s.reached) {
				break
			}
			s.scanned[c] = true
			next = append(next, parents...)
		}
		if len(next) == 0 {
			return nil
		}
		current = next
	}
}

// visit notes the stages commit reaches and returns its parents.
func (s *scanner) visit(commit string) ([]string, error) {
	ids := s.byCommit[commit]
	for _, id := range ids {
		s.reached[id] = append(s.reached[id], commit)
	}
	if len(ids) > 0 {
		s.reachedCommits = append(s.reachedCommits, commit)
	}
	c, err := s.git.Commit(commit)
	if err != nil {
		return nil, err
	}
	return c.Parents, nil
}

func (s *scanner) reachedStages() []string {
	var out []string
	for id, commits := range s.reached {
		if len(commits) > 0 {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// latest groups the reached stages by the newest of the commits that reached
// each (the first of equally new ones), the commits newest first.
func (s *scanner) latest() (commits []*source.Commit, stagesOf map[string][]string, err error) {
	stagesOf = map[string][]string{}
	byHash := map[string]*source.Commit{}
	for _, id := range s.reachedStages() {
		var newest *source.Commit
		for _, h := range s.reached[id] {
			c, err := s.git.Commit(h)
			if err != nil {
				return nil, nil, err
			}
			if newest == nil || c.Time.After(newest.Time) {
				newest = c
			}
		}
		if _, ok := byHash[newest.Hash]; !ok {
			byHash[newest.Hash] = newest
			commits = append(commits, newest)
		}
		stagesOf[newest.Hash] = append(stagesOf[newest.Hash], id)
	}
	// werf sorts with an unstable sort; commits of one time are ordered by
	// hash here.
	slices.SortStableFunc(commits, func(a, b *source.Commit) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Hash, b.Hash)
	})
	return commits, stagesOf, nil
}

// hits is each reached stage's newest reaching commit.
func (s *scanner) hits() (stageCommits, error) {
	_, stagesOf, err := s.latest()
	if err != nil {
		return nil, err
	}
	out := stageCommits{}
	for commit, ids := range stagesOf {
		for _, id := range ids {
			out[id] = []string{commit}
		}
	}
	return out, nil
}

// keepNewest keeps, of more stages reached than the reference keeps, those of
// the newest commits: the last N commits, and with `in` those within it too
// (And: both; Or: either). Stages of one commit count as one
// (werf's handleExtraStageIDsByLast and handleExtraStageIDsByLastWithIn).
func (s *scanner) keepNewest(l limit, now time.Time) ([]string, []string, stageCommits, error) {
	commits, stagesOf, err := s.latest()
	if err != nil {
		return nil, nil, nil, err
	}
	keep := commits
	if len(keep) > l.last {
		keep = keep[:l.last]
	}
	if l.in != nil {
		var byIn []*source.Commit
		for _, c := range commits {
			if c.Time.After(now.Add(-*l.in)) {
				byIn = append(byIn, c)
			}
		}
		if l.or {
			keep = append(byIn, slices.DeleteFunc(slices.Clone(keep), func(c *source.Commit) bool { return slices.Contains(byIn, c) })...)
		} else {
			keep = slices.DeleteFunc(slices.Clone(keep), func(c *source.Commit) bool { return !slices.Contains(byIn, c) })
		}
	}
	var reached []string
	hits := stageCommits{}
	for _, c := range keep {
		for _, id := range stagesOf[c.Hash] {
			reached = append(reached, id)
			hits[id] = []string{c.Hash}
		}
	}
	return reached, s.stop, hits, nil
}
