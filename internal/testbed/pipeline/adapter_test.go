package pipeline

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// chartPod is the pod spec prometheus-adapter's chart renders, reduced to the links configSource
// follows: --config, the mount, the volume, the ConfigMap.
func chartPod(edit func(*corev1.PodSpec)) corev1.PodSpec {
	pod := corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "prometheus-adapter",
			Args: []string{"--secure-port=6443", "--config=/etc/adapter/config.yaml", "--metrics-relist-interval=1m"},
			VolumeMounts: []corev1.VolumeMount{
				{Name: "config", MountPath: "/etc/adapter/"},
				{Name: "tmp", MountPath: "/tmp"},
			},
		}},
		Volumes: []corev1.Volume{
			{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "hpa-metrics-seldon-rules"},
			}}},
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
	if edit != nil {
		edit(&pod)
	}
	return pod
}

func TestConfigSource(t *testing.T) {
	for _, tc := range []struct {
		name           string
		edit           func(*corev1.PodSpec)
		wantCM, wantKy string
		wantErr        string // a fragment of the error; empty when the chain holds
	}{
		{name: "the chart as rendered", wantCM: "hpa-metrics-seldon-rules", wantKy: "config.yaml"},
		{name: "--config and its value as two arguments", edit: func(p *corev1.PodSpec) {
			p.Containers[0].Args = []string{"--config", "/etc/adapter/config.yaml"}
		}, wantCM: "hpa-metrics-seldon-rules", wantKy: "config.yaml"},
		{name: "items map the file to another key", edit: func(p *corev1.PodSpec) {
			p.Volumes[0].ConfigMap.Items = []corev1.KeyToPath{{Key: "rules", Path: "config.yaml"}}
		}, wantCM: "hpa-metrics-seldon-rules", wantKy: "rules"},
		{name: "a subPath mount of the file itself", edit: func(p *corev1.PodSpec) {
			p.Containers[0].VolumeMounts[0] = corev1.VolumeMount{
				Name: "config", MountPath: "/etc/adapter/config.yaml", SubPath: "seldon.yaml",
			}
		}, wantCM: "hpa-metrics-seldon-rules", wantKy: "seldon.yaml"},
		{name: "the deepest mount wins", edit: func(p *corev1.PodSpec) {
			p.Containers[0].VolumeMounts[1].MountPath = "/etc"
		}, wantCM: "hpa-metrics-seldon-rules", wantKy: "config.yaml"},
		{name: "no --config", edit: func(p *corev1.PodSpec) {
			p.Containers[0].Args = p.Containers[0].Args[:1]
		}, wantErr: "passes --config"},
		{name: "the path is under no mount", edit: func(p *corev1.PodSpec) {
			p.Containers[0].VolumeMounts = p.Containers[0].VolumeMounts[1:]
		}, wantErr: "under none of container prometheus-adapter's volumeMounts"},
		{name: "the mount names a missing volume", edit: func(p *corev1.PodSpec) {
			p.Volumes = p.Volumes[1:]
		}, wantErr: `names volume "config", which the pod does not have`},
		{name: "the volume is not a ConfigMap", edit: func(p *corev1.PodSpec) {
			p.Volumes[0].VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
		}, wantErr: `volume "config", holding --config=/etc/adapter/config.yaml, is not a ConfigMap`},
		{name: "items project other files only", edit: func(p *corev1.PodSpec) {
			p.Volumes[0].ConfigMap.Items = []corev1.KeyToPath{{Key: "config.yaml", Path: "other.yaml"}}
		}, wantErr: "projects no key of ConfigMap hpa-metrics-seldon-rules to config.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cm, key, err := configSource(chartPod(tc.edit))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			case cm != tc.wantCM || key != tc.wantKy:
				t.Errorf("resolved ConfigMap %q key %q, want %q key %q", cm, key, tc.wantCM, tc.wantKy)
			}
		})
	}
}
