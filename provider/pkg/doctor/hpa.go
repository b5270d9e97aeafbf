package doctor

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// checkHPAs: both HPAs exist, read the Model's metric, share everything but the Model's longer
// scale-up window (modelScaleUpLagSeconds), and the controller can act on them.
func checkHPAs(m Model) Result {
	j := newJudge(CheckHPAs, "model/"+m.Name)
	const fixUp = "run `pulumi up --refresh` for the component: it declares both HPAs from one policy"
	for _, h := range []struct {
		hpa        *HPA
		kind, name string
	}{{m.ModelHPA, "Model", m.Name}, {m.ServerHPA, "Server", m.ServerName}} {
		if h.hpa == nil {
			j.fail(fixUp, "no HPA of the component scales %s %s", h.kind, h.name)
			continue
		}
		hpaReads(j, *h.hpa, m)
		hpaActive(j, *h.hpa)
	}
	if m.ModelHPA != nil && m.ServerHPA != nil {
		inStep(j, *m.ModelHPA, *m.ServerHPA, fixUp)
	}
	return j.r
}

func hpaReads(j *judge, h HPA, m Model) {
	if h.MetricName == "" || h.DescribedKind != "Model" || h.DescribedName != m.Name {
		j.fail("the HPAs must read the Model's metric: run `pulumi up --refresh` for the component",
			"HPA %s reads no Object metric of Model %s (got %s %s %q)", h.Name, m.Name, h.DescribedKind,
			h.DescribedName, h.MetricName)
		return
	}
	j.see("HPA %s scales %s %s on %s%s of Model %s, target %.3g", h.Name, h.TargetKind, h.TargetName,
		h.MetricName, selectorText(h.Selector), m.Name, h.Target)
}

func selectorText(s map[string]string) string {
	if len(s) == 0 {
		return ""
	}
	return labels(s)
}

// hpaActive reads the controller's conditions; a metric it cannot get is ScalingActive False with
// the controller's own reason (FailedGetObjectMetric) and message.
func hpaActive(j *judge, h HPA) {
	for _, t := range []string{"AbleToScale", "ScalingActive"} {
		c, ok := condition(h.Conditions, t)
		switch {
		case !ok:
			j.warn("wait for the HPA controller's first sync (kube-controller-manager)",
				"HPA %s has no %s condition yet", h.Name, t)
		case c.Status != "True":
			j.fail(fmt.Sprintf("fix what the HPA controller reports (%s); the custom metrics and metric data checks "+
				"usually say why", c.Reason), "HPA %s %s=%s: %s: %s", h.Name, t, c.Status, c.Reason, c.Message)
		}
	}
}

// inStep compares the pair: same metric, target, bounds and behavior; the Model's scale-up window
// may be longer (the documented lag), never shorter.
func inStep(j *judge, mh, sh HPA, fix string) {
	diffs := []string{}
	if mh.MetricName != sh.MetricName || !reflect.DeepEqual(mh.Selector, sh.Selector) {
		diffs = append(diffs, fmt.Sprintf("metric %s%s vs %s%s", mh.MetricName, selectorText(mh.Selector),
			sh.MetricName, selectorText(sh.Selector)))
	}
	if mh.Target != sh.Target {
		diffs = append(diffs, fmt.Sprintf("target %.3g vs %.3g", mh.Target, sh.Target))
	}
	if mh.Min != sh.Min || mh.Max != sh.Max {
		diffs = append(diffs, fmt.Sprintf("min/max %d/%d vs %d/%d", mh.Min, mh.Max, sh.Min, sh.Max))
	}
	if !reflect.DeepEqual(mh.ScaleDown, sh.ScaleDown) {
		diffs = append(diffs, "scaleDown behavior")
	}
	mUp, sUp := mh.ScaleUp, sh.ScaleUp
	mw, sw := window(mUp), window(sUp)
	mUp.StabilizationWindowSeconds, sUp.StabilizationWindowSeconds = nil, nil
	if !reflect.DeepEqual(mUp, sUp) {
		diffs = append(diffs, "scaleUp policies")
	}
	if mw < sw {
		diffs = append(diffs, fmt.Sprintf("the Model's scale-up window %ds is shorter than the Server's %ds", mw, sw))
	}
	if len(diffs) > 0 {
		j.fail(fix, "the Model HPA %s and the Server HPA %s differ (Model vs Server): %v", mh.Name, sh.Name, diffs)
		return
	}
	j.see("both HPAs share target, min %d, max %d and behavior; the Model's scale-up window is %ds, "+
		"the Server's %ds", mh.Min, mh.Max, mw, sw)
}

func window(r policy.Rules) int {
	if r.StabilizationWindowSeconds == nil {
		return 0
	}
	return *r.StabilizationWindowSeconds
}

// checkSeldon: the Model is Ready and scheduled, its Server hosts it alone and in step, and no
// Seldon autoscaling field competes with the HPAs, judged for the Seldon install that runs them.
func checkSeldon(sel Seldon, m Model) Result {
	j := newJudge(CheckSeldon, "model/"+m.Name)
	j.see("%s", sel.text())
	modelState(j, m)
	modelAutoscalingFields(j, sel, m)
	serverAutoscalingFields(j, sel, m)
	serverInStep(j, m)
	return j.r
}

// modelAutoscalingFields: minReplicas on a Model is partial scheduling when the component chose it
// (the HPAs' minimum, on Seldon 2.9+ with native model autoscaling off); otherwise, or with
// maxReplicas, it hands the Model to Seldon's own autoscaler, which fights the HPAs.
func modelAutoscalingFields(j *judge, sel Seldon, m Model) {
	if m.MinReplicas == nil && m.MaxReplicas == nil {
		return
	}
	fields := fmt.Sprintf("the Model spec sets minReplicas=%s maxReplicas=%s", intText(m.MinReplicas),
		intText(m.MaxReplicas))
	switch {
	case sel.ModelAutoscaling:
		j.fail("remove minReplicas and maxReplicas from the Model spec (the component's seldon.modelAutoscaling: true "+
			"sets none), or install Seldon with autoscaling.autoscalingModelEnabled=false: Seldon's lag-based "+
			"autoscaler would fight the HPAs",
			"%s, and the scheduler runs with native model autoscaling (--enable-model-autoscaling)", fields)
	case sel.PartialScheduling() && m.MaxReplicas == nil && m.ModelHPA != nil && *m.MinReplicas == m.ModelHPA.Min:
		j.see("%s, the HPAs' minimum: partial scheduling on Seldon %s, with native model autoscaling off", fields,
			sel.Version)
	default:
		j.fail("remove minReplicas and maxReplicas from the Model spec: Seldon's own autoscaling would fight the HPAs",
			"%s (partial scheduling needs Seldon 2.9+ with native model autoscaling off, and minReplicas equal to the "+
				"HPAs' minimum, without maxReplicas)", fields)
	}
}

// serverAutoscalingFields: a Server with minReplicas/maxReplicas is scaled by Seldon's native
// server autoscaling (2.9+, on by default) as well as by the Server HPA; the two fight.
func serverAutoscalingFields(j *judge, sel Seldon, m Model) {
	s := m.Server
	if s == nil || m.ServerHPA == nil || (s.MinReplicas == nil && s.MaxReplicas == nil) {
		return
	}
	const fix = "remove minReplicas and maxReplicas from the Server spec: the Server HPA alone must scale it"
	fields := fmt.Sprintf("Server %s sets minReplicas=%s maxReplicas=%s under HPA %s", s.Name, intText(s.MinReplicas),
		intText(s.MaxReplicas), m.ServerHPA.Name)
	if sel.ServerAutoscaling {
		j.fail(fix, "%s, and the scheduler runs with native server autoscaling: the two fight over its replicas", fields)
		return
	}
	j.warn(fix, "%s; native server autoscaling is off, so they are inert until it is switched on", fields)
}

func serverInStep(j *judge, m Model) {
	s := m.Server
	if s == nil {
		j.fail("create the Server the Model names, or name an existing one", "Server %s does not exist", m.ServerName)
		return
	}
	// Sharing is told by the Models naming the Server, not by its loadedModels, which counts
	// replicas (one Model at 2 makes 2) and lags a scale-down by the unload grace period.
	if others := slices.DeleteFunc(slices.Clone(s.Models), func(n string) bool { return n == m.Name }); len(others) > 0 {
		j.fail("give this Model a dedicated Server (server.dedicated): Models sharing it scale it for each other",
			"Server %s also hosts Model %s (spec.server); it reports %d Model replicas loaded", s.Name,
			strings.Join(others, ", "), s.LoadedModels)
	} else {
		j.see("Server %s hosts only this Model", s.Name)
	}
	lag := m.ModelHPA != nil && m.ServerHPA != nil && window(m.ModelHPA.ScaleUp) > window(m.ServerHPA.ScaleUp)
	switch {
	case m.SpecReplicas == s.SpecReplicas:
		j.see("Model and Server both at %d replicas", m.SpecReplicas)
	case m.SpecReplicas < s.SpecReplicas && lag:
		j.warn("none: wait for the Model HPA's longer scale-up window (modelScaleUpLagSeconds) to pass",
			"Model at %d replicas follows its Server at %d: the Model HPA waits longer to scale up, by design",
			m.SpecReplicas, s.SpecReplicas)
	case m.SpecReplicas < s.SpecReplicas:
		j.warn("wait a sync period; if it lasts, compare the HPAs' conditions",
			"Model at %d replicas, its Server at %d", m.SpecReplicas, s.SpecReplicas)
	default:
		j.fail("give the Server at least as many replicas as the Model (the Server HPA should lead): "+
			"Seldon cannot schedule the extra Model replicas", "Model at %d replicas exceeds its Server at %d",
			m.SpecReplicas, s.SpecReplicas)
	}
}

func intText(p *int) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// checkCapacity: an HPA pinned at maxReplicas with the metric above target cannot serve the load.
func checkCapacity(m Model) Result {
	j := newJudge(CheckCapacity, "model/"+m.Name)
	h := m.ModelHPA
	if h == nil {
		h = m.ServerHPA
	}
	if h == nil || h.CurrentValue == nil || h.Target <= 0 {
		j.see("no HPA metric reading to judge capacity by")
		return j.r
	}
	offered := *h.CurrentValue * float64(max(h.Current, 1))
	capacity := h.Target * float64(h.Max)
	if h.Current >= h.Max && *h.CurrentValue > h.Target*(1+policy.HPATolerance) {
		need := int(math.Ceil(offered / h.Target))
		j.fail(fmt.Sprintf("raise autoscaling.maxReplicas to at least %d (or the target per replica)", need),
			"capacity shortfall: %.3g RPS offered, %d replicas × %.3g RPS = %.3g RPS at maxReplicas, %.3g RPS short",
			offered, h.Max, h.Target, capacity, offered-capacity)
		return j.r
	}
	j.see("%.3g RPS offered on %d of at most %d replicas (capacity %.3g RPS)", offered, h.Current, h.Max, capacity)
	return j.r
}
