package policy

import (
	"fmt"
	"regexp"
	"strconv"
)

// Scheduling is how Seldon Core 2's scheduler places a Model's replicas on its Server's.
type Scheduling int

const (
	// AllOrNothing places every requested replica or none: a Model asking for more replicas than
	// its Server has agents connected is ScheduleFailed and keeps serving on the replicas it had.
	// Seldon before 2.9 always; 2.9 and later for a Model without spec.minReplicas. How Seldon
	// does it, as recorded, is package seldon's.
	AllOrNothing Scheduling = iota
	// Partial (Seldon 2.9 and later, for a Model with spec.minReplicas) places as many replicas as
	// the Server has agents connected, at least minReplicas; the Model stays available, with
	// status.replicas the replicas placed until the rest fit.
	Partial
)

func (s Scheduling) String() string {
	if s == Partial {
		return "partial scheduling"
	}
	return "all-or-nothing scheduling"
}

// SeldonVersion is a Seldon Core release, MAJOR.MINOR (the patch does not change scheduling).
type SeldonVersion struct{ Major, Minor int }

func (v SeldonVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v is o or later.
func (v SeldonVersion) AtLeast(o SeldonVersion) bool {
	return v.Major > o.Major || v.Major == o.Major && v.Minor >= o.Minor
}

// PartialSchedulingSince is the first Seldon Core 2 release that schedules a Model with
// spec.minReplicas partially (release 2.9.0, seldon-core#6221; "Upgrading from 2.8 - 2.9").
var PartialSchedulingSince = SeldonVersion{2, 9}

// Field paths of the seldon input block.
const (
	FieldSeldonVersion          = "seldon.version"
	FieldSeldonModelAutoscaling = "seldon.modelAutoscaling"
)

// seldonVersionForm is what helm chart versions, image tags and release names look like:
// MAJOR.MINOR[.PATCH], an optional leading v, an optional pre-release or build suffix.
var seldonVersionForm = regexp.MustCompile(`^v?(\d{1,4})\.(\d{1,4})(\.\d{1,4})?([-+][0-9A-Za-z.+-]+)?$`)

// ParseSeldonVersion reads a Seldon Core version such as 2.8, 2.9.1, v2.10.0 or 2.9.0-rc1. A
// pre-release counts as its release: 2.9's release candidates already schedule partially.
func ParseSeldonVersion(s string) (SeldonVersion, error) {
	m := seldonVersionForm.FindStringSubmatch(s)
	if m == nil {
		return SeldonVersion{}, fmt.Errorf("%q is not a version of the form MAJOR.MINOR or MAJOR.MINOR.PATCH", s)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	v := SeldonVersion{major, minor}
	if major != 2 {
		return v, fmt.Errorf("%q is not a Seldon Core 2 version: this component deploys Seldon Core 2's Model and "+
			"Server resources", s)
	}
	return v, nil
}

// SeldonInput is what the user says of the Seldon installation; nil means not set.
type SeldonInput struct {
	Version          *string
	ModelAutoscaling *bool
}

// SchedulingOf is the one decision of which Seldon installs schedule a Model with spec.minReplicas
// partially: 2.9 or later with the native model autoscaler off. Elsewhere minReplicas would hand the
// Model to that autoscaler, so the Model is left all or nothing. The planner and the doctor both
// ask it.
func SchedulingOf(v SeldonVersion, modelAutoscaling bool) Scheduling {
	if v.AtLeast(PartialSchedulingSince) && !modelAutoscaling {
		return Partial
	}
	return AllOrNothing
}

// seldonScheduling settles the scheduling mode from the seldon input, with its reason. An unset
// version is taken as before 2.9, the one guess that cannot hand the Model to Seldon's own
// autoscaler: on 2.9 or later it only forgoes partial scheduling, while guessing 2.9 on an older
// Seldon (or on one with model autoscaling on) would set a minReplicas that autoscaler acts on.
func (p *planner) seldonScheduling() {
	in := p.in.Seldon
	autoscaling := in.ModelAutoscaling != nil && *in.ModelAutoscaling
	v, err := parseSeldonInput(in.Version)
	if err != nil {
		p.errs.Add(FieldSeldonVersion, "give the Seldon Core 2 version the cluster runs, e.g. 2.8 or 2.9.1 (the "+
			"seldon-core-v2 Helm chart's version or the scheduler image's tag), or remove seldon.version to be "+
			"treated as before 2.9", err.Error())
		return
	}
	if v != nil {
		p.out.Scheduling = SchedulingOf(*v, autoscaling)
	}
	var why string
	switch {
	case v == nil:
		why = "seldon.version not set: treated as before " + PartialSchedulingSince.String()
	case p.out.Scheduling == Partial:
		why = fmt.Sprintf("Seldon %s, model autoscaler off (seldon.modelAutoscaling %s): Model minReplicas = %d "+
			"loads what the Server has ready", v, modelAutoscalingText(in.ModelAutoscaling), p.out.MinReplicas)
	case !v.AtLeast(PartialSchedulingSince):
		why = fmt.Sprintf("Seldon %s, before %s: all or nothing; a Model minReplicas would switch on Seldon's "+
			"autoscaler", v, PartialSchedulingSince)
	default:
		why = fmt.Sprintf("Seldon %s with seldon.modelAutoscaling: a Model minReplicas would hand the Model to "+
			"Seldon's autoscaler, which fights the HPA", v)
	}
	p.derive("seldon", p.out.Scheduling.String(), why)
}

func parseSeldonInput(version *string) (*SeldonVersion, error) {
	if version == nil {
		return nil, nil
	}
	v, err := ParseSeldonVersion(*version)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func modelAutoscalingText(v *bool) string {
	if v == nil {
		return "not set: off, Seldon's default since 2.9"
	}
	return strconv.FormatBool(*v)
}
