package main

import (
	_ "embed"
	"os"
	"strings"
	"text/template"

	"github.com/seldon-autoscaling/pulumi-seldon-autoscaling/provider/pkg/inputs"
)

//go:embed inputs.md.tmpl
var inputsTemplate string

// registryRow is one input of docs/inputs.md.
type registryRow struct {
	Paths                        string
	Doc, Bounds, Default, Reason string
}

// writeInputs writes docs/inputs.md: every input with the values it accepts and its default, with
// the reason, from the registry (package inputs) that also describes them in the schema.
func writeInputs(out string) error {
	rows := make([]registryRow, len(inputs.Registry))
	for i, in := range inputs.Registry {
		rows[i] = registryRow{Paths: "`" + strings.Join(in.Paths, "`, `") + "`", Doc: cell(in.Doc),
			Bounds: cell(in.Bounds), Default: cell(in.Default), Reason: cell(in.Reason)}
	}
	tmpl, err := template.New("inputs").Parse(inputsTemplate)
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, rows); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}
