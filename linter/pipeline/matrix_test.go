package pipeline

import (
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// Translated from spec/lib/gitlab/ci/config/entry/product/matrix_spec.rb,
// describe '#number_of_generated_jobs'.
func TestMatrixSize(t *testing.T) {
	tests := []struct {
		name   string
		matrix string
		want   int
	}{
		{"empty", "[]", 0},
		{"one variable", "[{VAR_1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}]", 10},
		{"two variables", "[{VAR_1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], VAR_2: [1, 2, 3, 4, 5]}]", 50},
		{"two sets", "[{VAR_1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], VAR_2: [1, 2, 3, 4, 5]}, {VAR_3: [1, 2], VAR_4: [1, 2, 3]}]", 56},
		{"scalars", "[{PROVIDER: aws, STACK: [monitoring, app1, app2]}, {PROVIDER: vultr, STACK: data}]", 4},
		{"not a list", "{A: [1]}", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, fs := load.Parse("m.yml", []byte("m: "+tt.matrix+"\n"), load.DefaultLimits())
			if len(fs) > 0 {
				t.Fatal(fs)
			}
			if got := MatrixSize(f.Body.Get("m")); got != tt.want {
				t.Errorf("MatrixSize = %d; want %d", got, tt.want)
			}
		})
	}
}
