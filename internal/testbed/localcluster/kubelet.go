package localcluster

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// StandInNode is the node name RunKubeletStandIn binds pods to. No Node object exists for it.
const StandInNode = "kubelet-stand-in"

// RunKubeletStandIn plays scheduler and kubelet for the pods of one namespace until ctx ends: it
// binds each new pod to StandInNode, reports it Running and Ready (nothing runs), and finishes
// deleting pods that are terminating. Deployments there then become available, so the callers'
// waits (Helm's, Pulumi's) complete as on a real cluster. logf may be nil.
func RunKubeletStandIn(ctx context.Context, kube kubernetes.Interface, namespace string, logf func(string, ...any)) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	pods := kube.CoreV1().Pods(namespace)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(300 * time.Millisecond):
		}
		list, err := pods.List(ctx, metav1.ListOptions{})
		if err != nil {
			if ctx.Err() == nil {
				logf("kubelet stand-in: listing pods: %v", err)
			}
			continue
		}
		for i := range list.Items {
			pod := &list.Items[i]
			switch {
			case pod.DeletionTimestamp != nil:
				zero := int64(0)
				err = pods.Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
			case pod.Spec.NodeName == "":
				err = pods.Bind(ctx, &corev1.Binding{
					ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
					Target:     corev1.ObjectReference{Kind: "Node", Name: StandInNode},
				}, metav1.CreateOptions{})
			case !podReady(pod):
				_, err = pods.UpdateStatus(ctx, readyStatus(pod), metav1.UpdateOptions{})
			default:
				continue
			}
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
				logf("kubelet stand-in: pod %s: %v", pod.Name, err)
			}
		}
	}
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func readyStatus(pod *corev1.Pod) *corev1.Pod {
	now := metav1.Now()
	pod = pod.DeepCopy()
	pod.Status.Phase = corev1.PodRunning
	pod.Status.HostIP, pod.Status.PodIP = "127.0.0.1", "127.0.0.1"
	pod.Status.StartTime = &now
	pod.Status.Conditions = nil
	for _, t := range []corev1.PodConditionType{
		corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady,
	} {
		pod.Status.Conditions = append(
			pod.Status.Conditions,
			corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now},
		)
	}
	pod.Status.ContainerStatuses = nil
	started := true
	for _, c := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: true, Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	return pod
}
