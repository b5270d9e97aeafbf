package seldon

import "time"

// Model is one Model as Seldon's scheduler tracks it between events: what its spec asks, and
// where its replicas are. The scheduler acts on events only (a change of the Model, an agent
// connecting or leaving) and never retries a failed schedule on its own (S1: 20 s ScheduleFailed
// held until an agent connected).
type Model struct {
	Spec        int    // spec.replicas
	MinReplicas int    // spec.minReplicas; 0 when unset, which schedules all or nothing
	Server      string // spec.server
	Deleting    bool   // deleted, waiting for its replicas to unload

	placed int    // replicas placed on connected Server replicas, loading or loaded
	loaded int    // placed replicas whose agents finished loading
	failed string // the ScheduleFailed reason; "" when the schedule succeeded
}

// Schedule is the scheduler reacting to a change of the Model or of its Server's connected
// agents, which is what it places on: a Server replica counts once its agent subscribes, before
// the pod is Ready (S1 and S2: the Model moved at the agent's connection, ahead of readiness).
//
// All or nothing (no minReplicas): every replica or none; asked for more than are connected, the
// Model is ScheduleFailed and the replicas it had keep serving (S1). Partial (minReplicas set,
// 2.9+): as many as are connected, if at least minReplicas (S2). With no agent connected at all,
// ScheduleFailed with its own reason (S4). It returns how many loaded replicas it took off agents
// still connected, which those agents unload after UnloadGracePeriod (Server.Unloading); replicas
// of a stopped agent or of a deleted Model are gone without such an unload.
func (m *Model) Schedule(connected int) (unloaded int) {
	switch {
	case m.Deleting || m.Spec <= 0:
		m.placed, m.failed = 0, ""
	case connected <= 0:
		m.placed, m.failed = 0, ReasonNoServers
	case m.Spec <= connected:
		m.placed, m.failed = m.Spec, ""
	case m.MinReplicas > 0 && connected >= m.MinReplicas:
		m.placed, m.failed = connected, ""
	default:
		m.placed, m.failed = min(m.placed, connected), ReasonTooFewReplicas
	}
	kept := min(m.loaded, max(connected, 0))
	m.loaded = min(m.loaded, m.placed)
	if m.Deleting {
		return 0
	}
	return kept - m.loaded
}

// Load is the agents finishing loading every placed replica; it returns how many they loaded.
func (m *Model) Load() int {
	n := m.placed - m.loaded
	m.loaded = m.placed
	return n
}

// Loading says whether placed replicas are still loading.
func (m *Model) Loading() bool { return m.loaded < m.placed }

// Serving is how many replicas are loaded and serve requests.
func (m *Model) Serving() int { return m.loaded }

// ModelStatus is what the operator writes into a Model's status (0 and "" are left out).
type ModelStatus struct {
	Replicas          int
	AvailableReplicas int
	Selector          string
	Conditions        []Condition
}

// Status is the Model's status as the operator writes it. status.replicas, which the HPA reads
// through /scale, is spec.replicas all or nothing, even while ScheduleFailed (S1: 3 with 2
// serving), and the replicas placed with partial scheduling (S2: 2 of 3). availableReplicas is
// what is loaded. The Model is available once minReplicas are loaded (partial; S2 stays
// ModelAvailable while its third replica loads), or all of spec.replicas.
func (m *Model) Status() ModelStatus {
	st := ModelStatus{AvailableReplicas: m.loaded, Selector: ModelSelector(m.Server)}
	switch {
	case m.Deleting:
		st.Conditions = ModelConditions(StateTerminating, "")
	case m.Spec <= 0:
		st.Conditions = ModelConditions(StateScaledDown, "")
	case m.failed != "":
		st.Replicas = m.Spec
		if m.failed == ReasonNoServers {
			st.Selector = ModelSelector("")
		}
		st.Conditions = ModelConditions(StateScheduleFailed, m.failed)
	default:
		st.Replicas, st.Conditions = m.Spec, ModelConditions(StateProgressing, "")
		need := m.Spec
		if m.MinReplicas > 0 {
			st.Replicas, need = m.placed, m.MinReplicas
		}
		if m.loaded >= need {
			st.Conditions = ModelConditions(StateAvailable, "")
		}
	}
	return st
}

// Server is a Server as the operator reports it: its spec.replicas, its workload's ready replicas
// and the count of Model replicas its agents have loaded.
type Server struct {
	Name          string
	Spec          int // spec.replicas, which the operator copies to its StatefulSet
	ReadyReplicas int // the StatefulSet's readyReplicas

	loadedModels int
	refreshAt    []time.Time
}

// Loaded is the agents finishing a load: the operator's count becomes loaded, the Model replicas
// loaded on the Server now.
func (s *Server) Loaded(loaded int) { s.loadedModels = loaded }

// Unloading is replicas removed at now by a scale-down: the agents unload them after
// UnloadGracePeriod, and only then does the count follow. A deleted Model or a stopped agent
// sends no such event, and loadedModels stays as it was (S4: 1 throughout both).
func (s *Server) Unloading(now time.Time) {
	s.refreshAt = append(s.refreshAt, now.Add(UnloadGracePeriod))
}

// ServerStatus is what the operator writes into a Server's status.
type ServerStatus struct {
	Replicas     int // spec.replicas: the StatefulSet's pods, ready or not (S1, S2)
	LoadedModels int
	Selector     string
	Conditions   []Condition
}

// Status is the Server's status at now, given the Model replicas loaded on it now: the count
// follows them once an unload's grace period has passed.
func (s *Server) Status(now time.Time, loaded int) ServerStatus {
	kept := s.refreshAt[:0]
	for _, at := range s.refreshAt {
		if now.Before(at) {
			kept = append(kept, at)
			continue
		}
		s.loadedModels = loaded
	}
	s.refreshAt = kept
	return ServerStatus{Replicas: s.Spec, LoadedModels: s.loadedModels, Selector: ServerSelector(s.Name),
		Conditions: ServerConditions(s.ReadyReplicas, s.Spec)}
}
