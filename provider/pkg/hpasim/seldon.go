package hpasim

import (
	"math"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// notStarted marks a Server pod still Pending for room in the cluster.
const notStarted = math.MaxInt

// seldon is the Seldon Core 2 side of single-model serving: the Server's pods and the scheduler
// placing the Model's replicas on them, one Model replica per Server replica.
type seldon struct {
	serverReadySeconds int
	// maxStarting is how many Server pods the cluster can start at once; 0 is no limit. Pods
	// beyond it stay Pending until a starting pod is ready and frees its room.
	maxStarting int
	// scheduling is all-or-nothing, or partial with the Model's spec.minReplicas modelMin.
	scheduling policy.Scheduling
	modelMin   int

	modelSpec      int  // Model spec.replicas, written by the Model HPA
	modelServing   int  // Model replicas loaded on ready Server replicas and serving
	scheduleFailed bool // ModelReady False with ScheduleFailed: modelSpec does not fit

	// serverPods holds, per Server pod in ordinal order, the second it becomes ready (notStarted
	// while Pending). The StatefulSet creates pods as soon as the Server's replicas go up and
	// removes the highest ordinals — the newest, still-starting ones first — when they go down.
	serverPods []int
}

func newSeldon(replicas, serverReadySeconds, maxStarting int, scheduling policy.Scheduling, modelMin int) *seldon {
	s := &seldon{
		serverReadySeconds: serverReadySeconds,
		maxStarting:        maxStarting,
		scheduling:         scheduling,
		modelMin:           modelMin,
		modelSpec:          replicas,
		modelServing:       replicas,
	}
	for range replicas {
		s.serverPods = append(s.serverPods, 0)
	}
	return s
}

// serverSpec is the Server's spec.replicas: the pods the StatefulSet keeps, ready or not.
func (s *seldon) serverSpec() int { return len(s.serverPods) }

// serverReady counts Server pods that have loaded and can take a Model replica at now.
func (s *seldon) serverReady(now int) int {
	n := 0
	for _, readyAt := range s.serverPods {
		if readyAt <= now {
			n++
		}
	}
	return n
}

// setServerReplicas applies the Server HPA's write. New pods are ready serverReadySeconds after
// being asked for; that time covers scheduling, image pull, start-up and readiness.
func (s *seldon) setServerReplicas(now, replicas int) {
	for len(s.serverPods) < replicas {
		s.serverPods = append(s.serverPods, notStarted)
	}
	s.serverPods = s.serverPods[:replicas]
	s.startPending(now)
}

// startPending starts Pending Server pods, lowest ordinal first, while the cluster has room.
func (s *seldon) startPending(now int) {
	starting := 0
	for _, readyAt := range s.serverPods {
		if readyAt > now && readyAt != notStarted {
			starting++
		}
	}
	for i, readyAt := range s.serverPods {
		if readyAt == notStarted && (s.maxStarting == 0 || starting < s.maxStarting) {
			s.serverPods[i] = now + s.serverReadySeconds
			starting++
		}
	}
}

// setModelReplicas applies the Model HPA's write; the scheduler acts on it in schedule.
func (s *seldon) setModelReplicas(replicas int) { s.modelSpec = replicas }

// schedule is the scheduler reacting to any change of Model or Server replicas. All or nothing, it
// places all of the Model's requested replicas or none: if they do not all fit on ready Server
// replicas the Model is ScheduleFailed and keeps serving on the replicas it already has (fewer, if
// Server pods holding them were removed). Partial (Seldon 2.9+, a Model with spec.minReplicas), it
// places as many as the Server has ready when that is at least minReplicas, and the Model stays
// available; the rest are placed as more Server replicas become ready. Scaling down always fits and
// so takes effect at once.
func (s *seldon) schedule(now int) {
	ready := s.serverReady(now)
	switch {
	case s.modelSpec <= ready:
		s.modelServing, s.scheduleFailed = s.modelSpec, false
	case s.scheduling == policy.Partial && ready >= s.modelMin:
		s.modelServing, s.scheduleFailed = ready, false
	default:
		s.scheduleFailed = true
		s.modelServing = min(s.modelServing, ready)
	}
}
