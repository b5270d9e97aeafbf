package doctor

import (
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/seldon"
)

// modelState judges the scheduler's state of the Model as Seldon's operator stores it: the state
// in the message of the ModelReady condition, the scheduler's explanation in its reason
// (seldon.ReadModelState). Loading, scaled to 0 and being deleted are states Seldon passes
// through or was asked for, so they warn; only a schedule that failed, or a state Seldon does not
// document, fails.
func modelState(j *judge, m Model) {
	st := seldon.ReadModelState(m.Conditions)
	switch {
	case !st.Found:
		j.warn("wait for Seldon's operator to write the Model's status; if none comes, check that the operator "+
			"runs and reaches the scheduler", "Model %s has no %s condition yet", m.Name, seldon.ConditionModelReady)
	case st.State == seldon.StateScheduleFailed:
		scheduleFailed(j, m, st.Reason)
	case st.State == seldon.StateProgressing:
		j.warn(fmt.Sprintf("none while its replicas load; if it lasts, see the agent logs of Server %s's pods and "+
			"the scheduler's", m.ServerName), "Model %s is loading (%s): %s", m.Name, st.State, replicasText(m))
	case st.State == seldon.StateScaledDown:
		j.warn(fmt.Sprintf("scale it back up (kubectl scale model %s --replicas=%d) if 0 was not meant: the HPA "+
			"does not scale a target at 0 replicas", m.Name, hpaMin(m)),
			"Model %s is scaled down to 0 replicas (%s): it serves nothing", m.Name, st.State)
	case st.State == seldon.StateTerminating:
		j.warn("none if it was deleted on purpose; otherwise `pulumi up --refresh` re-creates it once it is gone",
			"Model %s is being deleted (%s)", m.Name, st.State)
	case st.Ready:
		j.see("Model %s is Ready", m.Name)
		placed(j, m)
	default:
		j.fail("see the Model's status (kubectl describe model) and the Seldon scheduler's logs",
			"Model %s is not Ready: its %s condition says state %q, reason %q, which Seldon does not document",
			m.Name, seldon.ConditionModelReady, st.State, st.Reason)
	}
}

// scheduleFailed: the scheduler could not place the Model's replicas, and says why in the
// condition's reason. It retries only when an agent connects or the Model changes (S1: failed for
// 20 s, placed as soon as a new agent subscribed), so the fix is on the Server's side.
func scheduleFailed(j *judge, m Model, reason string) {
	const room = "give the Server room for the Model's replicas: "
	s := m.Server
	var fix string
	switch {
	case reason == seldon.ReasonNoServers:
		fix = room + fmt.Sprintf("start Server %s's pods, whose agents the scheduler must see connected "+
			"(the pods' status, their agent container's logs)", m.ServerName)
	case s == nil:
		fix = room + fmt.Sprintf("create Server %s, which the Model names", m.ServerName)
	case s.SpecReplicas < m.SpecReplicas:
		fix = room + fmt.Sprintf("raise Server %s to at least %d replicas (the Server HPA should lead the Model: "+
			"check its maxReplicas), or lower the Model's; the scheduler retries when a new agent connects",
			s.Name, m.SpecReplicas)
	default:
		fix = room + fmt.Sprintf("Server %s asks for %d replicas, so see why fewer have an agent connected with "+
			"the memory and capabilities the Model requires (its pods, their agent logs, the Model's requirements)",
			s.Name, s.SpecReplicas)
	}
	if reason == "" {
		reason = "the scheduler gave no reason"
	}
	j.fail(fix, "Model %s is not scheduled (%s): %q; %s", m.Name, seldon.StateScheduleFailed, reason,
		replicasText(m))
	if s == nil {
		return
	}
	if c, ok := condition(s.Conditions, seldon.ConditionReady); ok && c.Status != "True" {
		j.see("Server %s is not Ready: %s", s.Name, c.Reason)
	}
}

// placed: a Ready Model can still lack replicas. Scheduling partially (minReplicas set, Seldon
// 2.9+), status.replicas is the replicas placed and nothing else says some are missing (S2: Ready
// with 2 of 3); once all are placed, the last may still be loading (S2: 3 placed, 2 available).
// All or nothing, Ready with fewer placed is the operator's last word before the scheduler's
// (S1: for milliseconds, then ModelProgressing or ScheduleFailed).
func placed(j *judge, m Model) {
	if m.AvailableReplicas == nil {
		return
	}
	switch available := *m.AvailableReplicas; {
	case m.StatusReplicas < m.SpecReplicas && m.MinReplicas != nil:
		j.warn(partialFix(m), "Model %s is partially scheduled: Seldon placed %d of %d replicas (status.replicas; "+
			"minReplicas %d), %d available, and reports it Ready", m.Name, m.StatusReplicas, m.SpecReplicas,
			*m.MinReplicas, available)
	case m.StatusReplicas < m.SpecReplicas:
		j.warn("none while the scheduler places them: it reports ScheduleFailed if it cannot",
			"Model %s is Ready with %d of %d replicas placed (status.replicas): Seldon is placing the rest", m.Name,
			m.StatusReplicas, m.SpecReplicas)
	case available < m.SpecReplicas:
		j.warn("none while they load; if it lasts, see the agent logs of the Server's newest pods",
			"Model %s has %d of %d replicas available: all are placed, the rest are loading", m.Name, available,
			m.SpecReplicas)
	case available > m.SpecReplicas:
		j.see("Model %s is scaling down: %d replicas available, %d asked for", m.Name, available, m.SpecReplicas)
	}
}

// partialFix: Seldon places the Model's missing replicas as soon as new Server replicas' agents
// connect, so the fix is a Server with enough replicas, and then time for them to start.
func partialFix(m Model) string {
	if s := m.Server; s != nil && s.SpecReplicas >= m.SpecReplicas {
		return fmt.Sprintf("none while Server %s's new replicas start: Seldon places the rest as their agents "+
			"connect; if it lasts, see why its pods are not ready", s.Name)
	}
	return fmt.Sprintf("give Server %s at least %d replicas (the Server HPA should lead the Model: check its "+
		"maxReplicas): Seldon places the rest as their agents connect", m.ServerName, m.SpecReplicas)
}

// replicasText is the Model's replicas as Seldon reports them.
func replicasText(m Model) string {
	if m.AvailableReplicas == nil {
		return fmt.Sprintf("no availableReplicas yet of %d asked for", m.SpecReplicas)
	}
	return fmt.Sprintf("%d of %d replicas available (status.replicas %d)", *m.AvailableReplicas, m.SpecReplicas,
		m.StatusReplicas)
}

// hpaMin is the replicas the Model HPA keeps at least, 1 without it (the HPA's own default).
func hpaMin(m Model) int {
	if m.ModelHPA == nil {
		return 1
	}
	return m.ModelHPA.Min
}
