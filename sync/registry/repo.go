package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/dagwerf/dagwerf/sync/registry/internal/stall"
)

// repo is one repository and the clients that speak to it. Its puller and pusher
// keep their authentication across calls, so a registry is pinged and a token
// fetched once per run, not once per request.
type repo struct {
	address string // as the user gave it, for tags werf would write the same way
	role    string // "--repo", "--cache-repo", ... for messages
	name    name.Repository
	o       *options
	puller  *remote.Puller
	pusher  *remote.Pusher
	tags    tagCache
	down    atomic.Bool // a cache repo set aside for the rest of the run
}

func newRepo(o *options, role, address string) (*repo, error) {
	if err := CheckRepoAddress(role, address); err != nil {
		return nil, err
	}
	var nameOpts []name.Option
	host := address
	if i := strings.IndexByte(address, '/'); i > 0 {
		host = address[:i]
	}
	if slices.Contains(o.insecure, host) {
		nameOpts = append(nameOpts, name.Insecure)
	}
	n, err := name.NewRepository(address, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", role, address, err)
	}
	ropts := o.remoteOptions(n.RegistryStr())
	puller, err := remote.NewPuller(ropts...)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", role, address, err)
	}
	pusher, err := remote.NewPusher(ropts...)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", role, address, err)
	}
	r := &repo{address: address, role: role, name: n, o: o, puller: puller, pusher: pusher}
	r.tags.list = r.listTags
	return r, nil
}

func (r *repo) String() string { return r.address }

// tag names a tag of the repository.
func (r *repo) tag(t string) name.Tag { return r.name.Tag(t) }

// errorf names the repository and the operation in an error; a refusal (401,
// 403) also says which credentials the registry was given, the first thing to
// check.
func (r *repo) errorf(op string, err error) error {
	e := &Error{Repo: r.address, Role: r.role, Op: op, Err: err}
	if status := refusedStatus(err); status != 0 {
		host := r.name.RegistryStr()
		e.Auth = fmt.Sprintf("%s: %d %s %s", host, status, http.StatusText(status), r.o.credentialSource(host))
	}
	return e
}

// listTags lists the repository page by page, following the registry's Link
// headers. A registry (or a proxy before it) whose links never end would keep a
// build listing for ever, so a link back to a page already listed, or more than
// maxTagPages pages, fails the listing.
func (r *repo) listTags(ctx context.Context) ([]string, error) {
	lister, err := r.puller.Lister(ctx, r.name)
	if isNotFound(err) {
		return nil, nil // a repository nobody pushed to yet
	}
	if err != nil {
		return nil, r.errorf("list tags", err)
	}
	// The first page's URL, as go-containerregistry asks for it.
	first := url.URL{Scheme: r.name.Scheme(), Host: r.name.RegistryStr(), Path: "/v2/" + r.name.RepositoryStr() + "/tags/list"}
	if r.o.pageSize > 0 {
		first.RawQuery = "n=" + strconv.Itoa(r.o.pageSize)
	}
	seen := map[string]bool{pageKey(first.String()): true}
	var tags []string
	for page := 1; lister.HasNext(); page++ {
		p, err := lister.Next(ctx)
		if err != nil {
			return nil, r.errorf("list tags", err)
		}
		tags = append(tags, p.Tags...)
		switch next := pageKey(p.Next); {
		case p.Next == "":
			return tags, nil
		case seen[next]:
			return nil, r.errorf("list tags", fmt.Errorf("tag listing loops at page %d: the registry links back to a page already listed (%s); report it to the registry's operators", page+1, p.Next))
		case page >= r.o.maxTagPages:
			return nil, r.errorf("list tags", fmt.Errorf("tag listing goes on past %d pages: the registry's Link headers do not end; report it to the registry's operators", r.o.maxTagPages))
		default:
			seen[next] = true
		}
	}
	return tags, nil
}

// pageKey is a page URL with its query in a canonical order, so that a link
// back that only reorders the query is seen.
func pageKey(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.RawQuery = u.Query().Encode()
	return u.String()
}

// get reads the manifest under a tag; a missing one is errNotFound.
func (r *repo) get(ctx context.Context, tag string) (*remote.Descriptor, error) {
	d, err := r.puller.Get(ctx, r.tag(tag))
	switch {
	case isNotFound(err):
		return nil, r.errorf("read "+tag, errNotFound)
	case err != nil:
		return nil, r.errorf("read "+tag, err)
	}
	return d, nil
}

// put writes a manifest under a tag without touching what it references.
func (r *repo) put(ctx context.Context, tag string, t remote.Taggable) error {
	if err := remote.Put(r.tag(tag), t, remote.WithContext(ctx), remote.Reuse(r.pusher)); err != nil {
		return r.errorf("write "+tag, err)
	}
	return nil
}

// copyFrom copies an image or an index this run has read, registry to registry,
// into this repository under tag; its manifest is not read again. Blobs are
// mounted when both repositories are on one registry and streamed through
// otherwise; nothing touches the disk.
func (r *repo) copyFrom(ctx context.Context, tag string, m Manifest) error {
	t, src, err := m.contents(ctx)
	if err == nil {
		err = remote.Push(r.tag(tag), t, remote.WithContext(ctx), remote.Reuse(r.pusher))
	}
	if err != nil {
		return r.errorf(fmt.Sprintf("copy %s from %s", tag, src.address), err)
	}
	return nil
}

// Error is a registry operation that failed; it names the repository, its role
// in the build and the operation.
type Error struct {
	Repo string
	Role string
	Op   string
	Auth string // for a refusal: "HOST: 401 Unauthorized with credentials from …"
	Err  error
}

func (e *Error) Error() string {
	if e.Auth != "" {
		return fmt.Sprintf("%s %s: %s: %s: %v", e.Role, e.Repo, e.Op, e.Auth, e.Err)
	}
	return fmt.Sprintf("%s %s: %s: %v", e.Role, e.Repo, e.Op, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }

// refusedStatus is 401 or 403 when the registry (or its token server) refused
// the credentials, else 0.
func refusedStatus(err error) int {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
		return terr.StatusCode
	}
	return 0
}

var errNotFound = errors.New("not found")

// ErrStalled is a registry that stopped sending an answer: no byte of its body
// came for the stall timeout (WithStallTimeout).
var ErrStalled = stall.ErrStalled

// isNotFound recognises the registry's "no such manifest/repository" answers.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errNotFound) {
		return true
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		if terr.StatusCode == http.StatusNotFound {
			return true
		}
		for _, d := range terr.Errors {
			switch d.Code {
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
				return true
			}
		}
	}
	return false
}

// isImageManifest tells a stage (a single image) from an index.
func isImageManifest(mt types.MediaType) bool { return mt.IsImage() }
