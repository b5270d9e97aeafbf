// Package seldon is what Seldon Core 2 does and writes, as real Seldon Core 2.10.2 was recorded
// doing it (the shared fixtures' seldon-2.10.2-observed/, replayed by this package's tests): how
// its scheduler places a Model's replicas on the Server's connected agents, and what its operator
// then writes into the Model's and the Server's status. The simulator (hpasim), the test bed's
// stand-in and the doctor all take Seldon's behaviour from here, so that one recording checks all
// three. Nothing here imports Pulumi or client-go.
package seldon

import "time"

// The states of a Model's scheduler status. The operator writes the state into the **message**
// of the ModelReady and Ready conditions, and the scheduler's explanation, when it gives one,
// into their **reason** (operator/scheduler/model.go; recorded in S1, S2 and S4).
const (
	StateProgressing    = "ModelProgressing"
	StateAvailable      = "ModelAvailable"
	StateScheduleFailed = "ScheduleFailed"
	StateScaledDown     = "ModelScaledDown"
	StateTerminating    = "ModelTerminating"
)

// The scheduler's reasons for ScheduleFailed, verbatim: too few Server replicas for the Model
// (S1), and no Server replica connected at all (S4, the only agent stopped).
const (
	ReasonTooFewReplicas = "Failed to schedule model as no matching server had enough suitable replicas"
	ReasonNoServers      = "Failed to schedule model as no matching servers are available"
)

// Condition types of a Model (ModelReady, and Ready repeating it) and of a Server (Ready, and
// StatefulSetOrDeploymentReady, from its workload's readyReplicas).
const (
	ConditionModelReady    = "ModelReady"
	ConditionReady         = "Ready"
	ConditionWorkloadReady = "StatefulSetOrDeploymentReady"
)

// The operator's reasons on a Server's conditions, from its StatefulSet's readyReplicas.
const (
	ReasonWorkloadReady    = "StatefulSet replicas matches desired replicas"
	ReasonWorkloadNotReady = "StatefulSet replicas does not match desired replicas"
)

// UnloadGracePeriod is how long an agent waits before unloading a Model replica it was asked to
// remove (the agent's --unload-grace-period-seconds, default 2): the Server's loadedModels falls
// about that long after the Model's replicas do (S1: 2.3 s; S5: 2.1 s).
const UnloadGracePeriod = 2 * time.Second

// Condition is a status condition, without its lastTransitionTime.
type Condition struct {
	Type, Status, Reason, Message string
}

// ModelState is the scheduler's state of a Model as the operator stored it in its conditions:
// the state from ModelReady's message, the scheduler's text from its reason. Found is false when
// the Model has no ModelReady condition yet.
type ModelState struct {
	State, Reason string
	Ready, Found  bool
}

// ReadModelState reads a Model's conditions the way Seldon's operator writes them. A Ready
// ModelReady of an operator that wrote no message counts as ModelAvailable.
func ReadModelState(conds []Condition) ModelState {
	for _, c := range conds {
		if c.Type != ConditionModelReady {
			continue
		}
		s := ModelState{State: c.Message, Reason: c.Reason, Ready: c.Status == "True", Found: true}
		if s.Ready && s.State == "" {
			s.State = StateAvailable
		}
		return s
	}
	return ModelState{}
}

// ModelConditions are the conditions the operator writes for a state: ModelReady carries the
// state in its message; Ready repeats it, except that a Ready=True has no message (S1, S2, S4).
func ModelConditions(state, reason string) []Condition {
	status := "False"
	if state == StateAvailable {
		status = "True"
	}
	ready := Condition{Type: ConditionReady, Status: status, Reason: reason, Message: state}
	if status == "True" {
		ready.Message = ""
	}
	return []Condition{
		{Type: ConditionModelReady, Status: status, Reason: reason, Message: state},
		ready,
	}
}

// ServerConditions are a Server's conditions: Ready and StatefulSetOrDeploymentReady, True while
// its workload's ready replicas reach spec.replicas. Ready=True carries no reason (S1, S2).
func ServerConditions(readyReplicas, specReplicas int) []Condition {
	if readyReplicas >= specReplicas {
		return []Condition{
			{Type: ConditionReady, Status: "True"},
			{Type: ConditionWorkloadReady, Status: "True", Reason: ReasonWorkloadReady},
		}
	}
	return []Condition{
		{Type: ConditionReady, Status: "False", Reason: ReasonWorkloadNotReady},
		{Type: ConditionWorkloadReady, Status: "False", Reason: ReasonWorkloadNotReady},
	}
}

// ServerSelector is a Server's status.selector, the label its pods carry; a Model's selector is
// ModelSelector, which selects no pod.
func ServerSelector(server string) string { return "seldon-server-name=" + server }

// ModelSelector is a Model's status.selector for the Server it was placed on ("" when none is
// connected: "server=", as recorded in S4).
func ModelSelector(server string) string { return "server=" + server }
