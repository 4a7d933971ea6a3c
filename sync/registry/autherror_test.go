package registry_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/registry"
	"github.com/dagwerf/dagwerf/test/registrytest"
)

// describedKeychain is a keychain that names its source, as the Docker config's does.
type describedKeychain struct{ emptyKeychain }

func (describedKeychain) Describe(host string) string {
	return "with credentials from the test for " + host
}

// A refusal names the registry host, the status and the credentials tried; other
// failures do not talk about credentials.
func TestRefusalsNameTheCredentialsTried(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // the default keychain finds nothing there

	refuse := func(status int) registrytest.Fault {
		return func(w http.ResponseWriter, r *http.Request) bool {
			if !strings.HasSuffix(r.URL.Path, "/tags/list") {
				return false
			}
			http.Error(w, `{"errors":[{"code":"DENIED","message":"no"}]}`, status)
			return true
		}
	}
	tests := []struct {
		name   string
		status int
		opts   func(host string) []registry.Option
		want   string // after "HOST: "; "" for no mention of credentials
	}{
		{name: "default keychain, nothing there", status: http.StatusUnauthorized, want: "401 Unauthorized anonymously (no credentials for HOST in the Docker config): "},
		{name: "a keychain that names its source", status: http.StatusForbidden, opts: func(string) []registry.Option {
			return []registry.Option{registry.WithKeychain(describedKeychain{})}
		}, want: "403 Forbidden with credentials from the test for HOST: "},
		{name: "explicit credentials", status: http.StatusForbidden, opts: func(host string) []registry.Option {
			return []registry.Option{registry.WithKeychain(describedKeychain{}), registry.WithCredentials(host, "ci", "s3cret")}
		}, want: "403 Forbidden with the username and password given for HOST: "},
		{name: "not a refusal", status: http.StatusNotImplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registrytest.New(t)
			reg.Inject(refuse(tt.status))
			var opts []registry.Option
			if tt.opts != nil {
				opts = tt.opts(reg.Host)
			}
			s, _ := newStorage(t, reg.Host+"/shop", opts...)
			_, err := s.Tags(context.Background(), true)
			require.Error(t, err)
			prefix := "--repo " + reg.Host + "/shop: list tags: "
			if tt.want == "" {
				assert.Contains(t, err.Error(), prefix+"GET ")
				assert.NotContains(t, err.Error(), "credentials")
				return
			}
			assert.Contains(t, err.Error(), prefix+reg.Host+": "+strings.ReplaceAll(tt.want, "HOST", reg.Host))
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}
}
