package doctor

import (
	"encoding/json"
	"fmt"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/ownership"
)

// seldonObject is what the doctor reads of a Seldon Model or Server, by the JSON names of Seldon's
// CRDs. The gatherer and the tests on the recordings of real Seldon both decode the object's JSON
// into it, so the tests read status exactly as the doctor does on a cluster.
type seldonObject struct {
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Replicas    *int   `json:"replicas"`
		MinReplicas *int   `json:"minReplicas"`
		MaxReplicas *int   `json:"maxReplicas"`
		Server      string `json:"server"`
	} `json:"spec"`
	// Status is nil until Seldon's operator writes one. Its counts are int32 with omitempty in
	// Seldon's types, so an absent one is 0: a Model scaled to 0, or with no agent connected,
	// has neither replicas nor availableReplicas (S4).
	Status *struct {
		Replicas          int `json:"replicas"`
		AvailableReplicas int `json:"availableReplicas"`
		LoadedModels      int `json:"loadedModels"`
		// encoding/json matches the conditions' lower-case keys to Condition's fields.
		Conditions []Condition `json:"conditions"`
	} `json:"status"`
}

func decodeSeldon(kind string, raw []byte) (seldonObject, error) {
	var o seldonObject
	if err := json.Unmarshal(raw, &o); err != nil {
		return o, fmt.Errorf("a %s that is not Seldon's: %w", kind, err)
	}
	return o, nil
}

// specReplicas is spec.replicas, 1 when unset: both CRDs say "Number of replicas - default 1".
func (o seldonObject) specReplicas() int {
	if o.Spec.Replicas == nil {
		return 1
	}
	return *o.Spec.Replicas
}

// ReadModel reads a Seldon Model from its JSON as the API server serves it: its spec, and its
// status as Seldon's operator writes it (the scheduler's state in the conditions' message, its
// explanation in their reason; seldon.ReadModelState reads them).
func ReadModel(raw []byte) (Model, error) {
	o, err := decodeSeldon("Model", raw)
	if err != nil {
		return Model{}, err
	}
	m := Model{Name: o.Metadata.Name, Owner: o.Metadata.Annotations[ownership.OwnerAnnotation],
		SpecReplicas: o.specReplicas(), ServerName: o.Spec.Server,
		MinReplicas: positive(o.Spec.MinReplicas), MaxReplicas: positive(o.Spec.MaxReplicas)}
	if st := o.Status; st != nil {
		m.StatusReplicas, m.AvailableReplicas, m.Conditions = st.Replicas, &st.AvailableReplicas, st.Conditions
	}
	return m, nil
}

// ReadServer reads a Seldon Server from its JSON as the API server serves it.
func ReadServer(raw []byte) (*Server, error) {
	o, err := decodeSeldon("Server", raw)
	if err != nil {
		return nil, err
	}
	s := &Server{Name: o.Metadata.Name, SpecReplicas: o.specReplicas(),
		Owner:       o.Metadata.Annotations[ownership.OwnerAnnotation],
		MinReplicas: positive(o.Spec.MinReplicas), MaxReplicas: positive(o.Spec.MaxReplicas)}
	if st := o.Status; st != nil {
		s.LoadedModels, s.Conditions = st.LoadedModels, st.Conditions
	}
	return s, nil
}

// positive is nil for 0, which Seldon reads as unset (its CRDs: "default equal to 0"; a Model's
// minReplicas 0 schedules all or nothing, as none does).
func positive(p *int) *int {
	if p == nil || *p == 0 {
		return nil
	}
	return p
}
