package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/doctor"
)

// exitCode is an outcome that sets the exit code without being an error to report: the doctor's
// 1 (a check failed) and 2 (could not check).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

type doctorOptions struct {
	kubeconfig, context, namespace, model, promURL, output string
	wait                                                   time.Duration
}

// addClusterFlags registers how the doctor and `plan --from-prometheus` reach the cluster and its
// Prometheus.
func addClusterFlags(fs *flag.FlagSet, o *doctorOptions) {
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, then ~/.kube/config)")
	fs.StringVar(&o.context, "context", "", "kubeconfig context (default: the current context)")
	fs.StringVar(&o.namespace, "namespace", "", "namespace of the Models (default: the context's, else default)")
	fs.StringVar(&o.namespace, "n", "", "shorthand for --namespace")
	fs.StringVar(&o.promURL, "prometheus-url", "",
		"Prometheus URL (default: the adapter's --prometheus-url, through the API server's service proxy)")
}

// runDoctor checks a live cluster's autoscaling end to end (issue 14); it changes nothing.
func runDoctor(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("doctor", stderr)
	var o doctorOptions
	addClusterFlags(fs, &o)
	fs.StringVar(&o.model, "model", "", "check one Model by name (default: every Model SeldonAutoscaledModel autoscales)")
	fs.StringVar(&o.output, "output", "table", "table or json")
	fs.DurationVar(&o.wait, "wait", 0, "re-check until every check passes or this time is up, with progress on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.output != "table" && o.output != "json" {
		return fmt.Errorf("--output %q: use table or json", o.output)
	}
	g, err := newGatherer(o)
	if err != nil {
		fmt.Fprintf(stderr, "seldon-autoscaling doctor: could not check: %v\n", err)
		return exitCode(2)
	}
	report, err := diagnose(g, o.wait, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "seldon-autoscaling doctor: %v\n", err)
		return exitCode(2)
	}
	if o.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	} else {
		err = report.WriteTable(stdout)
	}
	if err != nil {
		return err
	}
	if report.ExitCode != 0 {
		return exitCode(report.ExitCode)
	}
	return nil
}

// newGatherer reads the kubeconfig as kubectl does: --kubeconfig, else KUBECONFIG's files, else
// ~/.kube/config; --context, else the current context.
func newGatherer(o doctorOptions) (*gatherer, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: o.context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, err
	}
	ns := o.namespace
	if ns == "" {
		if ns, _, err = cc.Namespace(); err != nil {
			return nil, err
		}
	}
	g := &gatherer{namespace: ns, model: o.model, rest: cfg}
	if o.promURL != "" {
		p := urlProm(o.promURL)
		g.prom = &p
	}
	if g.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err
	}
	if g.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, err
	}
	return g, nil
}

// diagnose gathers and judges once, or until every check passes or wait is up.
func diagnose(g *gatherer, wait time.Duration, progress io.Writer) (doctor.Report, error) {
	deadline := time.Now().Add(wait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := g.snapshot(ctx)
		cancel()
		if err != nil {
			var cnc couldNotCheck
			if errors.As(err, &cnc) || wait == 0 || time.Now().After(deadline) {
				return doctor.Report{}, err
			}
			fmt.Fprintf(progress, "doctor: %v; re-checking\n", err)
		} else {
			results := doctor.Diagnose(s)
			report := doctor.NewReport(s.Namespace, results)
			if wait == 0 || doctor.AllOK(results) || time.Now().After(deadline) {
				return report, nil
			}
			var open []string
			for _, r := range results {
				if r.Verdict != doctor.OK {
					open = append(open, fmt.Sprintf("%d %s %s (%s)", r.Check, r.Name, r.Verdict, r.Subject))
				}
			}
			fmt.Fprintf(progress, "doctor: %s left; waiting: %s\n",
				time.Until(deadline).Round(time.Second), strings.Join(open, ", "))
		}
		time.Sleep(min(5*time.Second, max(time.Until(deadline), 0)))
	}
}
