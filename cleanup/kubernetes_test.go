package cleanup_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/dagwerf/dagwerf/cleanup"
)

func podSpec(images ...string) corev1.PodSpec {
	var spec corev1.PodSpec
	for i, img := range images {
		c := corev1.Container{Name: "c" + string(rune('0'+i)), Image: img}
		if i == 0 {
			spec.Containers = append(spec.Containers, c)
		} else {
			spec.InitContainers = append(spec.InitContainers, c)
		}
	}
	return spec
}

func meta(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: "prod"} }

// The workloads werf reads (allow_list/kubernetes.go): pod templates of
// every kind, containers and init containers; a Job that completed or
// failed no longer counts.
func TestDeployedImages(t *testing.T) {
	client := fake.NewSimpleClientset(
		&corev1.Pod{ObjectMeta: meta("p"), Spec: podSpec("reg/app:pod", "reg/app:init")},
		&appsv1.Deployment{ObjectMeta: meta("d"), Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: podSpec("reg/app:deploy")}}},
		&appsv1.StatefulSet{ObjectMeta: meta("s"), Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{Spec: podSpec("reg/app:sts")}}},
		&appsv1.DaemonSet{ObjectMeta: meta("ds"), Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: podSpec("reg/app:ds")}}},
		&appsv1.ReplicaSet{ObjectMeta: meta("rs"), Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{Spec: podSpec("reg/app:rs")}}},
		&corev1.ReplicationController{ObjectMeta: meta("rc"), Spec: corev1.ReplicationControllerSpec{Template: &corev1.PodTemplateSpec{Spec: podSpec("reg/app:rc")}}},
		&batchv1.CronJob{ObjectMeta: meta("cj"), Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: podSpec("reg/app:cron")}}}}},
		&batchv1.Job{ObjectMeta: meta("running"), Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: podSpec("reg/app:job")}}},
		&batchv1.Job{ObjectMeta: meta("done"), Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: podSpec("reg/app:done")}},
			Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}},
	)
	got, err := cleanup.DeployedImages(context.Background(), []cleanup.Cluster{{Context: "prod-ctx", Client: client}})
	require.NoError(t, err)
	var images []string
	for img := range got {
		images = append(images, img)
	}
	assert.ElementsMatch(t, []string{"reg/app:pod", "reg/app:init", "reg/app:deploy", "reg/app:sts", "reg/app:ds", "reg/app:rs", "reg/app:rc", "reg/app:cron", "reg/app:job"}, images)
	assert.Equal(t, []string{"ctx/prod-ctx ns/prod deploy/d container/c0"}, got["reg/app:deploy"])
	assert.Equal(t, []string{"ctx/prod-ctx ns/prod pod/p container/c1"}, got["reg/app:init"])
}

// A cluster that does not answer fails the cleanup: nothing can be deleted
// that might run there.
func TestDeployedImagesUnreachable(t *testing.T) {
	client := fake.NewSimpleClientset()
	client.PrependReactor("list", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("dial tcp 10.0.0.1:6443: connect: connection refused")
	})
	_, err := cleanup.DeployedImages(context.Background(), []cleanup.Cluster{{Context: "prod-ctx", Client: client}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Kubernetes context prod-ctx (all namespaces): list Pods: dial tcp 10.0.0.1:6443: connect: connection refused; nothing was deleted")
}

// A stage a workload runs is kept, by its tag or by a custom tag; nothing
// else keeps it here.
func TestCleanupKeepsWhatWorkloadsRun(t *testing.T) {
	p := history(t)
	byTag := p.reports["O1"].Images["worker"].DockerTag
	byCustomTag := p.reports["F1"].Images["app"].DockerTag
	client := fake.NewSimpleClientset(
		&appsv1.Deployment{ObjectMeta: meta("worker"), Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: podSpec(p.repo + ":" + byTag)}}},
		&appsv1.Deployment{ObjectMeta: meta("app"), Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: podSpec(p.repo + ":app-f1")}}},
	)
	deployed, err := cleanup.DeployedImages(context.Background(), []cleanup.Cluster{{Context: "prod", Client: client}})
	require.NoError(t, err)
	rep, out, err := p.cleanup(cleanup.Options{DryRun: true, Deployed: deployed})
	require.NoError(t, err, out)
	kept := rep.KeptStages()
	assert.Equal(t, "used in Kubernetes: ctx/prod ns/prod deploy/worker container/c0", kept[byTag])
	assert.Equal(t, "used in Kubernetes: custom tag app-f1: ctx/prod ns/prod deploy/app container/c0", kept[byCustomTag])
	for _, tag := range p.stageTags("F1", "app") {
		assert.Contains(t, kept, tag, "the list's images too")
	}
	assert.NotContains(t, rep.DeletedTags(p.repo), "app-f1")
}
