package hpasim

import (
	"errors"
	"fmt"
	"time"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
)

// MetricPipeline is how the RPS both HPAs read is measured: Prometheus scrapes the
// seldon_model_infer_total counter every ScrapeIntervalSeconds, and prometheus-adapter answers each
// HPA sync with sum(rate(counter[window])). The value an HPA sees is therefore an average over
// the last full scrape interval(s) and lags the load by about half a window plus the time since
// the last scrape (on average a 30 s scrape and a 60 s window lag by about 30 s).
type MetricPipeline struct {
	ScrapeIntervalSeconds int // 0: inputs.DefaultScrapeInterval, 30 s
	ScrapeOffsetSeconds   int // when the first scrape happens after t = 0, modulo the interval
	RateWindowSeconds     int // 0: inputs.DefaultRateWindow, 60 s
	// ServedOnly makes the counter count only requests the serving replicas complete, so a
	// saturated Model reports at most its capacity and the HPAs under-see demand. By default every
	// offered request is counted (completed, queued then completed, or failed with an error code),
	// which is what the guide's account of the pathological ramp assumes: the HPAs keep seeing the
	// load rise while the old replicas saturate.
	ServedOnly bool
}

// DefaultMetricPipeline is the pipeline the component assumes when its timing inputs are unset:
// inputs.DefaultScrapeInterval and inputs.DefaultRateWindow.
func DefaultMetricPipeline() MetricPipeline {
	return MetricPipeline{ScrapeIntervalSeconds: seconds(inputs.DefaultScrapeInterval),
		RateWindowSeconds: seconds(inputs.DefaultRateWindow)}
}

func (m MetricPipeline) withDefaults() MetricPipeline {
	def := DefaultMetricPipeline()
	if m.ScrapeIntervalSeconds == 0 {
		m.ScrapeIntervalSeconds = def.ScrapeIntervalSeconds
	}
	if m.RateWindowSeconds == 0 {
		m.RateWindowSeconds = def.RateWindowSeconds
	}
	return m
}

func seconds(d time.Duration) int { return int(d / time.Second) }

func (m MetricPipeline) validate() error {
	var errs []error
	if m.ScrapeIntervalSeconds < 1 {
		errs = append(errs, fmt.Errorf("scrape interval %ds is below 1s", m.ScrapeIntervalSeconds))
	}
	if m.ScrapeOffsetSeconds < 0 {
		errs = append(errs, fmt.Errorf("scrape offset %ds is negative", m.ScrapeOffsetSeconds))
	}
	if m.RateWindowSeconds < 2*m.ScrapeIntervalSeconds {
		// The policy package refuses this too: rate() needs two samples in its window.
		errs = append(
			errs,
			fmt.Errorf("rate window %ds holds fewer than two %ds scrapes", m.RateWindowSeconds, m.ScrapeIntervalSeconds),
		)
	}
	return errors.Join(errs...)
}

// counterSample is one scrape of the cumulative request counter.
type counterSample struct {
	at    int
	count float64
}

// metricSeries is the scraped counter and the rate() query over it.
type metricSeries struct {
	pipeline MetricPipeline
	samples  []counterSample
}

// isScrapeTime says whether Prometheus scrapes at second t.
func (m *metricSeries) isScrapeTime(t int) bool {
	p := m.pipeline
	return mod(t-p.ScrapeOffsetSeconds, p.ScrapeIntervalSeconds) == 0
}

func mod(a, b int) int { return ((a % b) + b) % b }

// scrape stores the counter's value at t, keeping only what any window can still use.
func (m *metricSeries) scrape(t int, count float64) {
	m.samples = append(m.samples, counterSample{t, count})
	keep := 0
	for keep < len(m.samples) && m.samples[keep].at <= t-m.pipeline.RateWindowSeconds-m.pipeline.ScrapeIntervalSeconds {
		keep++
	}
	m.samples = m.samples[keep:]
}

// rate is rate(counter[window]) evaluated at now: the slope between the first and last samples in
// (now − window, now]. Prometheus extrapolates the increase to the window's edges and divides by
// the window, which gives this same slope whenever the samples reach within 1.1 scrape intervals of
// both edges — always, for a window of at least two intervals. ok is false with fewer than two
// samples, when the adapter returns no value.
func (m *metricSeries) rate(now int) (rps float64, ok bool) {
	first, last := -1, -1
	for i, s := range m.samples {
		if s.at > now-m.pipeline.RateWindowSeconds && s.at <= now {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 || first == last {
		return 0, false
	}
	a, b := m.samples[first], m.samples[last]
	return (b.count - a.count) / float64(b.at-a.at), true
}
