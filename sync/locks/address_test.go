package locks_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dagwerf/dagwerf/sync/locks"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		want locks.Address
		str  string
	}{
		{":local", locks.Address{Kind: locks.Local}, ":local"},
		{"http://sync.example.com:55581", locks.Address{Kind: locks.HTTP, URL: "http://sync.example.com:55581"}, "http://sync.example.com:55581"},
		{"https://sync.example.com/", locks.Address{Kind: locks.HTTP, URL: "https://sync.example.com"}, "https://sync.example.com"},
		{"http://127.0.0.1", locks.Address{Kind: locks.HTTP, URL: "http://127.0.0.1"}, "http://127.0.0.1"},
		{"kubernetes://werf-synchronization", locks.Address{Kind: locks.Kubernetes, Namespace: "werf-synchronization"}, "kubernetes://werf-synchronization"},
		{"kubernetes://ns:prod-cluster", locks.Address{Kind: locks.Kubernetes, Namespace: "ns", Context: "prod-cluster"}, "kubernetes://ns:prod-cluster"},
		{"kubernetes://ns:ctx@/etc/kube/config", locks.Address{Kind: locks.Kubernetes, Namespace: "ns", Context: "ctx", ConfigPath: "/etc/kube/config"}, "kubernetes://ns:ctx@/etc/kube/config"},
		{"kubernetes://ns@base64:YXBpVmVyc2lvbjogdjEK", locks.Address{Kind: locks.Kubernetes, Namespace: "ns", ConfigBase64: "YXBpVmVyc2lvbjogdjEK"}, "kubernetes://ns@base64:…"},
		{"kubernetes://ns:ctx:with:colons@relative/config", locks.Address{Kind: locks.Kubernetes, Namespace: "ns", Context: "ctx:with:colons", ConfigPath: "relative/config"}, "kubernetes://ns:ctx:with:colons@relative/config"},
	}
	for _, tt := range tests {
		got, err := locks.ParseAddress(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.str, got.String(), tt.in)
	}
}

func TestParseAddressErrors(t *testing.T) {
	tests := []struct {
		in, err string
	}{
		{"local", `--synchronization "local": expected :local, http(s)://HOST[:PORT] or kubernetes://NAMESPACE[:CONTEXT][@base64:CONFIG|@PATH]`},
		{"", `--synchronization "": expected :local`},
		{"ftp://sync.example.com", `--synchronization "ftp://sync.example.com": expected :local`},
		{"http://", `--synchronization "http://": no host`},
		{"http://sync.example.com/CLIENT_ID", `--synchronization "http://sync.example.com/CLIENT_ID": give only scheme://host[:port]; the server's paths are fixed`},
		{"http://user:pass@sync.example.com", `--synchronization "http://user:xxxxx@sync.example.com": credentials in the address are not supported`},
		{"https://sync.example.com:port", `--synchronization "https://sync.example.com:port": parse`},
		{"kubernetes://", `--synchronization kubernetes://: "" is not a namespace name`},
		{"kubernetes://Bad_NS", `"Bad_NS" is not a namespace name`},
		{"kubernetes://ns@", `--synchronization kubernetes://ns@: no kubeconfig path after @`},
		{"kubernetes://ns@base64:!!!secret!!!", `--synchronization kubernetes://ns@base64:…: the kubeconfig after base64: is not base64 data`},
		{"kubernetes://UPPER@base64:c2VjcmV0", `--synchronization kubernetes://UPPER@base64:…: "UPPER" is not a namespace name`},
	}
	for _, tt := range tests {
		_, err := locks.ParseAddress(tt.in)
		require.Error(t, err, tt.in)
		assert.Contains(t, err.Error(), tt.err, tt.in)
		assert.NotContains(t, err.Error(), "secret", "no secret in an error")
	}
}
