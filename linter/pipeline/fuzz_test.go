package pipeline

import (
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
)

// FuzzBuild builds pipelines from arbitrary YAML that leans on extends,
// !reference and default: (cycles, chains, fan-out, wrong types): Build
// must end, within its budgets, without a panic, and every finding must
// point into the file.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		".a: {script: [x]}\nj: {extends: .a}\n",
		".a: {extends: .b}\n.b: {extends: .a}\nj: {extends: .a, script: x}\n",
		".a: {script: [!reference [.b, script]]}\n.b: {script: [!reference [.a, script]]}\nj: {script: !reference [.a, script]}\n",
		".l0: {script: [a, a, a]}\n.l1: {script: [!reference [.l0, script], !reference [.l0, script]]}\nj: {script: !reference [.l1, script]}\n",
		"default: {image: x, before_script: [!reference [.s, x]]}\n.s: {x: [y]}\nj: {script: x, inherit: {default: false}}\n",
		"j: {extends: [.a, .b, .a], script: x}\n.a: {variables: {A: 1}}\n.b: {variables: null}\n",
		"j: {script: !reference [j, script]}\n",
		"j: {extends: 3, script: x, parallel: {matrix: [{A: [1, 2]}, {B: [3]}]}}\n",
		"stages: [!reference [.s]]\n.s: [a, b]\nj: {stage: a, script: x}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, _ := load.Parse("fuzz.yml", src, load.DefaultLimits())
		if file.Body == nil {
			return
		}
		p := Build(file.Body, nil)
		for _, fd := range p.Findings {
			if fd.Pos.File != "fuzz.yml" || fd.Pos.Line < 1 || fd.Message == "" {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}
