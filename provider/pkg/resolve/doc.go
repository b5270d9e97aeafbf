// Package resolve decides, from the components' inputs as plain values, everything they will
// declare: the Model, its Server, the HPAs' policy (through the planner, package policy) and the
// prometheus-adapter setup, with the derivations that say why and the refusals that name each bad
// input, its problem and its fix, all at once. Each refusal also records the input blocks its
// check read, from which the preview rule for unknown inputs follows (KnownRefusals).
//
// Pure: no Pulumi, no client-go. The Prometheus credentials are only "set or not" here
// (Credential); their contents are checked in Construct, where they are known. Package component
// keeps the schema (Args, with the descriptions) and Construct, which declares what Resolve
// decided; package existing reads the cluster before anything is created.
package resolve
