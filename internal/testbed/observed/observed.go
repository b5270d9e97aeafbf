// Package observed reads the recordings of real Seldon Core 2 in the shared fixtures
// (seldon-2.10.2-observed/: README.md there says what ran): each scenario's JSON lines, typed, so
// that conformance tests replay what real Seldon did instead of copying its figures by hand.
package observed

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Dir is the recordings' directory under the shared fixtures directory.
const Dir = "seldon-2.10.2-observed"

// Scenarios are the recorded scenarios, each a file <name>.jsonl: all-or-nothing scheduling (S1),
// partial scheduling (S2), the agent's metrics, scale to 0, reload and restart (S4), and the
// scheduler's own server autoscaling (S5).
var Scenarios = []string{"S1", "S2", "S4", "S5"}

// Condition is a status condition as the operator stored it (lastTransitionTime left out).
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Status is the part of a Model's, Server's or StatefulSet's .status the recordings compare.
type Status struct {
	Replicas          int64       `json:"replicas"`
	AvailableReplicas int64       `json:"availableReplicas"`
	ReadyReplicas     int64       `json:"readyReplicas"`
	Selector          string      `json:"selector"`
	LoadedModels      *int64      `json:"loadedModels"`
	Conditions        []Condition `json:"conditions"`
}

// Spec is the part of a spec the recordings keep: replicas and, when set, min and max.
type Spec struct {
	Replicas    *int64 `json:"replicas"`
	MinReplicas *int64 `json:"minReplicas"`
	MaxReplicas *int64 `json:"maxReplicas"`
}

// Object is one recorded object in the recordings' slim form; Absent when the GET found none.
type Object struct {
	Absent     bool
	Generation int64   `json:"generation"`
	Spec       Spec    `json:"spec"`
	Status     *Status `json:"status"`
}

// UnmarshalJSON reads an object, or {"_http":404} as an absent one.
func (o *Object) UnmarshalJSON(b []byte) error {
	type plain Object
	absent, err := notFound(b)
	if absent || err != nil {
		*o = Object{Absent: absent}
		return err
	}
	return json.Unmarshal(b, (*plain)(o))
}

// notFound says whether a recorded GET answered 404 ({"_http":404}).
func notFound(b []byte) (bool, error) {
	var probe struct {
		HTTP int `json:"_http"`
	}
	err := json.Unmarshal(b, &probe)
	return probe.HTTP == 404, err
}

// Scale is a Model's /scale subresource as the HPA reads it.
type Scale struct {
	Absent bool
	Spec   struct {
		Replicas int64 `json:"replicas"`
	} `json:"spec"`
	Status struct {
		Replicas int64  `json:"replicas"`
		Selector string `json:"selector"`
	} `json:"status"`
}

// UnmarshalJSON reads a scale, or {"_http":404} as an absent one.
func (s *Scale) UnmarshalJSON(b []byte) error {
	type plain Scale
	absent, err := notFound(b)
	if absent || err != nil {
		*s = Scale{Absent: absent}
		return err
	}
	return json.Unmarshal(b, (*plain)(s))
}

// Record is one line: a watch update, an action or its result, an event note, a metrics capture,
// or a sample of the Model, Server, /scale and StatefulSet (the fields of its kind are set).
type Record struct {
	T float64 `json:"t"`
	// A watch update: Watch is "models", "servers" or "statefulsets"; Type ADDED, MODIFIED, DELETED.
	Watch  string  `json:"watch"`
	Type   string  `json:"type"`
	Object *Object `json:"object"`
	// An action, and later its result (ActionResult repeats the action's text).
	Action       string          `json:"action"`
	ActionResult string          `json:"action_result"`
	Result       json.RawMessage `json:"result"`
	Event        string          `json:"event"`
	// A metrics capture: its label, and the .prom file beside the JSON lines.
	MetricsCapture string `json:"metrics_capture"`
	File           string `json:"file"`
	// A sample: all four GETs (Model, Server, the Model's /scale, the StatefulSet).
	Model       *Object `json:"model"`
	Server      *Object `json:"server"`
	Scale       *Scale  `json:"scale"`
	StatefulSet *Object `json:"statefulset"`
}

// IsSample says whether the record is a 0.5 s sample.
func (r Record) IsSample() bool { return r.Model != nil }

// Load reads one scenario's JSON lines from the recordings' directory (testbed.Fixtures.Observed).
func Load(dir, scenario string) ([]Record, error) {
	path := filepath.Join(dir, scenario+".jsonl")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the recording of real Seldon is missing: %w", err)
	}
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// MetricsPath is the path of a capture's .prom file in the recordings' directory.
func MetricsPath(dir, file string) string { return filepath.Join(dir, file) }

// IntResults reads an action's result as a list of HTTP codes (the inference actions).
func (r Record) IntResults() ([]int, bool) {
	var codes []int
	if json.Unmarshal(r.Result, &codes) != nil {
		return nil, false
	}
	return codes, true
}

var scaleAction = regexp.MustCompile(`^kubectl scale model (\S+) --replicas=(\d+)`)

// ScaleTo parses "kubectl scale model NAME --replicas=N".
func (r Record) ScaleTo() (int64, bool) {
	m := scaleAction.FindStringSubmatch(r.Action)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[2], 10, 64)
	return n, err == nil
}

var patchJSON = regexp.MustCompile(`-p '(\{.*\})'`)

// Patch parses the JSON a kubectl patch action sent (-p '...'), into out.
func (r Record) Patch(out any) bool {
	m := patchJSON.FindStringSubmatch(r.Action)
	return m != nil && json.Unmarshal([]byte(m[1]), out) == nil
}

// ModelView and ServerView are the parts of a status the conformance tests compare; the Server's
// loadedModels is compared as a sequence of its own, since it moves on the agents' clock.
type ModelView struct {
	Replicas, Available int64
	Selector            string
	Conditions          []Condition
}

// ServerView is a Server's status without loadedModels.
type ServerView struct {
	Replicas   int64
	Selector   string
	Conditions []Condition
}

func (v ModelView) String() string {
	return fmt.Sprintf("replicas=%d available=%d selector=%q %v", v.Replicas, v.Available, v.Selector, v.Conditions)
}

func (v ServerView) String() string {
	return fmt.Sprintf("replicas=%d selector=%q %v", v.Replicas, v.Selector, v.Conditions)
}

// Deleted stands in a Model's sequence for its deletion.
const Deleted = "deleted"

// Sequence collects distinct consecutive states: what a watch shows, whatever its timing.
type Sequence []string

// Add appends v unless it repeats the last state.
func (s *Sequence) Add(v string) {
	if n := len(*s); n == 0 || (*s)[n-1] != v {
		*s = append(*s, v)
	}
}

// Run is what one run of a scenario showed, real Seldon's or a replay's: its Model statuses,
// Server statuses and Server loadedModels, each as a sequence of distinct states.
type Run struct{ Models, Servers, Loaded Sequence }

// AddModel adds a Model status; nil (the object as applied, nothing written yet) adds nothing.
func (r *Run) AddModel(st *Status) {
	if st != nil {
		r.Models.Add(st.ModelView().String())
	}
}

// AddServer adds a Server status, its loadedModels to a sequence of its own.
func (r *Run) AddServer(st *Status) {
	if st == nil {
		return
	}
	r.Servers.Add(st.ServerView().String())
	if st.LoadedModels != nil {
		r.Loaded.Add(fmt.Sprint(*st.LoadedModels))
	}
}

// Mismatches says how this run differs from want (the recording's), naming who ran it.
func (r Run) Mismatches(who string, want Run) []string {
	var out []string
	for _, c := range []struct {
		what      string
		got, want Sequence
	}{{"Model status", r.Models, want.Models}, {"Server status", r.Servers, want.Servers},
		{"Server loadedModels", r.Loaded, want.Loaded}} {
		if m := Mismatch(c.what, who, c.got, c.want); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// WithoutModelState leaves out the Model states that hold state: a difference the caller names.
func (r Run) WithoutModelState(state string) Run {
	r.Models = slices.DeleteFunc(slices.Clone(r.Models), func(s string) bool { return strings.Contains(s, state) })
	return r
}

// Recorded is a recording's run: the first sample's state, then what the watch streams delivered.
func Recorded(recs []Record) Run {
	var run Run
	if first, ok := FirstSample(recs); ok {
		if m := first.Model; !m.Absent {
			run.AddModel(m.Status)
		}
		run.AddServer(first.Server.Status)
	}
	for _, r := range recs {
		switch {
		case r.Watch == "models" && r.Type == "DELETED":
			run.Models.Add(Deleted)
		case r.Watch == "models":
			run.AddModel(r.Object.Status)
		case r.Watch == "servers":
			run.AddServer(r.Object.Status)
		}
	}
	return run
}

// FirstSample is the recording's first 0.5 s sample, the state a scenario starts from.
func FirstSample(recs []Record) (Record, bool) {
	for _, r := range recs {
		if r.IsSample() {
			return r, true
		}
	}
	return Record{}, false
}

// ModelView is a Model status's compared part.
func (st *Status) ModelView() ModelView {
	return ModelView{st.Replicas, st.AvailableReplicas, st.Selector, st.Conditions}
}

// ServerView is a Server status's compared part.
func (st *Status) ServerView() ServerView {
	return ServerView{st.Replicas, st.Selector, st.Conditions}
}

// StepKind is what an action did to Seldon's state.
type StepKind int

// The actions of the recordings that change what Seldon reports.
const (
	ApplyModel     StepKind = iota + 1 // a Model created with Spec
	ScaleModel                         // the Model's spec.replicas set to N
	DeleteModel                        // the Model deleted
	ServerReplicas                     // the Server's spec.replicas set to N
	ReadyReplicas                      // the kubelet mimic set the StatefulSet's readyReplicas to N
	AgentStopped                       // one agent stopped: its stream to the scheduler closed
	AgentConnected                     // one agent answered /ready: it had subscribed to the scheduler
)

// Step is one change of state at a time of the recording.
type Step struct {
	T    float64
	Kind StepKind
	N    int64
	Spec Spec // ApplyModel: the Model's spec as the watch first showed it
}

// Steps reads, in order, every action of a recording that changes what Seldon reports. An action
// it does not know is an error, so that a new recording cannot pass by being ignored.
func Steps(recs []Record) ([]Step, error) {
	var out []Step
	for i, r := range recs {
		if r.ActionResult != "" && strings.Contains(r.ActionResult, "/ready") {
			var ok bool
			if json.Unmarshal(r.Result, &ok) != nil || !ok {
				return nil, fmt.Errorf("t=%.3f: the agent did not become ready: %s", r.T, r.Result)
			}
			out = append(out, Step{T: r.T, Kind: AgentConnected})
			continue
		}
		if r.Action == "" {
			continue
		}
		s, err := step(recs, i)
		if err != nil {
			return nil, err
		}
		if s.Kind != 0 {
			out = append(out, s)
		}
	}
	return out, nil
}

// step classifies the action of recs[i]; Kind 0 for requests, process starts and waits, which
// change no status by themselves.
func step(recs []Record, i int) (Step, error) {
	r, s := recs[i], Step{T: recs[i].T}
	a := r.Action
	var p struct {
		Spec   struct{ Replicas int64 }
		Status struct{ ReadyReplicas int64 }
	}
	switch n, scaled := r.ScaleTo(); {
	case scaled:
		s.Kind, s.N = ScaleModel, n
	case strings.HasPrefix(a, "kubectl apply -f model"):
		s.Kind = ApplyModel
		j := slices.IndexFunc(recs[i:], func(w Record) bool { return w.Watch == "models" && w.Type == "ADDED" })
		if j < 0 {
			return s, fmt.Errorf("t=%.3f: no Model was added after %q", r.T, a)
		}
		s.Spec = recs[i+j].Object.Spec
	case strings.HasPrefix(a, "kubectl delete model"):
		s.Kind = DeleteModel
	case strings.HasPrefix(a, "kubectl patch server") && r.Patch(&p):
		s.Kind, s.N = ServerReplicas, p.Spec.Replicas
	case strings.Contains(a, "kubectl patch sts") && r.Patch(&p):
		s.Kind, s.N = ReadyReplicas, p.Status.ReadyReplicas
	case strings.Contains(a, "SIGTERM"):
		s.Kind = AgentStopped
	case strings.Contains(a, "inferences"), strings.HasPrefix(a, "start "), strings.HasPrefix(a, "wait "),
		strings.HasPrefix(a, "kubelet mimic: wait"), strings.HasPrefix(a, "kubelet mimic: StatefulSet"):
	default:
		return s, fmt.Errorf("t=%.3f: the replay does not know the action %q", r.T, a)
	}
	return s, nil
}

// End is the time of the recording's last record.
func End(recs []Record) float64 {
	if len(recs) == 0 {
		return 0
	}
	return recs[len(recs)-1].T
}

// Mismatch says how two sequences differ, what naming them; "" when they are equal.
func Mismatch(what, who string, got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("%s: %s gave\n  %s\nreal Seldon gave\n  %s", what, who, strings.Join(got, "\n  "),
		strings.Join(want, "\n  "))
}

// ModelState is a Model as recorded at one moment, with its Server as last recorded before it.
type ModelState struct {
	T             float64
	Model, Server Object
}

// ModelStates are the distinct Model states of a recording with their Server's, from the watch
// updates and the 0.5 s samples both, so that a state the operator held for milliseconds is there.
func ModelStates(recs []Record) []ModelState {
	var out []ModelState
	seen := map[string]bool{}
	var server *Object
	for _, r := range recs {
		var model *Object
		switch {
		case r.Watch == "servers":
			server = r.Object
		case r.Watch == "models":
			model = r.Object
		case r.IsSample():
			if r.Server != nil && !r.Server.Absent {
				server = r.Server
			}
			model = r.Model
		}
		if model == nil || model.Absent || server == nil {
			continue
		}
		key, _ := json.Marshal([]any{model.Spec, model.Status, server.Spec, server.Status})
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, ModelState{T: r.T, Model: *model, Server: *server})
		}
	}
	return out
}
