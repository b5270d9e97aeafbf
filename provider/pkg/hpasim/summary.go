package hpasim

// settleHoldSeconds is how long nothing may change before the end of a run for it to count as
// settled: longer than a sync period plus a scrape interval, so a pending step would have shown.
const settleHoldSeconds = 120

// Summary is what a run costs and how well it served.
type Summary struct {
	Seconds int
	// SLABreachSeconds counts seconds whose offered load exceeded the serving capacity.
	SLABreachSeconds int
	// BreachedRequests is the load above capacity summed over those seconds: requests that
	// queued past the SLA or failed.
	BreachedRequests float64
	// ScheduleFailedSeconds counts seconds the Model was ScheduleFailed, in how many separate
	// episodes, and the longest one.
	ScheduleFailedSeconds  int
	ScheduleFailedEpisodes int
	LongestScheduleFailed  int
	// ScheduleFailedExcessSeconds is ScheduleFailed time beyond one serverReadySeconds per
	// episode: the part a policy that waits for Server pods would not have caused.
	ScheduleFailedExcessSeconds int
	// ReplicaSeconds integrates ready Server replicas over the run: the cost.
	ReplicaSeconds int
	// PeakReplicas is the most Server replicas requested at once: what the cluster must fit.
	PeakReplicas int
	// Settled says nothing changed for the last settleHoldSeconds and the Model was scheduled;
	// then SteadyAt is the second of the last change and SettleSeconds how long after the load's
	// last change that was (0 when replicas stopped moving first).
	Settled       bool
	SteadyAt      int
	SettleSeconds int
	// The state the run ends in: a Model still asking for more replicas than its Server has is
	// stuck ScheduleFailed until the load moves.
	FinalModelDesired   int
	FinalServerDesired  int
	FinalScheduleFailed bool
}

func summarize(tl []Sample, serverReadySeconds, loadLastChange int) Summary {
	s := Summary{Seconds: len(tl)}
	episode := 0
	closeEpisode := func() {
		if episode > 0 {
			s.ScheduleFailedEpisodes++
			s.LongestScheduleFailed = max(s.LongestScheduleFailed, episode)
			s.ScheduleFailedExcessSeconds += max(0, episode-serverReadySeconds)
		}
		episode = 0
	}
	lastChange := 0
	for i, x := range tl {
		if x.Breach() {
			s.SLABreachSeconds++
			s.BreachedRequests += x.Load - x.Capacity
		}
		if x.ScheduleFailed {
			s.ScheduleFailedSeconds++
			episode++
		} else {
			closeEpisode()
		}
		s.ReplicaSeconds += x.ServerReady
		s.PeakReplicas = max(s.PeakReplicas, x.ServerDesired)
		if i > 0 && x.replicaState() != tl[i-1].replicaState() {
			lastChange = i
		}
	}
	closeEpisode()
	if n := len(tl); n > 0 {
		last := tl[n-1]
		s.FinalModelDesired, s.FinalServerDesired = last.ModelDesired, last.ServerDesired
		s.FinalScheduleFailed = last.ScheduleFailed
	}
	if n := len(tl); n > 0 && n-lastChange >= settleHoldSeconds && !tl[n-1].ScheduleFailed {
		s.Settled, s.SteadyAt = true, lastChange
		s.SettleSeconds = max(0, lastChange-loadLastChange)
	}
	return s
}

type replicaState struct {
	modelServing, modelDesired, serverReady, serverDesired int
	scheduleFailed                                         bool
}

func (x Sample) replicaState() replicaState {
	return replicaState{x.ModelServing, x.ModelDesired, x.ServerReady, x.ServerDesired, x.ScheduleFailed}
}
