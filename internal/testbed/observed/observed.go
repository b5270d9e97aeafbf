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
	"strconv"
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
	var probe struct {
		HTTP int `json:"_http"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if probe.HTTP == 404 {
		*o = Object{Absent: true}
		return nil
	}
	type plain Object
	return json.Unmarshal(b, (*plain)(o))
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
	var probe struct {
		HTTP int `json:"_http"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return err
	}
	if probe.HTTP == 404 {
		*s = Scale{Absent: true}
		return nil
	}
	type plain Scale
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
