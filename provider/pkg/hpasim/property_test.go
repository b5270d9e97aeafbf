package hpasim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"testing/quick"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// randomTrace is a random walk of ramps, steps and holds between 0 and 100 RPS.
func randomTrace(r *rand.Rand, seconds int) Trace {
	tr := Trace{{0, r.Float64() * 30}}
	for t := 0; t < seconds; {
		t += 1 + r.IntN(120)
		v := tr[len(tr)-1].RPS
		switch r.IntN(3) {
		case 0: // hold
		case 1:
			v = r.Float64() * 100
		case 2:
			v = math.Max(0, v+(r.Float64()-0.5)*20)
		}
		tr = append(tr, Point{t, v})
	}
	return tr
}

func randomRules(r *rand.Rand) *policy.Rules {
	if r.IntN(5) == 0 {
		return nil // API defaults
	}
	sel := []string{"", policy.SelectMax, policy.SelectMin, policy.SelectDisabled}[r.IntN(8)%4]
	var ps []policy.ScalingPolicy
	for range r.IntN(3) {
		typ := policy.PolicyPods
		if r.IntN(2) == 0 {
			typ = policy.PolicyPercent
		}
		// Small limits, so the rules bind often rather than max replicas.
		value := 1 + r.IntN(4)
		if typ == policy.PolicyPercent {
			value = 10 + r.IntN(100)
		}
		ps = append(ps, policy.ScalingPolicy{Type: typ, Value: value, PeriodSeconds: 1 + r.IntN(180)})
	}
	return rules(r.IntN(400), sel, ps...)
}

func randomConfig(r *rand.Rand) Config {
	minR := 1 + r.IntN(4)
	spec := HPASpec{MinReplicas: minR, MaxReplicas: minR + r.IntN(40), Target: policy.MilliQuantity(500 + r.IntN(5000))}
	if r.IntN(4) != 0 {
		spec.Behavior = &Behavior{ScaleUp: randomRules(r), ScaleDown: randomRules(r)}
	}
	scrape := 5 + r.IntN(30)
	return Config{
		HPA: spec, SaturationRPS: spec.Target.Float() * (1 + r.Float64()),
		ServerReadySeconds: r.IntN(
			200,
		), MaxStartingServerPods: r.IntN(4), ModelHPAOffsetSeconds: r.IntN(15), ServerHPAOffsetSeconds: r.IntN(15),
		Metric: MetricPipeline{
			ScrapeIntervalSeconds: scrape,
			RateWindowSeconds:     2*scrape + r.IntN(60),
			ScrapeOffsetSeconds:   r.IntN(30),
			ServedOnly:            r.IntN(2) == 0,
		},
	}
}

// scaleChange is one rescale an HPA made, read back from the timeline.
type scaleChange struct{ at, from, to int }

func changes(tl []Sample, replicas func(Sample) int) []scaleChange {
	var out []scaleChange
	for i := 1; i < len(tl); i++ {
		if a, b := replicas(tl[i-1]), replicas(tl[i]); a != b {
			out = append(out, scaleChange{i, a, b})
		}
	}
	return out
}

// checkScaleUpRate verifies, from the replica counts alone, that no scale-up exceeded what the
// rules allow: for every policy, the count after the rescale is at most what that policy
// proposes from the count at the start of its period (rebuilt from every change inside the
// period), and selectPolicy picks among the proposals.
func checkScaleUpRate(spec HPASpec, cs []scaleChange) error {
	if spec.Behavior == nil {
		for _, c := range cs {
			if c.to > max(2*c.from, 4) {
				return fmt.Errorf("t=%d: %d → %d exceeds max(2×current, 4) per sync", c.at, c.from, c.to)
			}
		}
		return nil
	}
	up := effectiveRules(spec.Behavior.ScaleUp, DefaultBehavior().ScaleUp)
	for i, c := range cs {
		if c.to <= c.from {
			continue
		}
		if up.selectPolicy == policy.SelectDisabled {
			return fmt.Errorf("t=%d: scaled up %d → %d with scale-up disabled", c.at, c.from, c.to)
		}
		var allowed []int
		for _, p := range up.policies {
			added, removed := 0, 0
			for _, prev := range cs[:i] {
				if prev.at > c.at-p.PeriodSeconds {
					if prev.to > prev.from {
						added += prev.to - prev.from
					} else {
						removed += prev.from - prev.to
					}
				}
			}
			start := c.from - added + removed
			switch p.Type {
			case policy.PolicyPods:
				allowed = append(allowed, start+p.Value)
			case policy.PolicyPercent:
				allowed = append(allowed, int(math.Ceil(float64(start)*(1+float64(p.Value)/100))))
			}
		}
		limit := allowed[0]
		for _, a := range allowed[1:] {
			if up.selectPolicy == policy.SelectMin {
				limit = min(limit, a)
			} else {
				limit = max(limit, a)
			}
		}
		if c.to > limit {
			return fmt.Errorf(
				"t=%d: %d → %d exceeds the %s limit %d of %v",
				c.at,
				c.from,
				c.to,
				up.selectPolicy,
				limit,
				up.policies,
			)
		}
	}
	return nil
}

func TestPropertiesUnderRandomLoad(t *testing.T) {
	const runs = 40
	for seed := range uint64(runs) {
		r := rand.New(rand.NewPCG(seed, 7))
		cfg := randomConfig(r)
		trace := randomTrace(r, 1500)
		res, err := Run(cfg, trace)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		spec := cfg.HPA
		for _, s := range res.Timeline {
			for name, n := range map[string]int{
				"model desired": s.ModelDesired, "server desired": s.ServerDesired, "model serving": s.ModelServing,
			} {
				if n > spec.MaxReplicas || (name != "model serving" && n < spec.MinReplicas) {
					t.Fatalf("seed %d t=%d: %s %d outside [%d, %d]", seed, s.Second, name, n, spec.MinReplicas, spec.MaxReplicas)
				}
			}
			if s.ModelServing > s.ServerReady {
				t.Fatalf("seed %d t=%d: %d model replicas on %d ready servers", seed, s.Second, s.ModelServing, s.ServerReady)
			}
			// All or nothing (every random config): scheduled means every replica asked for serves,
			// ScheduleFailed means fewer, since seldon.Model keeps only replicas on connected Server
			// replicas and the simulation loads what is placed at once.
			if s.ScheduleFailed == (s.ModelServing == s.ModelDesired) {
				t.Fatalf(
					"seed %d t=%d: ScheduleFailed %v with %d of %d serving",
					seed,
					s.Second,
					s.ScheduleFailed,
					s.ModelServing,
					s.ModelDesired,
				)
			}
		}
		for name, f := range map[string]func(Sample) int{
			"model":  func(s Sample) int { return s.ModelDesired },
			"server": func(s Sample) int { return s.ServerDesired },
		} {
			if err := checkScaleUpRate(spec, changes(res.Timeline, f)); err != nil {
				t.Fatalf("seed %d, %s HPA (%s): %v", seed, name, DescribeBehavior(spec.Behavior), err)
			}
		}
	}
}

func TestReplicaCalculatorProperties(t *testing.T) {
	// Outside the tolerance band the answer is the fewest replicas that keep usage per replica at
	// or below the target; inside it, the current count.
	prop := func(status uint8, usage uint32, target uint16) bool {
		st, u, tg := int(status%60)+1, int64(usage%1_000_000), int64(target%10_000)+1
		got := objectAverageValueReplicas(st, u, tg, tolerances{policy.HPATolerance, policy.HPATolerance})
		ratio := float64(u) / float64(tg*int64(st))
		if ratio >= 0.9 && ratio <= 1.1 {
			return got == st
		}
		return int64(got)*tg >= u && int64(got-1)*tg < u
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 2000, Rand: nil}); err != nil {
		t.Error(err)
	}
}
