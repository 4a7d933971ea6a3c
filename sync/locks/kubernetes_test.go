package locks_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/dagwerf/dagwerf/stages"
	"github.com/dagwerf/dagwerf/sync/locks"
)

var configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

func fakeCluster(t *testing.T) *dynamicfake.FakeDynamicClient {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, corev1.AddToScheme(scheme))
	return dynamicfake.NewSimpleDynamicClient(scheme)
}

func kubeLocker(t *testing.T, client *dynamicfake.FakeDynamicClient) *locks.Locker {
	t.Helper()
	addr, err := locks.ParseAddress("kubernetes://werf-synchronization")
	require.NoError(t, err)
	l, err := locks.New(addr, locks.WithKubernetesClient(client))
	require.NoError(t, err)
	return l
}

// werf's annotation key for a lock: lockgate.io/<sha3-224 of the lock name>.
func annotationKey(lockName string) string { return "lockgate.io/" + stages.Sha3(lockName) }

func annotations(t *testing.T, client *dynamicfake.FakeDynamicClient) map[string]string {
	t.Helper()
	cm, err := client.Resource(configMaps).Namespace("werf-synchronization").Get(context.Background(), "werf-shop", metav1.GetOptions{})
	require.NoError(t, err)
	return cm.GetAnnotations()
}

func TestKubernetesLocks(t *testing.T) {
	t.Parallel()
	// The key of werf's lock "proj/stage/abc", observed with lockgate.
	require.Equal(t, "lockgate.io/0ec719fe22048e4f0266d03946b0224b55133ceb6d0814f56ca644d2", annotationKey("proj/stage/abc"))

	client := fakeCluster(t)
	l := kubeLocker(t, client)
	ctx := context.Background()
	_, release, err := l.LockStage(ctx, "shop", digest)
	require.NoError(t, err, "the ConfigMap werf-shop is created when missing")

	key := annotationKey("shop/stage/" + digest)
	var lease struct {
		UUID     string `json:"uuid"`
		LockName string `json:"lockName"`
		Expire   int64  `json:"ExpireAtTimestamp"`
	}
	require.NoError(t, json.Unmarshal([]byte(annotations(t, client)[key]), &lease))
	assert.Equal(t, "shop/stage/"+digest, lease.LockName, "werf's lock name on Kubernetes")

	// A second builder waits until the first lets go.
	waited := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, rel, err := kubeLocker(t, client).LockStage(ctx, "shop", digest)
		if err == nil {
			rel()
		}
		waited <- err
	}()
	select {
	case err := <-waited:
		t.Fatalf("acquired while held: %v", err)
	case <-time.After(2500 * time.Millisecond):
	}
	release()
	require.NoError(t, <-waited)
	assert.NotContains(t, annotations(t, client), key, "released")
}

// A write that loses an optimistic-concurrency race is retried.
func TestKubernetesLockRetriesConflicts(t *testing.T) {
	t.Parallel()
	client := fakeCluster(t)
	conflicts := 1
	client.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			return false, nil, nil
		}
		conflicts--
		return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "configmaps"}, "werf-shop", errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	})
	_, release, err := kubeLocker(t, client).LockStage(context.Background(), "shop", digest)
	require.NoError(t, err)
	release()
	assert.Equal(t, 0, conflicts)
}

// A lease whose holder stopped renewing is taken over; the old holder finds out at
// its next renewal and its context is cancelled, with no panic.
func TestKubernetesLeaseTakenOver(t *testing.T) {
	t.Parallel()
	client := fakeCluster(t)
	held, release, err := kubeLocker(t, client).LockStage(context.Background(), "shop", digest)
	require.NoError(t, err)
	defer release()

	// Age the lease as if its holder had gone quiet for a minute.
	key := annotationKey("shop/stage/" + digest)
	cm, err := client.Resource(configMaps).Namespace("werf-synchronization").Get(context.Background(), "werf-shop", metav1.GetOptions{})
	require.NoError(t, err)
	var lease map[string]any
	require.NoError(t, json.Unmarshal([]byte(cm.GetAnnotations()[key]), &lease))
	lease["ExpireAtTimestamp"] = time.Now().Add(-time.Minute).Unix()
	aged, _ := json.Marshal(lease)
	a := cm.GetAnnotations()
	a[key] = string(aged)
	cm.SetAnnotations(a)
	_, err = client.Resource(configMaps).Namespace("werf-synchronization").Update(context.Background(), cm, metav1.UpdateOptions{})
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, releaseNew, err := kubeLocker(t, client).LockStage(ctx, "shop", digest)
	require.NoError(t, err, "the expired lease is taken over")
	defer releaseNew()

	select {
	case <-held.Done():
		assert.True(t, locks.IsLostLease(context.Cause(held)))
		assert.Contains(t, context.Cause(held).Error(), "lock already leased")
	case <-time.After(10 * time.Second):
		t.Fatal("the old holder never learnt it lost the lock")
	}
}

func TestKubernetesMissingCluster(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent/kubeconfig")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	addr, err := locks.ParseAddress("kubernetes://ns:ctx")
	require.NoError(t, err)
	_, err = locks.New(addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kubernetes://ns:ctx: ")

	addr, err = locks.ParseAddress("kubernetes://ns@base64:bm90IGEga3ViZWNvbmZpZw==")
	require.NoError(t, err)
	_, err = locks.New(addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "kubernetes://ns@base64:…: ")
	assert.NotContains(t, err.Error(), "bm90IGEga3ViZWNvbmZpZw")
}
