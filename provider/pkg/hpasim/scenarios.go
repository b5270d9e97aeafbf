package hpasim

import (
	"fmt"
	"math"
)

// Scenario is a named load trace. The traces are generated here, deterministically; the CSVs in
// testdata/ are their checked-in rendering (a test keeps the two equal) for use with other tools
// and with `seldon-autoscaling simulate --trace`.
type Scenario struct {
	Name        string
	Description string
	Trace       Trace
}

// Scenario loads are sized for the policy simulation's replicas: 3 RPS per replica (the guide's target),
// so 6 RPS is 2 replicas and 36 RPS is 12.
const (
	scenarioBaseRPS  = 6.0
	scenarioPeakRPS  = 36.0
	scenarioSettle   = 300 // seconds of steady load before anything happens
	dailyWavePeriod  = 3600
	dailyWaveLowRPS  = 3.0
	dailyWaveHighRPS = 33.0
)

// Scenarios returns every scenario, in the order reports list them.
func Scenarios() []Scenario {
	return []Scenario{
		{
			Name: "guide-ramp",
			Description: "the guide's pathological case: " +
				"a continuous ramp from 6 to 36 RPS (2 to 12 replicas) at 0.25 RPS/s, then held",
			Trace: Trace{
				{0, scenarioBaseRPS},
				{scenarioSettle, scenarioBaseRPS},
				{scenarioSettle + 120, scenarioPeakRPS},
				{1500, scenarioPeakRPS},
			},
		},
		{
			Name: "short-spike",
			Description: "a 45 s spike from 6 to 7.2 RPS: above the tolerance band, " +
				"within the 2 replicas' capacity (7.5 RPS); should be absorbed",
			Trace: Trace{
				{0, scenarioBaseRPS},
				{scenarioSettle, scenarioBaseRPS},
				{scenarioSettle + 1, 7.2},
				{scenarioSettle + 45, 7.2},
				{scenarioSettle + 46, scenarioBaseRPS},
				{900, scenarioBaseRPS},
			},
		},
		{
			Name:        "sustained-step",
			Description: "a step from 6 to 24 RPS (2 to 8 replicas) that stays",
			Trace:       Trace{{0, scenarioBaseRPS}, {scenarioSettle, scenarioBaseRPS}, {scenarioSettle + 1, 24}, {1500, 24}},
		},
		{
			Name:        "daily-wave",
			Description: "two compressed days: load swings between 3 and 33 RPS on a 1 h cosine",
			Trace:       dailyWave(2*dailyWavePeriod, 30),
		},
		{
			Name:        "blue-green-drain",
			Description: "traffic moving onto a green Model over 10 min: 1.5 to 30 RPS at 0.0475 RPS/s, then held",
			Trace:       Trace{{0, 1.5}, {scenarioSettle, 1.5}, {scenarioSettle + 600, 30}, {1800, 30}},
		},
	}
}

// dailyWave samples a cosine day, low at midnight and high at noon, every step seconds.
func dailyWave(seconds, step int) Trace {
	var tr Trace
	for t := 0; t <= seconds; t += step {
		phase := 2 * math.Pi * float64(t) / dailyWavePeriod
		v := dailyWaveLowRPS + (dailyWaveHighRPS-dailyWaveLowRPS)*(1-math.Cos(phase))/2
		tr = append(tr, Point{t, math.Round(v*1000) / 1000})
	}
	return tr
}

// ScenarioByName finds a scenario.
func ScenarioByName(name string) (Scenario, error) {
	var names []string
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Scenario{}, fmt.Errorf("unknown scenario %q: use one of %v", name, names)
}
