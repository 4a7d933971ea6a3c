package locks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dagwerf/dagwerf/sync/registry"
)

// clientIDPrefix starts the tag under which werf keeps a repository's
// synchronization client ID: `client-id-<id>-<unix millis>`.
const clientIDPrefix = "client-id-"

// clientIDSettle is how long a builder that wrote a client ID waits for others
// writing theirs at the same moment (werf waits as long).
const clientIDSettle = 2 * time.Second

// ClientIDStore is the repository that keeps the client ID, as tags.
type ClientIDStore interface {
	// Tags lists the repository's tags; fresh bypasses what the run listed before.
	Tags(ctx context.Context, fresh bool) ([]string, error)
	// PushMarker writes a small image carrying only labels under tag.
	PushMarker(ctx context.Context, tag string, labels map[string]string) error
}

// ClientID finds the synchronization client ID a repository's builders share, as
// werf does: the oldest `client-id-*` tag; without one, a new ID from the server
// (/new-client-id) is written as a tag, and after a pause that lets builders
// racing to create one write theirs, the oldest is taken again, so that they agree.
func ClientID(ctx context.Context, server, project string, store ClientIDStore) (string, error) {
	tags, err := store.Tags(ctx, false)
	if err != nil {
		return "", err
	}
	if id, ok := oldestClientID(tags); ok {
		return id, nil
	}
	id, err := newClientID(ctx, server)
	if err != nil {
		return "", err
	}
	tag := fmt.Sprintf("%s%s-%d", clientIDPrefix, id, time.Now().UnixMilli())
	if err := store.PushMarker(ctx, tag, map[string]string{registry.LabelProject: project}); err != nil {
		return "", err
	}
	if err := sleep(ctx, clientIDSettle); err != nil {
		return "", err
	}
	if tags, err = store.Tags(ctx, true); err != nil {
		return "", err
	}
	if id, ok := oldestClientID(tags); ok {
		return id, nil
	}
	return "", fmt.Errorf("the client ID tag %s is not in the repository after it was written", tag)
}

func oldestClientID(tags []string) (string, bool) {
	var best string
	var bestAt int64
	found := false
	for _, t := range tags {
		rest, ok := strings.CutPrefix(t, clientIDPrefix)
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '-')
		if i <= 0 {
			continue
		}
		at, err := strconv.ParseInt(rest[i+1:], 10, 64)
		if err != nil {
			continue
		}
		// Builders that wrote theirs in the same millisecond must still agree,
		// whatever order the registry lists tags in: the smaller ID wins a tie.
		if id := rest[:i]; !found || at < bestAt || at == bestAt && id < best {
			best, bestAt, found = id, at, true
		}
	}
	return best, found
}

func newClientID(ctx context.Context, server string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/new-client-id", strings.NewReader("{}"))
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Timeout: defaultTimings.call}).Do(req)
	if err != nil {
		return "", fmt.Errorf("%s: new client ID: %w", server, err)
	}
	defer resp.Body.Close()
	var body struct {
		Err      string `json:"err"`
		ClientID string `json:"clientID"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: new client ID: %s", server, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("%s: new client ID: %w", server, err)
	}
	if body.Err != "" || body.ClientID == "" {
		return "", fmt.Errorf("%s: new client ID: %q", server, body.Err)
	}
	return body.ClientID, nil
}
