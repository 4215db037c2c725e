package validate

import (
	"strings"

	"gitlab.com/trustci/cicd/linter/load"
)

// Jobs in one pipeline repeat values: what a template gives every job that
// extends it (`rules`, `image`, `before_script`, `cache`, `tags`), and
// keywords set the same way throughout. A job's schema is a plain mapping
// of independent keywords (`properties` and no other key-spanning
// constraint), so a keyword's value is valid in every job if it is valid in
// one. plan validates each distinct (keyword, value) once: the first job
// that has it validates it; the others leave it out. If the job that
// validated a value had any finding, the jobs that skipped it are validated
// again in full, so every bad value is still reported at each place it
// appears.

// entryPlan is what one top-level entry is validated as.
type entryPlan struct {
	doc  *load.Node // the entry, less the values another entry validates
	full *load.Node // the whole entry
	reps []int      // the entries that validate the values left out
}

// plan builds the per-entry documents of root (a mapping).
func (v *Validator) plan(root *load.Node) []entryPlan {
	plans := make([]entryPlan, len(root.Pairs))
	first := map[string]int{}
	// The same node (a value shared through extends or an anchor) has the
	// same canonical text: look it up by identity before writing that
	// text, which for a large shared value would otherwise be written
	// again for every job that has it.
	type shared struct {
		key  string
		node *load.Node
	}
	seen := map[shared]int{}
	var b strings.Builder
	for i, p := range root.Pairs {
		one := &load.Node{Kind: load.Map, Pos: root.Pos, Pairs: root.Pairs[i : i+1]}
		plans[i] = entryPlan{doc: one, full: one}
		name := p.Key.Name()
		if v.globals == nil || p.Value == nil || p.Value.Kind != load.Map || strings.HasPrefix(name, ".") || v.globals[name] {
			continue
		}
		var kept []load.Pair
		for _, kv := range p.Value.Pairs {
			if r, ok := seen[shared{kv.Key.Name(), kv.Value}]; ok && kv.Value != nil {
				plans[i].reps = append(plans[i].reps, r)
				continue
			}
			b.Reset()
			b.WriteString(kv.Key.Name())
			b.WriteByte(0)
			load.WriteCanonical(&b, kv.Value)
			key := b.String()
			if r, ok := first[key]; ok {
				plans[i].reps = append(plans[i].reps, r)
				seen[shared{kv.Key.Name(), kv.Value}] = r
				continue
			}
			first[key] = i
			seen[shared{kv.Key.Name(), kv.Value}] = i
			kept = append(kept, kv)
		}
		if len(plans[i].reps) > 0 {
			job := *p.Value
			job.Pairs = kept
			plans[i].doc = &load.Node{Kind: load.Map, Pos: root.Pos, Pairs: []load.Pair{{Key: p.Key, Value: &job}}}
		}
	}
	return plans
}
