package hpasim

import (
	"math"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// notStarted marks a Server pod still Pending for room in the cluster.
const notStarted = math.MaxInt

// cluster is the Seldon Core 2 side of single-model serving: the Server's pods, and the Model as
// Seldon's scheduler tracks it, one Model replica per Server replica. How the scheduler places
// the Model and what the operator writes into its status are package seldon's (seldon.Model, as
// Seldon Core 2.10.2 was recorded doing it); this type adds only the pods and their timing.
type cluster struct {
	serverReadySeconds int
	// maxStarting is how many Server pods the cluster can start at once; 0 is no limit. Pods
	// beyond it stay Pending until a starting pod is ready and frees its room.
	maxStarting int

	// model is the Model: spec.replicas (the Model HPA's writes), spec.minReplicas (set only
	// with partial scheduling, which is what makes Seldon 2.9+ schedule partially) and its
	// replicas placed and loaded.
	model seldon.Model

	// serverPods holds, per Server pod in ordinal order, the second it becomes ready (notStarted
	// while Pending). The StatefulSet creates pods as soon as the Server's replicas go up and
	// removes the highest ordinals — the newest, still-starting ones first — when they go down.
	serverPods []int
}

// newCluster starts replicas Server pods, ready, holding the Model's replicas, loaded. The
// Model's minReplicas is modelMin with partial scheduling, and unset (all or nothing) otherwise,
// as SeldonAutoscaledModel sets it.
func newCluster(replicas, serverReadySeconds, maxStarting int, scheduling policy.Scheduling, modelMin int) *cluster {
	c := &cluster{serverReadySeconds: serverReadySeconds, maxStarting: maxStarting,
		model: seldon.Model{Spec: replicas}}
	if scheduling == policy.Partial {
		c.model.MinReplicas = modelMin
	}
	for range replicas {
		c.serverPods = append(c.serverPods, 0)
	}
	c.schedule(0)
	return c
}

// serverSpec is the Server's spec.replicas: the pods the StatefulSet keeps, ready or not. It is
// also the Server's status.replicas, which the operator copies from the StatefulSet's spec, not
// its readiness (recorded in S1 and S2 of Seldon 2.10.2; seldon.ServerStatus).
func (c *cluster) serverSpec() int { return len(c.serverPods) }

// serverReady counts Server pods that have loaded and can take a Model replica at now.
func (c *cluster) serverReady(now int) int {
	n := 0
	for _, readyAt := range c.serverPods {
		if readyAt <= now {
			n++
		}
	}
	return n
}

// setServerReplicas applies the Server HPA's write. New pods are ready serverReadySeconds after
// being asked for; that time covers scheduling, image pull, start-up and readiness.
func (c *cluster) setServerReplicas(now, replicas int) {
	for len(c.serverPods) < replicas {
		c.serverPods = append(c.serverPods, notStarted)
	}
	c.serverPods = c.serverPods[:replicas]
	c.startPending(now)
}

// startPending starts Pending Server pods, lowest ordinal first, while the cluster has room.
func (c *cluster) startPending(now int) {
	starting := 0
	for _, readyAt := range c.serverPods {
		if readyAt > now && readyAt != notStarted {
			starting++
		}
	}
	for i, readyAt := range c.serverPods {
		if readyAt == notStarted && (c.maxStarting == 0 || starting < c.maxStarting) {
			c.serverPods[i] = now + c.serverReadySeconds
			starting++
		}
	}
}

// modelSpec is the Model's spec.replicas, which the Model HPA writes through /scale.
func (c *cluster) modelSpec() int { return c.model.Spec }

// setModelReplicas applies the Model HPA's write; the scheduler acts on it in schedule.
func (c *cluster) setModelReplicas(replicas int) { c.model.Spec = replicas }

// schedule is Seldon's scheduler reacting to a change of the Model or of its Server's replicas
// (seldon.Model.Schedule): all or nothing, or partially with minReplicas; scaling down always
// fits and takes serving capacity away at once (S1: availableReplicas fell with the scale).
//
// The real scheduler places a replica when a Server replica's agent connects, before its pod is
// Ready, and the agent then loads it. serverReadySeconds already covers pod start, agent
// connection and model load, so a pod counts as connected once it is ready here and what is
// placed loads at once (Load right after Schedule). The scheduler acts on events only; calling
// it every second changes nothing between events, since Schedule is idempotent for an unchanged
// Model and unchanged ready pods. The agents' unload, seldon.UnloadGracePeriod after a scale-down,
// moves only the Server's loadedModels, which neither HPA reads.
func (c *cluster) schedule(now int) {
	c.model.Schedule(c.serverReady(now))
	c.model.Load()
}

// modelServing is how many Model replicas are loaded and serve requests.
func (c *cluster) modelServing() int { return c.model.Serving() }

// modelStatusReplicas is the Model's status.replicas, which its /scale returns and the Model
// HPA divides the metric by: spec.replicas all or nothing, even while ScheduleFailed, and the
// replicas placed with partial scheduling (seldon.Model.Status).
func (c *cluster) modelStatusReplicas() int { return c.model.Status().Replicas }

// scheduleFailed is whether the Model's ModelReady condition says ScheduleFailed.
func (c *cluster) scheduleFailed() bool {
	return seldon.ReadModelState(c.model.Status().Conditions).State == seldon.StateScheduleFailed
}
