package localcluster

import "time"

// What the Seldon stand-in decides about time, apart from the client-go loop that reads and writes
// the objects (RunSeldonStatusStandIn): when a Server's new replicas connect. How Models are then
// scheduled and what Seldon writes is package seldon's, replayed there against real Seldon. Models
// sharing a Server are each placed against it alone (memory is not modelled).

// ServerReadyDelayAnnotation on a Server sets how long after its spec.replicas rises the new
// replicas' agents connect to the scheduler (a Go duration, "20s"); absent, at once. No pod runs:
// the delay stands for the pod start, the model server's start and the agent connecting, which is
// what Seldon schedules on (its pod turns Ready about then too, and the stand-in makes both one).
const ServerReadyDelayAnnotation = "testbed.seldon-autoscaling/server-ready-delay"

// AgentsAtMostAnnotation on a Server caps how many of its replicas' agents are connected (an
// integer): the others stand for agents stopped while their pods stay Ready, as when real Seldon's
// only agent restarted (the recording's S4). "0" is every agent gone.
const AgentsAtMostAnnotation = "testbed.seldon-autoscaling/agents-at-most"

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
