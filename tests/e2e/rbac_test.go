package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/examples/go/autoscaledmodel"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/tests/e2e/localcluster"
)

// TestLeastPrivilege runs the Go example's up and destroy as a service account bound only to
// deploy/rbac.yaml's ClusterRole: what the README promises is enough is enough.
func TestLeastPrivilege(t *testing.T) {
	b := requireBed(t)
	ctx := context.Background()
	if err := localcluster.ApplyRBAC(ctx, b.kube, filepath.Join(b.root, "deploy", "rbac.yaml")); err != nil {
		t.Fatal(err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "seldon-autoscaling-deployer", Namespace: "kube-system"}}
	if _, err := b.kube.CoreV1().ServiceAccounts("kube-system").Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "seldon-autoscaling-deployer"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "seldon-autoscaling-deployer"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: sa.Namespace}},
	}
	if _, err := b.kube.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = b.kube.RbacV1().ClusterRoleBindings().Delete(ctx, binding.Name, metav1.DeleteOptions{})
		_ = b.kube.CoreV1().ServiceAccounts("kube-system").Delete(ctx, sa.Name, metav1.DeleteOptions{})
	})
	tok, err := b.kube.CoreV1().ServiceAccounts("kube-system").CreateToken(ctx, sa.Name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(b.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, auth := range cfg.AuthInfos {
		auth.ClientCertificate, auth.ClientKey, auth.Token = "", "", tok.Status.Token
	}
	kubeconfig := filepath.Join(t.TempDir(), "deployer.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}

	// The identity really is restricted: it may not touch what the ClusterRole does not list.
	for _, probe := range [][]string{{"create", "pods"}, {"get", "nodes"}, {"delete", "customresourcedefinitions"}} {
		out, _ := exec.Command("kubectl", "--kubeconfig", kubeconfig, "auth", "can-i", probe[0], probe[1]).Output()
		if strings.TrimSpace(string(out)) != "no" {
			t.Fatalf("the deployer can %s %s (%q): the test would prove nothing", probe[0], probe[1], out)
		}
	}

	restricted := *b
	restricted.cluster = &localcluster.Cluster{Dir: b.cluster.Dir, Kubeconfig: kubeconfig, Server: b.cluster.Server}
	st := restricted.goStack(t, "rbac", autoscaledmodel.Program, map[string]string{"adapterChartPath": b.chartPath, "adapterSkipAwait": "true"})
	t.Cleanup(func() { _, _ = st.Destroy(ctx) })
	if _, err := st.Up(ctx); err != nil {
		t.Fatalf("up as the least-privileged deployer: %v", err)
	}
	b.assertDeployed(t)
	if _, err := st.Destroy(ctx); err != nil {
		t.Fatalf("destroy as the least-privileged deployer: %v", err)
	}
	b.assertGone(t)
	_ = os.Remove(kubeconfig)
}
