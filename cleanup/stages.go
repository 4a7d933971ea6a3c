package cleanup

import (
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// Why a stage is kept: werf's protection reasons
// (pkg/cleaning/stage_manager/stages.go), and dagwerf's own.
const (
	reasonKubernetes = "used in Kubernetes"
	reasonGit        = "git policy"
	reasonImport     = "import source"
	reasonDependency = "dependency source"
	reasonAncestor   = "ancestor"
	reasonPlatform   = "image index platform"
	reasonKeepList   = "keep list"
	// A build published or linked it while this cleanup ran.
	reasonConcurrentBuild = "used by a build during this cleanup"
)

// werf's labels a stage's relatives are found by.
const (
	labelImportChecksumPrefix    = "werf-import-checksum-"
	labelImportSourceStagePrefix = "werf-import-source-stage-id-"
	labelDependencyStagePrefix   = registry.LabelDependencyPrefix
	externalImagePrefix          = "external-image"
)

// stage is a stored stage and what the cleanup decided about it.
type stage struct {
	*registry.StoredStage
	millis int64  // the tag's publication time, 0 for a manifest list
	keep   string // why it is kept; "" when nothing keeps it (yet)
	detail string // more about why it is kept, for the output
}

// stageSet is the repository's stages (werf's managedStageDescSet).
type stageSet struct {
	byID   map[string]*stage
	order  []*stage // by tag
	gone   map[string]bool
	byImg  map[v1.Hash][]*stage // image manifests, for a manifest list's images
	byConf map[string][]*stage  // by image ID, for werf's older parent link
	lists  map[v1.Hash][]string // image manifest → the manifest lists that have it
}

func newStageSet(stored []*registry.StoredStage) *stageSet {
	s := &stageSet{byID: map[string]*stage{}, gone: map[string]bool{}, byImg: map[v1.Hash][]*stage{}, byConf: map[string][]*stage{}, lists: map[v1.Hash][]string{}}
	for _, st := range stored {
		s.add(st)
	}
	return s
}

func (s *stageSet) add(st *registry.StoredStage) *stage {
	if old, ok := s.byID[st.ID]; ok {
		return old
	}
	_, ms, _ := registry.ParseStageTag(st.ID)
	x := &stage{StoredStage: st, millis: ms}
	s.byID[st.ID] = x
	i, _ := slices.BinarySearchFunc(s.order, st.ID, func(a *stage, id string) int { return strings.Compare(a.ID, id) })
	s.order = slices.Insert(s.order, i, x)
	if !st.Index {
		s.byImg[st.Manifest] = append(s.byImg[st.Manifest], x)
		s.byConf[st.ImageID] = append(s.byConf[st.ImageID], x)
	}
	for _, p := range st.Platforms {
		s.lists[p.Manifest] = append(s.lists[p.Manifest], st.ID)
	}
	return x
}

// get is a stage that exists and was not deleted.
func (s *stageSet) get(id string) *stage {
	if st := s.byID[id]; st != nil && !s.gone[id] {
		return st
	}
	return nil
}

// protect keeps a stage for a reason; the first reason stays, except that
// force replaces it (werf gives the git policy precedence that way).
func (s *stageSet) protect(st *stage, reason, detail string, force bool) {
	if st.keep != "" && !force {
		return
	}
	st.keep, st.detail = reason, detail
}

// protectRelatives keeps what a kept stage needs, as werf's
// protectRelativeStageDescSetByStageDesc does: a manifest list's images; then,
// walking from the stage, its parent stages (werf.io/parent-stage-id, and the
// older parent image ID link) and — unless the git policy kept it, which keeps
// import sources through their own records — the stages it imports from or
// depends on. handled is shared by all kept stages.
func (s *stageSet) protectRelatives(st *stage, withSources bool, checksumSources map[string][]string, handled map[*stage]bool) {
	var current []*stage
	if st.Index {
		for _, p := range st.Platforms {
			for _, img := range s.byImg[p.Manifest] {
				if s.gone[img.ID] {
					continue
				}
				s.protect(img, reasonPlatform, "image of "+st.ID, false)
				current = append(current, img)
			}
		}
	} else {
		current = append(current, st)
	}
	for len(current) > 0 {
		c := current[0]
		current = current[1:]
		if handled[c] {
			continue
		}
		handled[c] = true
		if withSources {
			current = append(current, s.protectSources(c, checksumSources)...)
		}
		// werf's older link: a stage whose image ID is this one's parent.
		// werf keeps the first it finds; any of several is kept here.
		if c.ParentID != "" {
			for _, p := range s.byConf[c.ParentID] {
				if !s.gone[p.ID] {
					s.protect(p, reasonAncestor, "parent image of "+c.ID, false)
					current = append(current, p)
				}
			}
		}
		if p := s.get(c.Labels[registry.LabelParentStage]); p != nil {
			s.protect(p, reasonAncestor, "parent stage of "+c.ID, false)
			current = append(current, p)
		}
	}
}

// protectSources keeps the stages a stage imports from (through its import
// checksums and the import records that name their source stages) and
// depends on (werf-dependency-stage-id-* labels).
func (s *stageSet) protectSources(st *stage, checksumSources map[string][]string) []*stage {
	var out []*stage
	labels := make([]string, 0, len(st.Labels))
	for k := range st.Labels {
		labels = append(labels, k)
	}
	slices.Sort(labels)
	for _, k := range labels {
		v := st.Labels[k]
		switch {
		case strings.HasPrefix(k, labelImportChecksumPrefix):
			for _, id := range checksumSources[v] {
				if strings.HasPrefix(id, externalImagePrefix) {
					continue
				}
				if src := s.get(id); src != nil {
					s.protect(src, reasonImport, "imported by "+st.ID, false)
					out = append(out, src)
				}
			}
		case strings.HasPrefix(k, labelDependencyStagePrefix):
			if src := s.get(v); src != nil {
				s.protect(src, reasonDependency, "dependency of "+st.ID, false)
				out = append(out, src)
			}
		}
	}
	return out
}
