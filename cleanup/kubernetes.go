package cleanup

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// The Kubernetes-based policy (werf's pkg/cleaning/allow_list/kubernetes.go):
// a stage is kept while a workload of a cluster names it (REPO:<stage ID>, or
// one of its custom tags) in a pod template: Pods, ReplicationControllers,
// Deployments, StatefulSets, DaemonSets, ReplicaSets, CronJobs and Jobs that
// have not completed or failed; containers and init containers.

// Cluster is one Kubernetes context whose workloads are read.
type Cluster struct {
	Context    string
	Client     kubernetes.Interface
	Namespaces []string // none: every namespace
}

// KubeAccess says how clusters are reached: werf's --kube-config,
// --kube-config-base64 and --kube-context. Without a kubeconfig the default
// loading rules apply ($KUBECONFIG, ~/.kube/config), then the in-cluster
// service account.
type KubeAccess struct {
	ConfigPath   string
	ConfigBase64 string
	Context      string   // only this context; "" is every context of the kubeconfig
	Namespaces   []string // only these namespaces (--kube-scan-namespaces)
}

// Clusters connects to the contexts the access names.
func (a KubeAccess) Clusters() ([]Cluster, error) {
	var cfg *clientcmdapi.Config
	switch {
	case a.ConfigBase64 != "":
		data, err := base64.StdEncoding.DecodeString(a.ConfigBase64)
		if err != nil {
			return nil, fmt.Errorf("--kube-config-base64: %w", err)
		}
		if cfg, err = clientcmd.Load(data); err != nil {
			return nil, fmt.Errorf("--kube-config-base64: %w", err)
		}
	default:
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if a.ConfigPath != "" {
			rules.ExplicitPath = a.ConfigPath
		}
		var err error
		if cfg, err = rules.Load(); err != nil {
			return nil, fmt.Errorf("kubeconfig: %w", err)
		}
	}
	var names []string
	for n := range cfg.Contexts {
		names = append(names, n)
	}
	sort.Strings(names)
	if a.Context != "" {
		if !slices.Contains(names, a.Context) {
			return nil, fmt.Errorf("--kube-context %s: the kubeconfig has no such context (it has: %v)", a.Context, names)
		}
		names = []string{a.Context}
	}
	var out []Cluster
	for _, n := range names {
		rc, err := clientcmd.NewNonInteractiveClientConfig(*cfg, n, &clientcmd.ConfigOverrides{CurrentContext: n}, nil).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("kube context %s: %w", n, err)
		}
		boundRequests(rc)
		c, err := kubernetes.NewForConfig(rc)
		if err != nil {
			return nil, fmt.Errorf("kube context %s: %w", n, err)
		}
		out = append(out, Cluster{Context: n, Client: c, Namespaces: a.Namespaces})
	}
	if len(out) == 0 && a.ConfigPath == "" && a.ConfigBase64 == "" {
		if rc, err := rest.InClusterConfig(); err == nil {
			boundRequests(rc)
			c, err := kubernetes.NewForConfig(rc)
			if err != nil {
				return nil, err
			}
			out = append(out, Cluster{Context: "in-cluster", Client: c, Namespaces: a.Namespaces})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the Kubernetes-based policy needs access to the clusters the images run in (a kubeconfig: --kube-config, --kube-config-base64, $KUBECONFIG, ~/.kube/config; or a service account in the cluster); pass --without-kube, or set cleanup.disableKubernetesBasedPolicy in werf.yaml, to clean up without it")
	}
	return out, nil
}

// DeployedImages lists the images the clusters' workloads use, each with
// the workloads (context, namespace, kind, name, container). A cluster that
// cannot be read fails the whole: a cleanup must not take an image for
// unused because its cluster did not answer.
func DeployedImages(ctx context.Context, clusters []Cluster) (map[string][]string, error) {
	out := map[string][]string{}
	for _, c := range clusters {
		namespaces := c.Namespaces
		if len(namespaces) == 0 {
			namespaces = []string{metav1.NamespaceAll}
		}
		for _, ns := range namespaces {
			if err := workloadImages(ctx, c, ns, out); err != nil {
				where := "all namespaces"
				if ns != "" {
					where = "namespace " + ns
				}
				return nil, fmt.Errorf("Kubernetes context %s (%s): %w; nothing was deleted: the cleanup cannot tell which images run there (pass --without-kube to clean up without the Kubernetes-based policy)", c.Context, where, err)
			}
		}
	}
	return out, nil
}

type podTemplate struct {
	kind, namespace, name string
	spec                  corev1.PodSpec
}

func workloadImages(ctx context.Context, c Cluster, ns string, out map[string][]string) error {
	var templates []podTemplate
	lo := metav1.ListOptions{}
	pods, err := c.Client.CoreV1().Pods(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list Pods: %w", err)
	}
	for _, o := range pods.Items {
		templates = append(templates, podTemplate{"pod", o.Namespace, o.Name, o.Spec})
	}
	rcs, err := c.Client.CoreV1().ReplicationControllers(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list ReplicationControllers: %w", err)
	}
	for _, o := range rcs.Items {
		if o.Spec.Template != nil {
			templates = append(templates, podTemplate{"rc", o.Namespace, o.Name, o.Spec.Template.Spec})
		}
	}
	deployments, err := c.Client.AppsV1().Deployments(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list Deployments: %w", err)
	}
	for _, o := range deployments.Items {
		templates = append(templates, podTemplate{"deploy", o.Namespace, o.Name, o.Spec.Template.Spec})
	}
	sets, err := c.Client.AppsV1().StatefulSets(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list StatefulSets: %w", err)
	}
	for _, o := range sets.Items {
		templates = append(templates, podTemplate{"sts", o.Namespace, o.Name, o.Spec.Template.Spec})
	}
	daemons, err := c.Client.AppsV1().DaemonSets(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list DaemonSets: %w", err)
	}
	for _, o := range daemons.Items {
		templates = append(templates, podTemplate{"ds", o.Namespace, o.Name, o.Spec.Template.Spec})
	}
	replicas, err := c.Client.AppsV1().ReplicaSets(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list ReplicaSets: %w", err)
	}
	for _, o := range replicas.Items {
		templates = append(templates, podTemplate{"rs", o.Namespace, o.Name, o.Spec.Template.Spec})
	}
	crons, err := c.Client.BatchV1().CronJobs(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list CronJobs: %w", err)
	}
	for _, o := range crons.Items {
		templates = append(templates, podTemplate{"cronjob", o.Namespace, o.Name, o.Spec.JobTemplate.Spec.Template.Spec})
	}
	jobs, err := c.Client.BatchV1().Jobs(ns).List(ctx, lo)
	if err != nil {
		return fmt.Errorf("list Jobs: %w", err)
	}
	for _, o := range jobs.Items {
		if jobFinished(o) {
			continue // werf: its images are no longer used
		}
		templates = append(templates, podTemplate{"job", o.Namespace, o.Name, o.Spec.Template.Spec})
	}
	for _, t := range templates {
		for _, ctr := range append(slices.Clone(t.spec.Containers), t.spec.InitContainers...) {
			user := fmt.Sprintf("ctx/%s ns/%s %s/%s container/%s", c.Context, t.namespace, t.kind, t.name, ctr.Name)
			if !slices.Contains(out[ctr.Image], user) {
				out[ctr.Image] = append(out[ctr.Image], user)
			}
		}
	}
	return nil
}

func jobFinished(j batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// requestTimeout bounds one request to an API server, unless the kubeconfig
// sets one: a cluster that never answers must not hang the cleanup.
const requestTimeout = 30 * time.Second

func boundRequests(rc *rest.Config) {
	if rc.Timeout == 0 {
		rc.Timeout = requestTimeout
	}
}
