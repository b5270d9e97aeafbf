package policy

import (
	"strings"
	"testing"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
)

func TestParseSeldonVersion(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    SeldonVersion
		wantErr string
	}{
		{in: "2.8", want: SeldonVersion{2, 8}},
		{in: "2.9.1", want: SeldonVersion{2, 9}},
		{in: "v2.10.2", want: SeldonVersion{2, 10}},
		{in: "2.9.0-rc1", want: SeldonVersion{2, 9}},
		{in: "2.8.5+build.7", want: SeldonVersion{2, 8}},
		{in: "1.18.2", wantErr: "not a Seldon Core 2 version"},
		{in: "3.0", wantErr: "not a Seldon Core 2 version"},
		{in: "2", wantErr: "MAJOR.MINOR"},
		{in: "latest", wantErr: "MAJOR.MINOR"},
		{in: " 2.9", wantErr: "MAJOR.MINOR"},
		{in: "2.9.1.4", wantErr: "MAJOR.MINOR"},
		{in: "", wantErr: "MAJOR.MINOR"},
	} {
		got, err := ParseSeldonVersion(tc.in)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%q: error %v, want one saying %q", tc.in, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestSeldonModes: partial scheduling, and no Model lag, exactly on Seldon 2.9+ with its model
// autoscaler off; every other case keeps the pre-2.9 behavior and its lag; each says why.
func TestSeldonModes(t *testing.T) {
	on, off := true, false
	for _, tc := range []struct {
		name        string
		in          SeldonInput
		want        Scheduling
		wantLag     int
		wantBecause string
	}{
		{"unset", SeldonInput{}, AllOrNothing, 105, "seldon.version not set: treated as before 2.9"},
		{"unset, autoscaler off", SeldonInput{ModelAutoscaling: &off}, AllOrNothing, 105, "not set"},
		{"2.8", SeldonInput{Version: ptr("2.8.4")}, AllOrNothing, 105, "Seldon 2.8, before 2.9: all or nothing"},
		{"2.9", SeldonInput{Version: ptr("2.9")}, Partial, 0, "not set: off, Seldon's default since 2.9"},
		{"2.10, off", SeldonInput{Version: ptr("2.10.2"), ModelAutoscaling: &off}, Partial, 0, "Model minReplicas = 1"},
		{"2.9, autoscaler on", SeldonInput{Version: ptr("2.9.1"), ModelAutoscaling: &on}, AllOrNothing, 105,
			"with seldon.modelAutoscaling"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			in.Seldon = tc.in
			p, derived, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			if p.Scheduling != tc.want || p.ModelScaleUpLagSeconds != tc.wantLag {
				t.Errorf("%v with lag %d, want %v with lag %d", p.Scheduling, p.ModelScaleUpLagSeconds, tc.want, tc.wantLag)
			}
			d := findDerivation(derived, "seldon")
			if d == nil || d.Value != tc.want.String() || !strings.Contains(d.Reason, tc.wantBecause) {
				t.Errorf("derivation %+v, want %q saying %q", d, tc.want, tc.wantBecause)
			}
			if lag := findDerivation(derived, inputs.PathModelLag); lag == nil {
				t.Error("no reason for the Model lag")
			}
		})
	}
}

func TestSeldonVersionRefused(t *testing.T) {
	in := base()
	in.Seldon.Version = ptr("2.x")
	_, _, err := Plan(in)
	if err == nil || !strings.Contains(err.Error(), FieldSeldonVersion+": ") ||
		!strings.Contains(err.Error(), "fix: give the Seldon Core 2 version") {
		t.Fatalf("error %v, want a refusal of %s with its fix", err, FieldSeldonVersion)
	}
}

func findDerivation(ds []Derivation, field string) *Derivation {
	for i := range ds {
		if ds[i].Field == field && !ds[i].Warning {
			return &ds[i]
		}
	}
	return nil
}

// TestSchedulingOf: partial only from 2.9 with the native model autoscaler off; the doctor and
// the planner both ask SchedulingOf.
func TestSchedulingOf(t *testing.T) {
	for _, tc := range []struct {
		version     SeldonVersion
		autoscaling bool
		want        Scheduling
	}{
		{SeldonVersion{2, 8}, false, AllOrNothing},
		{SeldonVersion{2, 9}, false, Partial},
		{SeldonVersion{2, 10}, false, Partial},
		{SeldonVersion{2, 10}, true, AllOrNothing},
		{SeldonVersion{3, 0}, false, Partial},
	} {
		if got := SchedulingOf(tc.version, tc.autoscaling); got != tc.want {
			t.Errorf("SchedulingOf(%s, model autoscaling %v) = %s, want %s", tc.version, tc.autoscaling, got, tc.want)
		}
	}
	if Partial.String() != "partial scheduling" || AllOrNothing.String() != "all-or-nothing scheduling" {
		t.Errorf("the modes read %q and %q", Partial, AllOrNothing)
	}
}
