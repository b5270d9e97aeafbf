package doctor

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/policy"
)

// Seldon is the Seldon Core 2 install that serves the namespace, as its scheduler runs.
type Seldon struct {
	// Scheduler names the scheduler workload read (namespace/name); empty when none was found.
	Scheduler string
	// Version is the scheduler image's tag without a leading v ("2.10.2"); empty when unknown.
	Version string
	// ModelAutoscaling and ServerAutoscaling are the scheduler's --enable-model-autoscaling and
	// --enable-server-autoscaling, Seldon's native lag-based Model autoscaler and its Server
	// autoscaler (which scales a Server with minReplicas/maxReplicas in its spec).
	ModelAutoscaling, ServerAutoscaling bool
}

// SchedulerSeldon reads a Seldon scheduler container: the version from its image tag, and the
// autoscaling switches from its arguments (a $(VAR) argument resolved from env, as the kubelet
// expands it), with the scheduler's defaults when absent: model autoscaling off, server
// autoscaling on from 2.9 (seldon-scheduler's flag definitions).
func SchedulerSeldon(scheduler, image string, args []string, env map[string]string) Seldon {
	s := Seldon{Scheduler: scheduler, Version: imageTag(image)}
	s.ServerAutoscaling = s.atLeast29() || s.Version == ""
	for _, a := range args {
		a = expandEnv(a, env)
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		on := !hasValue
		if hasValue {
			on, _ = strconv.ParseBool(value)
		}
		switch name {
		case "enable-model-autoscaling":
			s.ModelAutoscaling = on
		case "enable-server-autoscaling":
			s.ServerAutoscaling = on
		}
	}
	return s
}

func imageTag(image string) string {
	image, _, _ = strings.Cut(image, "@") // a digest is no version
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return ""
	}
	return strings.TrimPrefix(image[i+1:], "v")
}

func expandEnv(arg string, env map[string]string) string {
	for k, v := range env {
		arg = strings.ReplaceAll(arg, "$("+k+")", v)
	}
	return arg
}

// atLeast29 says whether the version schedules partially (policy.PartialSchedulingSince) and has
// native server autoscaling and the --enable-model-autoscaling switch; false when unknown.
func (s Seldon) atLeast29() bool {
	v, err := policy.ParseSeldonVersion(s.Version)
	return err == nil && v.AtLeast(policy.PartialSchedulingSince)
}

// PartialScheduling says whether a Model's minReplicas means partial scheduling alone: Seldon 2.9+
// with native model autoscaling off. Otherwise it also hands the Model to Seldon's autoscaler
// (before 2.9, or with model autoscaling on).
func (s Seldon) PartialScheduling() bool {
	v, err := policy.ParseSeldonVersion(s.Version)
	return err == nil && policy.SchedulingOf(v, s.ModelAutoscaling) == policy.Partial
}

// text is the install in one line, for the evidence.
func (s Seldon) text() string {
	if s.Scheduler == "" {
		return "no Seldon scheduler found in the namespace: version unknown, judged as Seldon before 2.9"
	}
	version := s.Version
	if version == "" {
		version = "of unknown version"
	}
	onOff := map[bool]string{true: "on", false: "off"}
	return fmt.Sprintf("Seldon %s (scheduler %s): native model autoscaling %s, native server autoscaling %s",
		version, s.Scheduler, onOff[s.ModelAutoscaling], onOff[s.ServerAutoscaling])
}
