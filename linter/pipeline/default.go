package pipeline

import (
	"slices"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/suggest"
)

// inheritable are the keywords `default:` can set for every job.
func inheritable() []string {
	return []string{"after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens",
		"image", "interruptible", "retry", "services", "tags", "timeout"}
}

// defaultsOf collects the default values for jobs: `default:` first, then
// the deprecated top-level image, services, cache, before_script and
// after_script where `default:` does not set them.
func defaultsOf(config *load.Node) []load.Pair {
	var out []load.Pair
	if d := config.Get("default"); d != nil && d.Kind == load.Map {
		for _, p := range d.Pairs {
			if slices.Contains(inheritable(), p.Key.Name()) && p.Value != nil && p.Value.Kind != load.Null {
				out = append(out, p)
			}
		}
	}
	for _, k := range []string{"image", "services", "cache", "before_script", "after_script"} {
		if p := config.Pair(k); p != nil && p.Value != nil && p.Value.Kind != load.Null && !slices.ContainsFunc(out, func(q load.Pair) bool { return q.Key.Name() == k }) {
			out = append(out, *p)
		}
	}
	return out
}

// applyDefaults returns job with the defaults it inherits for keys it does
// not set itself, as `inherit:default` allows (true, false or a list).
func applyDefaults(job *load.Node, defaults []load.Pair) *load.Node {
	if len(defaults) == 0 {
		return job
	}
	allow := func(string) bool { return true }
	if inh := job.Get("inherit"); inh != nil && inh.Kind == load.Map {
		if d := inh.Get("default"); d != nil {
			switch d.Kind {
			case load.Bool:
				if !d.Bool {
					return job
				}
			case load.Seq:
				allow = func(k string) bool {
					return slices.ContainsFunc(d.Items, func(n *load.Node) bool { return n != nil && n.Name() == k })
				}
			}
		}
	}
	out := job
	for _, p := range defaults {
		// A key written without a value is not given: GitLab makes it an
		// Unspecified entry, and the default takes its place (processable.rb,
		// overwrite_entry).
		if own := job.Pair(p.Key.Name()); (own == nil || own.Value == nil || own.Value.Kind == load.Null) && allow(p.Key.Name()) {
			out = load.With(out, p.Key, p.Value)
		}
	}
	return out
}

// closestKey suggests a top-level key close to name.
func closestKey(config *load.Node, name string) string {
	keys := make([]string, 0, len(config.Pairs))
	for _, p := range config.Pairs {
		keys = append(keys, p.Key.Name())
	}
	return suggest.Closest(name, keys)
}
