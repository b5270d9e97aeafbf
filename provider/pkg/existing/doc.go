// Package existing is the check a component runs before it declares anything: it reads the
// cluster the children deploy to (the Kubernetes provider's own settings, one unthrottled client
// per cluster, reads coalesced into listings), and lets package ownership decide which objects
// may be created, taken over or merged. Thin on purpose: client-go and the Pulumi context in,
// ownership's decision out.
package existing
