// Autoscale Seldon Core 2 Models and Servers on inference RPS with HPA and prometheus-adapter, in one guarded resource.
package seldonautoscaling
