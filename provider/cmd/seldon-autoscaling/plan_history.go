package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/adapterrules"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/history"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/hpasim"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/search"
)

// historyOptions say where a model's history is and how much of it to read.
type historyOptions struct {
	doctorOptions
	lookback, step time.Duration
}

// The history's replay is cut into pieces no longer than historyPiece (each starts settled, as
// a simulation does), and pieces shorter than history.MinHistory are left out.
const historyPiece = 6 * time.Hour

// maxPointsPerQuery keeps each range query under Prometheus' limit of 11,000 points per series.
const maxPointsPerQuery = 10000

// historyPlan is what `plan --from-prometheus` prints, and its --output json.
type historyPlan struct {
	Model, Namespace, Prometheus string
	From, To                     time.Time
	Step                         string
	Sizing                       []policy.Derivation
	Warnings                     []string
	Pieces                       int // pieces of history replayed
	BreachSeconds                map[string]int
	ReplicaSeconds               map[string]int
	Chosen                       string
	Losses                       []search.Loss
	Inputs                       string // the autoscaling block, in YAML
	paste                        string
}

// runPlanFromPrometheus reads the model's request rate history, derives the sizing inputs from
// it, chooses the behavior by replaying it, and prints the comparison and the inputs to paste.
func runPlanFromPrometheus(o historyOptions, in hpasim.Figures, budget float64, stdout io.Writer) error {
	if o.model == "" {
		return errors.New("--from-prometheus needs --model: the Seldon Model whose history to read")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	prom, ns, err := historyAccess(ctx, o.doctorOptions)
	if err != nil {
		return err
	}
	to := time.Now().Truncate(o.step)
	h, err := readHistory(ctx, prom, ns, o.model, to.Add(-o.lookback), to, o.step)
	if err != nil {
		return err
	}
	p, err := planFromHistory(h, in, budget)
	if err != nil {
		return err
	}
	p.Model, p.Namespace, p.Prometheus, p.From, p.To, p.Step = o.model, ns, prom.where, h.Start, to, o.step.String()
	if o.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	return writeHistoryPlan(stdout, p)
}

// historyAccess is Prometheus as the doctor reaches it: --prometheus-url, else the adapter's
// --prometheus-url through the API server's service proxy; and the namespace to read.
func historyAccess(ctx context.Context, o doctorOptions) (promAPI, string, error) {
	g, err := newGatherer(o)
	if err != nil {
		if o.promURL == "" || o.namespace == "" {
			return promAPI{}, "", fmt.Errorf("reading the kubeconfig (give --prometheus-url and -n to do without): %w", err)
		}
		return urlProm(o.promURL), o.namespace, nil
	}
	if g.prom != nil {
		return *g.prom, g.namespace, nil
	}
	svc, err := g.apiService(ctx)
	if err != nil {
		return promAPI{}, "", err
	}
	_, adapterURL, err := g.adapter(ctx, svc.Adapter)
	if err != nil {
		return promAPI{}, "", err
	}
	return proxyProm(g.rest, adapterURL), g.namespace, nil
}

// readHistory reads the model's rate, as the adapter's rule computes it for the HPA, from from to
// to at step, in range queries Prometheus accepts, and the counter's resets.
func readHistory(ctx context.Context, p promAPI, ns, modelName string, from, to time.Time,
	step time.Duration,
) (history.History, error) {
	if p.err != nil {
		return history.History{}, p.err
	}
	rate := adapterrules.SeldonRule(adapterrules.RuleSpec{}).ModelQuery(adapterrules.SeldonSeries, modelName, ns, nil)
	// Over two steps, every pair of neighbouring samples (scraped at most a step apart) falls in
	// some window; a reset may then show in two evaluations in a row, counted once below.
	resets := fmt.Sprintf("sum(resets(%s{model=%q, namespace=%q}[%s]))", adapterrules.SeldonSeries, modelName, ns,
		adapterrules.PromDuration(2*step))
	rates, err := rangeSamples(ctx, p, rate, from, to, step)
	if err != nil {
		return history.History{}, fmt.Errorf("reading %s's request rate: %w", modelName, err)
	}
	if len(rates) == 0 {
		return history.History{}, fmt.Errorf("prometheus (%s) holds no %s for model %s in namespace %s from %s to %s",
			p.where, adapterrules.SeldonSeries, modelName, ns, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	h, err := history.FromSamples(from, to, step, rates)
	if err != nil {
		return history.History{}, err
	}
	counted, err := rangeSamples(ctx, p, resets, from, to, step)
	if err != nil {
		return history.History{}, fmt.Errorf("reading %s's counter resets: %w", modelName, err)
	}
	for i, s := range counted {
		if s.RPS > 0 && (i == 0 || counted[i-1].RPS == 0 || s.At.Sub(counted[i-1].At) > step) {
			h.Resets = append(h.Resets, s.At)
		}
	}
	return h, nil
}

// rangeSamples runs a range query that returns at most one series, in pieces of maxPointsPerQuery.
func rangeSamples(ctx context.Context, p promAPI, q string, from, to time.Time, step time.Duration,
) ([]history.Sample, error) {
	var out []history.Sample
	for start := from; !start.After(to); start = start.Add(maxPointsPerQuery * step) {
		end := start.Add((maxPointsPerQuery - 1) * step)
		if end.After(to) {
			end = to
		}
		val, _, err := p.v1.QueryRange(ctx, q, promv1.Range{Start: start, End: end, Step: step})
		if err != nil {
			return nil, err
		}
		m, ok := val.(model.Matrix)
		if !ok || len(m) > 1 {
			return nil, fmt.Errorf("prometheus answered %q with %s, not one series", q, val.Type())
		}
		for _, s := range m {
			for _, v := range s.Values {
				if !math.IsNaN(float64(v.Value)) {
					out = append(out, history.Sample{At: v.Timestamp.Time(), RPS: float64(v.Value)})
				}
			}
		}
	}
	return out, nil
}

// planFromHistory derives the sizing inputs from h, then chooses the behavior on h itself: its
// gap-free stretches, cut into pieces, are the shapes the search replays.
func planFromHistory(h history.History, in hpasim.Figures, budget float64) (historyPlan, error) {
	sz, err := history.Derive(h)
	if err != nil {
		return historyPlan{}, err
	}
	in.PeakRPS, in.MinLoadRPS, in.RampRPSPerSecond, in.SpikeSeconds = sz.PeakRPS, sz.MinLoadRPS, sz.RampRPSPerSecond,
		sz.SpikeSeconds
	shapes := historyShapes(h)
	if len(shapes) == 0 {
		return historyPlan{}, fmt.Errorf("%w: no stretch without gaps lasts %s", history.ErrTooLittle, history.MinHistory)
	}
	setup := hpasim.DefaultSimulationSetup()
	setup.Figures = in
	c, err := search.Choose(setup, shapes, budget)
	if err != nil {
		return historyPlan{}, err
	}
	p := historyPlan{Sizing: sz.Reasons, Warnings: sz.Warnings, Pieces: len(shapes), Chosen: c.Candidate.String(),
		Losses: c.Losses,
		BreachSeconds: map[string]int{"chosen": c.Chosen.Total.BreachSeconds, "default": c.Default.Total.BreachSeconds,
			"formulas": c.Guide.Total.BreachSeconds},
		ReplicaSeconds: map[string]int{"chosen": c.Chosen.Total.ReplicaSeconds, "default": c.Default.Total.ReplicaSeconds,
			"formulas": c.Guide.Total.ReplicaSeconds}}
	block := recommendedAutoscaling(in, c)
	if p.Inputs, err = pasteYAML(block); err != nil {
		return historyPlan{}, err
	}
	if p.paste, err = pasteAll(block); err != nil {
		return historyPlan{}, err
	}
	return p, nil
}

// historyShapes are the history's pieces (history.Pieces), named by when each starts.
func historyShapes(h history.History) []search.Shape {
	var out []search.Shape
	for _, p := range h.Pieces(history.MinHistory, historyPiece) {
		out = append(out, search.Shape{Name: p.Start.UTC().Format(time.RFC3339), Kind: "history", Trace: p.Trace})
	}
	return out
}

func writeHistoryPlan(w io.Writer, p historyPlan) error {
	fmt.Fprintf(w, "Model %s/%s, from %s to %s at %s (%s)\n\nSizing inputs read from the history:\n", p.Namespace,
		p.Model, p.From.UTC().Format(time.RFC3339), p.To.UTC().Format(time.RFC3339), p.Step, p.Prometheus)
	for _, d := range p.Sizing {
		fmt.Fprintf(w, "  - %s\n", d)
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w, "\nAbout the history:")
		for _, s := range p.Warnings {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	fmt.Fprintf(w, "\nThe history replayed (%d pieces) under each policy:\n%-22s %14s %14s %14s\n", p.Pieces, "",
		"chosen", "k8s default", "formulas")
	for _, row := range []struct {
		name string
		m    map[string]int
	}{{"SLA breach seconds", p.BreachSeconds}, {"replica-seconds", p.ReplicaSeconds}} {
		fmt.Fprintf(w, "%-22s %14d %14d %14d\n", row.name, row.m["chosen"], row.m["default"], row.m["formulas"])
	}
	fmt.Fprintf(w, "\nChosen: %s\n", p.Chosen)
	if len(p.Losses) > 0 {
		fmt.Fprintf(w, "No candidate breached every piece no longer than Kubernetes' default; lost: %v\n", p.Losses)
	}
	_, err := fmt.Fprintf(w, "\nThe inputs that deploy it:\n\n%s", p.paste)
	return err
}
