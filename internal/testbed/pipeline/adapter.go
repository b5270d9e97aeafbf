package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// APIServiceName is the custom metrics APIService prometheus-adapter's chart registers.
const APIServiceName = "v1beta1.custom.metrics.k8s.io"

var apiServices = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// AdapterSource names the adapter's Deployment. Everything else, the rules included, is found
// from it as a kubelet would find it.
type AdapterSource struct {
	Namespace  string
	Deployment string
}

// AdapterProcess is the installed prometheus-adapter as the test bed runs it: a local process with
// the flags and rules the component deployed.
type AdapterProcess struct {
	Port           int
	RelistInterval string
	Config         string
	ConfigMap      string   // the ConfigMap the Deployment's --config path resolved to
	AuthArgs       []string // the Prometheus credential flags taken from the Deployment
}

// configSource follows the --config=<path> argument of the pod's container the way the kubelet
// lays files out: the path lies under one of the container's volumeMounts, the mount names a
// volume, the volume a ConfigMap, and the file name under the mount (mapped through the volume's
// items, when it lists any) is the ConfigMap's key. Every broken link is an error naming it.
func configSource(pod corev1.PodSpec) (configMap, key string, err error) {
	var path string
	var ctr *corev1.Container
	for i, c := range pod.Containers {
		for j, arg := range c.Args {
			v, ok := strings.CutPrefix(arg, "--config=")
			if arg == "--config" && j+1 < len(c.Args) {
				v, ok = c.Args[j+1], true
			}
			if ok {
				path, ctr = v, &pod.Containers[i]
			}
		}
	}
	if ctr == nil {
		return "", "", errors.New("no container of the adapter Deployment passes --config")
	}
	var mount *corev1.VolumeMount
	rel := ""
	for i, m := range ctr.VolumeMounts {
		if m.SubPath != "" {
			if path == m.MountPath {
				mount, rel = &ctr.VolumeMounts[i], m.SubPath
			}
			continue
		}
		r, ok := strings.CutPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/")
		if ok && (mount == nil || len(m.MountPath) > len(mount.MountPath)) {
			mount, rel = &ctr.VolumeMounts[i], r
		}
	}
	if mount == nil {
		return "", "", fmt.Errorf("--config=%s is under none of container %s's volumeMounts", path, ctr.Name)
	}
	i := slices.IndexFunc(pod.Volumes, func(v corev1.Volume) bool { return v.Name == mount.Name })
	if i < 0 {
		return "", "", fmt.Errorf("the volumeMount at %s names volume %q, which the pod does not have",
			mount.MountPath, mount.Name)
	}
	cm := pod.Volumes[i].ConfigMap
	if cm == nil {
		return "", "", fmt.Errorf("volume %q, holding --config=%s, is not a ConfigMap", mount.Name, path)
	}
	if len(cm.Items) == 0 {
		return cm.Name, rel, nil
	}
	for _, item := range cm.Items {
		if item.Path == rel {
			return cm.Name, item.Key, nil
		}
	}
	return "", "", fmt.Errorf("volume %q projects no key of ConfigMap %s to %s", mount.Name, cm.Name, rel)
}

// materializeSecretVolumes writes every Secret volume the pod mounts into dir/<volume>/<key> and
// returns mount path → local directory.
func materializeSecretVolumes(
	ctx context.Context,
	kube kubernetes.Interface,
	ns string,
	pod corev1.PodSpec,
	dir string,
) (map[string]string, error) {
	secretOf := map[string]string{}
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			secretOf[v.Name] = v.Secret.SecretName
		}
	}
	out := map[string]string{}
	for _, c := range pod.Containers {
		for _, m := range c.VolumeMounts {
			name, ok := secretOf[m.Name]
			if !ok {
				continue
			}
			secret, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, fmt.Errorf("reading the mounted Secret %s: %w", name, err)
			}
			local := filepath.Join(dir, m.Name)
			if err := os.MkdirAll(local, 0o700); err != nil {
				return nil, err
			}
			for k, v := range secret.Data {
				if err := os.WriteFile(filepath.Join(local, k), v, 0o600); err != nil {
					return nil, err
				}
			}
			out[m.MountPath] = local
		}
	}
	return out, nil
}

func localPath(mounts map[string]string, path string) (string, bool) {
	for mount, local := range mounts {
		if rest, ok := strings.CutPrefix(path, strings.TrimSuffix(mount, "/")+"/"); ok {
			return filepath.Join(local, rest), true
		}
	}
	return "", false
}

// StartAdapter runs prometheus-adapter with exactly the rules and relist interval the component
// put into the cluster (read back from its Deployment and the ConfigMap it mounts), pointed at the local
// Prometheus, and routes the custom metrics APIService to it.
//
// The local cluster has no kube-proxy and no nodes, so the chart's Deployment never runs and its
// Service routes nowhere. The aggregator refuses Endpoints at 127.0.0.1, but it follows a Service
// of type ExternalName to localhost: the APIService is pointed at such a Service, which reaches
// this process. That shim is the only thing here that differs from a real cluster.
func StartAdapter(ctx context.Context, sp Spawner, kube kubernetes.Interface, dyn dynamic.Interface,
	bin, dir, kubeconfig string, src AdapterSource, prom *Prometheus) (*AdapterProcess, error) {
	a, err := readAdapter(ctx, kube, src, filepath.Join(dir, "secrets"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(a.Config), 0o644); err != nil {
		return nil, err
	}
	if a.Port, err = freePort(); err != nil {
		return nil, err
	}
	args := append([]string{
		fmt.Sprintf("--secure-port=%d", a.Port), "--bind-address=127.0.0.1", "--cert-dir=" + filepath.Join(dir, "certs"),
		"--prometheus-url=" + prom.URL, "--metrics-relist-interval=" + a.RelistInterval, "--config=" + cfgPath,
		"--lister-kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig, "--v=2",
	}, a.AuthArgs...)
	if err := sp.Spawn("prometheus-adapter", bin, args...); err != nil {
		return nil, err
	}
	if err := routeAPIService(ctx, kube, dyn, src.Namespace, a.Port); err != nil {
		return nil, err
	}
	if err := waitAvailable(ctx, dyn, 90*time.Second); err != nil {
		return nil, fmt.Errorf("%w (adapter log: %s)", err, sp.LogPath("prometheus-adapter"))
	}
	return a, nil
}

// readAdapter reads what the component put into the cluster for the adapter: the rules from the
// ConfigMap its Deployment mounts as --config, its relist interval and its Prometheus credentials,
// the Secrets holding them written under secretsDir.
func readAdapter(ctx context.Context, kube kubernetes.Interface, src AdapterSource,
	secretsDir string) (*AdapterProcess, error) {
	dep, err := kube.AppsV1().Deployments(src.Namespace).Get(ctx, src.Deployment, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading the adapter Deployment: %w", err)
	}
	cmName, key, err := configSource(dep.Spec.Template.Spec)
	if err != nil {
		return nil, fmt.Errorf("the adapter Deployment %s/%s: %w", src.Namespace, src.Deployment, err)
	}
	cm, err := kube.CoreV1().ConfigMaps(src.Namespace).Get(ctx, cmName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading ConfigMap %s, which the adapter Deployment mounts as its --config: %w", cmName, err)
	}
	config, ok := cm.Data[key]
	if !ok {
		return nil, fmt.Errorf("ConfigMap %s, mounted as the adapter's --config, has no key %q", cmName, key)
	}
	a := &AdapterProcess{Config: config, ConfigMap: cmName}
	// The credentials the Deployment mounts from Secrets, written where this process reads them,
	// as the kubelet would: the auth flags are passed on with their paths moved there.
	mounts, err := materializeSecretVolumes(
		ctx,
		kube,
		src.Namespace,
		dep.Spec.Template.Spec,
		secretsDir,
	)
	if err != nil {
		return nil, err
	}
	if a.RelistInterval, a.AuthArgs, err = adapterFlags(dep.Spec.Template.Spec, mounts); err != nil {
		return nil, err
	}
	if a.Config == "" || a.RelistInterval == "" {
		return nil, fmt.Errorf(
			"the adapter's config (%d bytes) or relist interval (%q) is missing",
			len(a.Config),
			a.RelistInterval,
		)
	}
	return a, nil
}

// adapterFlags reads the relist interval and the Prometheus credential flags off the containers'
// arguments, the credential paths moved to where mounts wrote them.
func adapterFlags(pod corev1.PodSpec, mounts map[string]string) (relist string, authArgs []string, err error) {
	for _, c := range pod.Containers {
		for _, arg := range c.Args {
			if v, ok := strings.CutPrefix(arg, "--metrics-relist-interval="); ok {
				relist = v
			}
			for _, flag := range []string{"--prometheus-token-file=", "--prometheus-auth-config="} {
				if v, ok := strings.CutPrefix(arg, flag); ok {
					local, found := localPath(mounts, v)
					if !found {
						return "", nil, fmt.Errorf("%s%s is not in a mounted Secret", flag, v)
					}
					authArgs = append(authArgs, flag+local)
				}
			}
		}
	}
	return relist, authArgs, nil
}

const shimService = "local-prometheus-adapter"

func routeAPIService(ctx context.Context, kube kubernetes.Interface, dyn dynamic.Interface, ns string, port int) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:      shimService,
			Namespace: ns,
			Labels:    map[string]string{"app.kubernetes.io/managed-by": "e2e-harness"},
		},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeExternalName, ExternalName: "localhost",
			Ports: []corev1.ServicePort{{Name: "https", Port: int32(port)}}, //nolint:gosec // a port number
		},
	}
	if _, err := kube.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); apierrors.IsAlreadyExists(err) {
		cur, gerr := kube.CoreV1().Services(ns).Get(ctx, shimService, metav1.GetOptions{})
		if gerr != nil {
			return gerr
		}
		svc.ResourceVersion = cur.ResourceVersion
		if _, err := kube.CoreV1().Services(ns).Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	patch := fmt.Sprintf(
		`{"spec":{"service":{"name":%q,"namespace":%q,"port":%d},"insecureSkipTLSVerify":true}}`,
		shimService,
		ns,
		port,
	)
	if _, err := dyn.Resource(apiServices).Patch(
		ctx, APIServiceName, types.MergePatchType, []byte(patch), metav1.PatchOptions{},
	); err != nil {
		return fmt.Errorf("routing %s to the local adapter: %w", APIServiceName, err)
	}
	return nil
}

func waitAvailable(ctx context.Context, dyn dynamic.Interface, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		obj, err := dyn.Resource(apiServices).Get(ctx, APIServiceName, metav1.GetOptions{})
		if err == nil {
			conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
			for _, c := range conds {
				m, _ := c.(map[string]any)
				if m["type"] == "Available" {
					if m["status"] == "True" {
						return nil
					}
					last = fmt.Sprintf("%v: %v", m["reason"], m["message"])
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("APIService %s not Available within %s (last: %s)", APIServiceName, timeout, last)
}
