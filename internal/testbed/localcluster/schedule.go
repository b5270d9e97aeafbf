package localcluster

import (
	"fmt"
	"strings"
	"time"
)

// What the Seldon stand-in decides, apart from the client-go loop that reads and writes the
// objects (RunSeldonStatusStandIn): when a Server's replicas are ready, and how a Model's replicas
// are scheduled onto them. Seldon's scheduler places each replica of a Model on a different
// replica of its Server, so a Model fits while its replicas do not exceed the Server's ready
// replicas; Models sharing a Server are each checked against it alone (memory is not modelled).

// ServerReadyDelayAnnotation on a Server sets how long after its spec.replicas rises the new
// replicas count as ready (a Go duration, "20s"); absent, they are ready at once. No pod runs: the
// delay stands for the pod start, the model server's start and the agent connecting.
const ServerReadyDelayAnnotation = "testbed.seldon-autoscaling/server-ready-delay"

// standInMark starts the message of every condition the stand-in writes, so that it tells its own
// conditions from those a test writes by hand (which it keeps, as the operator keeps the
// scheduler's last word).
const standInMark = "(Seldon stand-in) "

// serverReadiness follows one Server's ready replicas over the stand-in's passes.
type serverReadiness struct {
	ready   int64
	pending []serverRise
}

// serverRise is a rise of spec.replicas seen at a time.
type serverRise struct {
	replicas int64
	at       time.Time
}

// advance returns the Server's ready replicas at now, for its current spec.replicas: a rise
// becomes ready delay after it was first seen; a fall takes effect at once (a pod stops serving
// as soon as it is asked to terminate).
func (s *serverReadiness) advance(spec int64, now time.Time, delay time.Duration) int64 {
	target := s.ready
	if n := len(s.pending); n > 0 {
		target = s.pending[n-1].replicas
	}
	switch {
	case spec > target:
		s.pending = append(s.pending, serverRise{replicas: spec, at: now})
	case spec < target:
		s.ready = min(s.ready, spec)
		kept, last := s.pending[:0], s.ready
		for _, p := range s.pending {
			if r := min(p.replicas, spec); r > last {
				kept, last = append(kept, serverRise{replicas: r, at: p.at}), r
			}
		}
		s.pending = kept
	}
	for len(s.pending) > 0 && !now.Before(s.pending[0].at.Add(delay)) {
		s.ready = max(s.ready, s.pending[0].replicas)
		s.pending = s.pending[1:]
	}
	return s.ready
}

// modelSchedule is what scheduling decided for one Model.
type modelSchedule struct {
	Available int64
	Ready     bool
	Message   string // why not Ready; empty when Ready
}

// scheduleModel schedules a Model of replicas (minReplicas nil when its spec has none) onto a
// Server with serverReady ready replicas, given the replicas available before (prevAvailable).
//
// All or nothing (no minReplicas, and Seldon before 2.9 always): the Model fits only when every
// replica does; otherwise ModelReady is False with ScheduleFailed and the replicas loaded before
// stay available. Partial (minReplicas set, Seldon 2.9+): as many replicas load as the Server has
// ready, and the Model stays available while that is at least minReplicas (Seldon's docs,
// models/scheduling).
func scheduleModel(model, server string, replicas int64, minReplicas *int64, serverReady, prevAvailable int64,
) modelSchedule {
	kept := min(prevAvailable, serverReady)
	if minReplicas != nil && *minReplicas > 0 {
		avail := min(replicas, serverReady)
		if need := min(*minReplicas, replicas); avail >= need {
			return modelSchedule{Available: avail, Ready: true}
		}
		return modelSchedule{Available: kept, Message: fmt.Sprintf(
			"failed to schedule model %s: minReplicas %d, Server %s has %d ready replicas",
			model, *minReplicas, server, serverReady)}
	}
	if replicas <= serverReady {
		return modelSchedule{Available: replicas, Ready: true}
	}
	return modelSchedule{Available: kept, Message: fmt.Sprintf(
		"failed to schedule model %s: %d replicas, Server %s has %d ready replicas",
		model, replicas, server, serverReady)}
}

// conditions are the Model's status conditions for a schedule, as Seldon writes them: ModelReady
// (reason ModelAvailable or ScheduleFailed) and Ready, which repeats it.
func (s modelSchedule) conditions() []any {
	if s.Ready {
		return []any{
			map[string]any{"type": "ModelReady", "status": "True", "reason": "ModelAvailable",
				"message": standInMark + "loaded"},
			map[string]any{"type": "Ready", "status": "True", "message": standInMark + "loaded"},
		}
	}
	return []any{
		map[string]any{"type": "ModelReady", "status": "False", "reason": "ScheduleFailed",
			"message": standInMark + s.Message},
		map[string]any{"type": "Ready", "status": "False", "reason": "ScheduleFailed",
			"message": standInMark + s.Message},
	}
}

// ownConditions says whether the stand-in may rewrite these conditions: none yet, or all its own.
func ownConditions(conds []any) bool {
	for _, c := range conds {
		m, _ := c.(map[string]any)
		msg, _ := m["message"].(string)
		if !strings.HasPrefix(msg, standInMark) {
			return false
		}
	}
	return true
}
