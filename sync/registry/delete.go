package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"
)

// Deleting tags for a cleanup. werf deletes a tag and then its manifest by
// digest (pkg/docker_registry/default.go), so every other tag of that manifest
// goes with it — a custom tag of a deleted stage, or a kept stage that shares
// its manifest. dagwerf deletes the tag alone where the registry can
// (DELETE /v2/<name>/manifests/<tag>: distribution 3, GCR, Quay, ggcr, ...),
// and by digest only where it cannot, and then never a manifest that a tag
// the cleanup keeps points to.

// Deleter deletes tags from one repository for a cleanup that decided to
// delete doomed; every other tag of the repository is kept.
type Deleter struct {
	r      *repo
	all    []string        // the repository's tags when the cleanup listed them
	doomed map[string]bool // every tag the cleanup deletes from r

	mu       sync.Mutex
	digests  map[string]v1.Hash // tag → manifest, as far as known
	kept     map[v1.Hash]string // manifest → a kept tag that points to it; built once
	keptDone bool
	keptMu   sync.Mutex // one reading of the kept tags at a time: the others wait for it

	byDigest atomic.Bool  // the registry refused to delete a tag: delete by digest
	scope    atomic.Int32 // the deleteScopes in use
	clients  map[int]*http.Client
}

// Deleted is how a tag went.
type Deleted int

const (
	DeletedTag    Deleted = iota // the tag alone was deleted
	DeletedDigest                // its manifest was deleted by digest, no kept tag pointing to it
	AlreadyGone                  // nothing was there any more
	KeptShared                   // not deleted: the registry deletes only by digest, and a kept tag shares the manifest
)

// NewDeleter prepares the deletion of doomed from one of the storage's
// repositories: --repo, a --cache-repo or the --final-repo, by address.
// digests are the manifests of tags the caller has read. The repository is
// listed (--repo: the listing the inventory took).
func (s *Storage) NewDeleter(ctx context.Context, address string, doomed []string, digests map[string]v1.Hash) (*Deleter, error) {
	var r *repo
	for _, c := range append([]*repo{s.primary, s.final}, s.caches...) {
		if c != nil && c.address == address {
			r = c
			break
		}
	}
	if r == nil {
		return nil, fmt.Errorf("%s is not a repository of this cleanup", address)
	}
	set, err := r.tags.get(ctx)
	if err != nil {
		return nil, err
	}
	d := &Deleter{r: r, all: set.tags(), doomed: map[string]bool{}, digests: map[string]v1.Hash{}}
	for _, t := range doomed {
		d.doomed[t] = true
	}
	for t, h := range digests {
		d.digests[t] = h
	}
	return d, nil
}

// probeDigest is a digest no manifest has.
const probeDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// Check asks the registry whether it deletes manifests at all, before anything
// is deleted: DELETE of a manifest that does not exist is answered 404 (or
// 202) by a registry that deletes, and 405 UNSUPPORTED, 401 or 403 by one that
// does not, which is then a RefusedError.
func (d *Deleter) Check(ctx context.Context) error {
	err := d.delete(ctx, probeDigest)
	if err == nil || isNotFound(err) {
		return nil
	}
	if refused := d.refused(err, true); refused != nil {
		return refused
	}
	return nil // any other answer tells nothing; the deletions will
}

// Delete deletes tag: the tag alone where the registry can, else its
// manifest by digest, unless a kept tag points to it. A registry that
// refuses deletion is a RefusedError.
func (d *Deleter) Delete(ctx context.Context, tag string) (Deleted, error) {
	if !d.byDigest.Load() {
		err := d.delete(ctx, tag)
		switch {
		case err == nil:
			return DeletedTag, nil
		case isNotFound(err):
			return AlreadyGone, nil
		case refusedStatus(err) != 0:
			return 0, d.refused(err, false)
		case tagDeleteUnsupported(err):
			d.byDigest.Store(true) // distribution 2 and others delete by digest only
		default:
			return 0, d.r.errorf("delete "+tag, err)
		}
	}
	h, err := d.digest(ctx, tag)
	if isNotFound(err) {
		return AlreadyGone, nil
	}
	if err != nil {
		return 0, err
	}
	kept, err := d.keptTag(ctx, h)
	if err != nil {
		return 0, err
	}
	if kept != "" {
		return KeptShared, &SharedError{Tag: tag, Kept: kept, Repo: d.r.address}
	}
	err = d.delete(ctx, h.String())
	switch {
	case err == nil:
		return DeletedDigest, nil
	case isNotFound(err):
		return AlreadyGone, nil
	}
	if refused := d.refused(err, true); refused != nil {
		return 0, refused
	}
	return 0, d.r.errorf("delete "+tag+" ("+h.String()+")", err)
}

// SharedError is a tag left in place: the registry deletes only by digest,
// and a tag the cleanup keeps points to the same manifest.
type SharedError struct{ Tag, Kept, Repo string }

func (e *SharedError) Error() string {
	return fmt.Sprintf("%s:%s is kept: the registry deletes only whole manifests, and the kept tag %s points to the same one", e.Repo, e.Tag, e.Kept)
}

// deleteScopes are the token scopes asked for to delete, in turn: registries
// with token authentication (distribution, GitLab, Harbor) want the delete
// action, which go-containerregistry's push scope lacks; some grant it only
// as "*" (werf's GitLab driver tries the same two).
var deleteScopes = []func(r *repo) []string{
	func(r *repo) []string {
		return []string{r.name.Scope("delete"), r.name.Scope(transport.PushScope)}
	},
	func(r *repo) []string { return []string{r.name.Scope("*")} },
}

// delete sends DELETE /v2/<name>/manifests/<ref>, ref a tag or a digest.
func (d *Deleter) delete(ctx context.Context, ref string) error {
	for {
		scope := int(d.scope.Load())
		c, err := d.client(ctx, scope)
		if err != nil {
			return err
		}
		u := url.URL{Scheme: d.r.name.Scheme(), Host: d.r.name.RegistryStr(), Path: fmt.Sprintf("/v2/%s/manifests/%s", d.r.name.RepositoryStr(), ref)}
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u.String(), nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		err = transport.CheckError(resp, http.StatusOK, http.StatusAccepted)
		_ = resp.Body.Close()
		if refusedStatus(err) == http.StatusUnauthorized && scope+1 < len(deleteScopes) {
			d.scope.CompareAndSwap(int32(scope), int32(scope+1))
			continue
		}
		return err
	}
}

// client is the HTTP client that deletes with the scopes deleteScopes[i]:
// authenticated as the repository's other requests are, with their retries.
func (d *Deleter) client(ctx context.Context, i int) (*http.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.clients == nil {
		d.clients = map[int]*http.Client{}
	}
	if c, ok := d.clients[i]; ok {
		return c, nil
	}
	o := d.r.o
	host := d.r.name.RegistryStr()
	auth, err := o.authKeychain().Resolve(d.r.name.Registry)
	if err != nil {
		return nil, d.r.errorf("credentials to delete", err)
	}
	retry := transport.NewRetry(o.httpTransport(host),
		transport.WithRetryBackoff(o.backoff), transport.WithRetryStatusCodes(retryStatusCodes...))
	if o.userAgent != "" {
		retry = transport.NewUserAgent(retry, o.userAgent)
	}
	t, err := transport.NewWithContext(ctx, d.r.name.Registry, auth, retry, deleteScopes[i](d.r))
	if err != nil {
		return nil, d.r.errorf("authenticate to delete", err)
	}
	c := &http.Client{Transport: t}
	d.clients[i] = c
	return c, nil
}

// digest is the manifest a tag points to: known, or asked for with HEAD.
func (d *Deleter) digest(ctx context.Context, tag string) (v1.Hash, error) {
	d.mu.Lock()
	h, ok := d.digests[tag]
	d.mu.Unlock()
	if ok {
		return h, nil
	}
	desc, err := d.r.puller.Head(ctx, d.r.tag(tag))
	if err != nil {
		if isNotFound(err) {
			return v1.Hash{}, err
		}
		return v1.Hash{}, d.r.errorf("read "+tag, err)
	}
	d.mu.Lock()
	d.digests[tag] = desc.Digest
	d.mu.Unlock()
	return desc.Digest, nil
}

// keptTag is a kept tag that points to manifest h, "" when none does. The
// manifests of the kept tags are read once, when the first deletion by digest
// needs them.
func (d *Deleter) keptTag(ctx context.Context, h v1.Hash) (string, error) {
	d.mu.Lock()
	done := d.keptDone
	d.mu.Unlock()
	if !done {
		if err := d.readKept(ctx); err != nil {
			return "", err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.kept[h], nil
}

// keptReaders bounds the manifests read at once to find the kept ones.
const keptReaders = 16

func (d *Deleter) readKept(ctx context.Context) error {
	d.keptMu.Lock()
	defer d.keptMu.Unlock()
	var unknown []string
	d.mu.Lock()
	if d.keptDone { // another deletion read them while this one waited
		d.mu.Unlock()
		return nil
	}
	for _, t := range d.all {
		if _, ok := d.digests[t]; !ok && !d.doomed[t] {
			unknown = append(unknown, t)
		}
	}
	d.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(keptReaders)
	for _, t := range unknown {
		g.Go(func() error {
			if _, err := d.digest(gctx, t); err != nil && !isNotFound(err) {
				return err
			}
			return nil
		})
	}
	err := g.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		return err // not kept: a later deletion tries again
	}
	d.kept = map[v1.Hash]string{}
	for _, t := range d.all {
		if h, ok := d.digests[t]; ok && !d.doomed[t] {
			if _, seen := d.kept[h]; !seen {
				d.kept[h] = t
			}
		}
	}
	d.keptDone = true
	return nil
}

// tagDeleteUnsupported is a registry's answer to DELETE of a tag when it
// deletes manifests only by digest: distribution 2 answers 400 or 405
// (UNSUPPORTED, DIGEST_INVALID), others 400 or 405 with a code of their own.
func tagDeleteUnsupported(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	return terr.StatusCode == http.StatusBadRequest || terr.StatusCode == http.StatusMethodNotAllowed
}

// RefusedError is a registry that refuses to delete: deletion is turned off,
// or the credentials may not delete. It says which registry and what it needs.
type RefusedError struct {
	Repo   string
	Role   string
	Host   string
	Status int
	Code   string
	Hint   string
	Err    error
}

func (e *RefusedError) Error() string {
	code := http.StatusText(e.Status)
	if e.Code != "" {
		code = e.Code
	}
	return fmt.Sprintf("%s %s: the registry %s refuses to delete (%d %s): %s", e.Role, e.Repo, e.Host, e.Status, code, e.Hint)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// refused turns a registry's refusal to delete into a RefusedError, nil for
// any other error. A 400 or 405 to DELETE by digest means deletion is off;
// to DELETE by tag it means only that tags are not deleted (see
// tagDeleteUnsupported).
func (d *Deleter) refused(err error, byDigest bool) *RefusedError {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return nil
	}
	status := terr.StatusCode
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
	case byDigest && (status == http.StatusMethodNotAllowed || status == http.StatusBadRequest):
	default:
		if !hasCode(terr, transport.UnsupportedErrorCode) || !byDigest {
			return nil
		}
	}
	host := d.r.name.RegistryStr()
	e := &RefusedError{Repo: d.r.address, Role: d.r.role, Host: host, Status: status, Err: err}
	if len(terr.Errors) > 0 {
		e.Code = string(terr.Errors[0].Code)
	}
	e.Hint = deleteHint(host, status, d.r.o.credentialSource(host))
	return e
}

func hasCode(terr *transport.Error, code transport.ErrorCode) bool {
	for _, d := range terr.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// deleteHint says what a registry needs to let a cleanup delete.
func deleteHint(host string, status int, credentials string) string {
	switch {
	case host == "index.docker.io" || host == "registry-1.docker.io" || host == "docker.io":
		return "Docker Hub does not delete through the registry API, only through its own API (werf's --repo-docker-hub-token), which dagwerf does not speak; clean this repository with werf or in Docker Hub"
	case host == "ghcr.io" || strings.HasSuffix(host, ".pkg.github.com"):
		return "GitHub Packages deletes package versions only through GitHub's API, with a token that has the delete:packages scope (werf's --repo-github-token), which dagwerf does not speak; clean this repository with werf or in GitHub"
	case strings.Contains(host, ".dkr.ecr.") && strings.HasSuffix(host, ".amazonaws.com"):
		return "Amazon ECR needs the ecr:BatchDeleteImage permission for the credentials used (" + credentials + ")"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if strings.Contains(host, "gitlab") {
			return "the credentials used (" + credentials + ") may read and push but not delete: GitLab needs a token with the delete_registry scope (or the api scope) of a user with the Maintainer role"
		}
		return "the credentials used (" + credentials + ") may not delete: give them the delete permission (Harbor: a robot account or user with delete on the project's artifacts; Nexus: the delete privilege)"
	default:
		return "deleting is turned off: a Docker Distribution registry needs storage.delete.enabled: true (REGISTRY_STORAGE_DELETE_ENABLED=true in its environment) and a restart; other registries: allow deleting for the credentials used (" + credentials + ")"
	}
}
