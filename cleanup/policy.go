package cleanup

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/dagwerf/dagwerf/config"
)

// keepPolicy is one keep policy with werf's defaults applied
// (pkg/config/meta_cleanup.go).
type keepPolicy struct {
	branch, tag *regexp.Regexp
	refs        *limit // nil: every reference the regexp selects
	images      limit  // imagesPerReference
}

// limit is werf's "last N, within In, And/Or".
type limit struct {
	last int            // < 0: no limit by count
	in   *time.Duration // nil: no limit by age
	or   bool
}

// werf's defaults for an unset field: a references limit takes every
// reference (last -1), imagesPerReference keeps one image (last 1); the
// operator is And.
const (
	defaultReferencesLast = -1
	defaultImagesLast     = 1
)

func newLimit(l *config.KeepLimit, defaultLast int) limit {
	out := limit{last: defaultLast}
	if l == nil {
		return out
	}
	if l.Last != nil {
		out.last = *l.Last
	}
	out.in = l.In
	out.or = l.Operator == "Or"
	return out
}

func (l limit) String() string {
	var parts []string
	if l.in != nil {
		parts = append(parts, "in="+l.in.String())
	}
	op := "And"
	if l.or {
		op = "Or"
	}
	return strings.Join(append(parts, fmt.Sprintf("last=%d", l.last), "operator="+op), " ")
}

func (p keepPolicy) String() string {
	var b strings.Builder
	if p.tag != nil {
		fmt.Fprintf(&b, "references={tag=%s", p.tag)
	} else {
		fmt.Fprintf(&b, "references={branch=%s", p.branch)
	}
	if p.refs != nil {
		fmt.Fprintf(&b, " limit={%s}", p.refs)
	}
	fmt.Fprintf(&b, "} imagesPerReference={%s}", p.images)
	return b.String()
}

// keepPolicies are werf.yaml's policies, or werf's defaults when it has none
// (git_history_based_cleanup/reference_to_scan.go): the last 10 tags; the 10
// branches changed last within 7 days, 2 images each within 7 days; main,
// master, staging and production, 10 images each.
func keepPolicies(cfg []config.KeepPolicy) []keepPolicy {
	if len(cfg) == 0 {
		week := 7 * 24 * time.Hour
		return []keepPolicy{
			{tag: regexp.MustCompile(".*"), refs: &limit{last: 10}, images: limit{last: defaultImagesLast}},
			{branch: regexp.MustCompile(".*"), refs: &limit{last: 10, in: &week}, images: limit{last: 2, in: &week}},
			{branch: regexp.MustCompile("^(main|master|staging|production)$"), images: limit{last: 10}},
		}
	}
	out := make([]keepPolicy, 0, len(cfg))
	for _, c := range cfg {
		p := keepPolicy{branch: c.References.Branch, tag: c.References.Tag, images: newLimit(c.ImagesPerReference, defaultImagesLast)}
		if c.References.Limit != nil {
			l := newLimit(c.References.Limit, defaultReferencesLast)
			p.refs = &l
		}
		out = append(out, p)
	}
	return out
}
