package component

import (
	"reflect"
	"sync"
	"testing"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	helmv3 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/helm/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/resolve"
	"google.golang.org/protobuf/proto"
)

// requests records each registration's request as the engine would receive it.
type requests struct {
	mu  sync.Mutex
	got map[string]*pulumirpc.RegisterResourceRequest
}

func (r *requests) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[args.Name] = args.RegisterRPC
	return args.Name + "-id", args.Inputs, nil
}

func (r *requests) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return args.Args, nil
}

// TestHelmReleaseMatchesNewRelease: the release the component declares without helm/v3 reaches the
// engine exactly as helm/v3's NewRelease would send it (type, inputs with compat, plugin version,
// dependencies, options), for each shape releaseArgs produces. Test code may import helm/v3: it is
// not linked into the plugin (internal/architecture).
func TestHelmReleaseMatchesNewRelease(t *testing.T) {
	base := resolve.DesiredAdapter{ReleaseName: "prometheus-adapter", Namespace: "monitoring",
		Chart: "/charts/prometheus-adapter"}
	repo := base
	repo.Chart, repo.ChartRepo, repo.ChartVersion = "prometheus-adapter", "https://charts.example", "4.11.0"
	for _, tc := range []struct {
		name string
		edit func(*resolve.DesiredAdapter)
	}{
		{"local chart, Helm waits, atomic", func(a *resolve.DesiredAdapter) { a.HelmTimeoutSeconds, a.Atomic = 300, true }},
		{"local chart, skipAwait", func(a *resolve.DesiredAdapter) { a.SkipAwait = true }},
		{"repository chart and version", func(a *resolve.DesiredAdapter) { *a = repo }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := base
			tc.edit(&a)
			rec := &requests{got: map[string]*pulumirpc.RegisterResourceRequest{}}
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				dep, err := corev1.NewConfigMap(ctx, "rules", &corev1.ConfigMapArgs{})
				if err != nil {
					return err
				}
				values := pulumi.ToMap(map[string]any{"rules": map[string]any{"default": false}}).ToMapOutput()
				opt := pulumi.DependsOn([]pulumi.Resource{dep})
				if _, err := helmv3.NewRelease(ctx, "release", upstreamArgs(t, releaseArgs(a, values)), opt); err != nil {
					return err
				}
				_, err = newHelmRelease(ctx, "release-ours", releaseArgs(a, values), opt)
				return err
			}, pulumi.WithMocks("project", "stack", rec))
			if err != nil {
				t.Fatal(err)
			}
			want, got := rec.got["release"], rec.got["release-ours"]
			if got.GetObject().GetFields()["compat"].GetStringValue() != "true" || got.GetVersion() == "" {
				t.Fatalf("request lacks compat or the plugin version: %v", got)
			}
			// Only the name and the source lines of the two calls may differ.
			for _, r := range []*pulumirpc.RegisterResourceRequest{want, got} {
				r.Name, r.SourcePosition, r.StackTrace = "", nil, nil
			}
			if !proto.Equal(want, got) {
				t.Errorf("the engine would receive\n%v\nnot, as from helm/v3's NewRelease,\n%v", got, want)
			}
		})
	}
}

// upstreamArgs copies ours into helm/v3's ReleaseArgs field by field, by name, so a field of ours
// that helm/v3 does not have fails the test.
func upstreamArgs(t *testing.T, ours *helmReleaseArgs) *helmv3.ReleaseArgs {
	t.Helper()
	up := &helmv3.ReleaseArgs{}
	src, dst := reflect.ValueOf(ours).Elem(), reflect.ValueOf(up).Elem()
	for i := range src.NumField() {
		name := src.Type().Field(i).Name
		f := dst.FieldByName(name)
		switch {
		case !f.IsValid():
			t.Fatalf("helm/v3's ReleaseArgs has no field %s", name)
		case name == "RepositoryOpts":
			if ours.RepositoryOpts != nil {
				up.RepositoryOpts = &helmv3.RepositoryOptsArgs{Repo: ours.RepositoryOpts.Repo}
			}
		case !src.Field(i).IsNil():
			f.Set(src.Field(i))
		}
	}
	return up
}
