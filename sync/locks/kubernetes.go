package locks

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/werf/lockgate/pkg/distributed_locker"
	"github.com/werf/lockgate/pkg/distributed_locker/optimistic_locking_store"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

var (
	configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	namespaces = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
)

// kubernetesRequestTimeout bounds one request to the API server, unless the
// kubeconfig sets its own.
const kubernetesRequestTimeout = 30 * time.Second

// projectConfigMap is where werf keeps a project's stage locks: annotations
// `lockgate.io/<hash of the lock name>` on this ConfigMap.
func projectConfigMap(project string) string { return "werf-" + project }

// kubernetesClient connects to the cluster of a kubernetes:// address: its
// kubeconfig data, else its file, else $KUBECONFIG or ~/.kube/config, else the
// cluster the process runs in.
func kubernetesClient(a Address) (dynamic.Interface, error) {
	cfg, err := restConfig(a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = kubernetesRequestTimeout // an API server that never answers must not hang the build
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	return client, nil
}

func restConfig(a Address) (*rest.Config, error) {
	overrides := &clientcmd.ConfigOverrides{CurrentContext: a.Context}
	if a.ConfigBase64 != "" {
		data, err := base64.StdEncoding.DecodeString(a.ConfigBase64)
		if err != nil {
			return nil, errors.New("the kubeconfig data is not base64")
		}
		cfg, err := clientcmd.Load(data)
		if err != nil {
			return nil, fmt.Errorf("the kubeconfig data: %w", err)
		}
		return clientcmd.NewNonInteractiveClientConfig(*cfg, a.Context, overrides, nil).ClientConfig()
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if a.ConfigPath != "" {
		rules.ExplicitPath = a.ConfigPath
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil && a.ConfigPath == "" {
		if inCluster, inErr := rest.InClusterConfig(); inErr == nil {
			return inCluster, nil
		}
	}
	return cfg, err
}

// kubernetesLeases are a project's locks on its ConfigMap, which is created (with
// its namespace) when missing, as werf does.
func kubernetesLeases(ctx context.Context, client dynamic.Interface, namespace, project string, t timings) (*leases, error) {
	if err := ensureConfigMap(ctx, client, namespace, projectConfigMap(project)); err != nil {
		return nil, err
	}
	store := optimistic_locking_store.NewKubernetesResourceAnnotationsStore(client, configMaps, projectConfigMap(project), namespace)
	return &leases{backend: distributed_locker.NewOptimisticLockingStorageBasedBackend(store), t: t}, nil
}

func ensureConfigMap(ctx context.Context, client dynamic.Interface, namespace, name string) error {
	_, err := client.Resource(configMaps).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("get ConfigMap %s/%s: %w", namespace, name, err)
	}
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": namespace}}}
	if _, err := client.Resource(namespaces).Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) && !apierrors.IsForbidden(err) {
		return fmt.Errorf("create Namespace %s: %w", namespace, err)
	}
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name, "namespace": namespace}}}
	if _, err := client.Resource(configMaps).Namespace(namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create ConfigMap %s/%s: %w", namespace, name, err)
	}
	return nil
}
