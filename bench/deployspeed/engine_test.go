package deployspeed

import (
	"reflect"
	"slices"
	"testing"
)

func TestParseEngineSettings(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		want    []EngineSetting
		flags   [][]string
		wantErr bool
	}{
		{spec: "default", want: []EngineSetting{{}}, flags: [][]string{nil}},
		{
			spec:  DefaultEngineSettings,
			want:  []EngineSetting{{}, {Parallel: 4}, {Parallel: 16}, {Parallel: 32}, {SkipCheckpoints: true}},
			flags: [][]string{nil, {"--parallel=4"}, {"--parallel=16"}, {"--parallel=32"}, nil},
		},
		{
			spec:  "default, parallel=4+skip-checkpoints",
			want:  []EngineSetting{{}, {Parallel: 4, SkipCheckpoints: true}},
			flags: [][]string{nil, {"--parallel=4"}},
		},
		{spec: "parallel=0", wantErr: true},
		{spec: "parallel=x", wantErr: true},
		{spec: "default,fast", wantErr: true},
		{spec: "", wantErr: true},
	} {
		got, err := ParseEngineSettings(tc.spec)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.spec, err, tc.wantErr)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.spec, got, tc.want)
		}
		for i, e := range got {
			if again, err := ParseEngineSettings(e.Name()); err != nil || again[0] != e {
				t.Errorf("%q: %s does not read back (%v, %v)", tc.spec, e.Name(), again, err)
			}
			if !slices.Equal(e.flags(), tc.flags[i]) {
				t.Errorf("%q: %s has flags %v, want %v", tc.spec, e.Name(), e.flags(), tc.flags[i])
			}
			if _, ok := e.env()["PULUMI_SKIP_CHECKPOINTS"]; ok != e.SkipCheckpoints {
				t.Errorf("%q: %s sets PULUMI_SKIP_CHECKPOINTS: %v", tc.spec, e.Name(), ok)
			}
		}
	}
}
