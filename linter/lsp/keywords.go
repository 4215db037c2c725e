package lsp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/schema"
)

// keywords answers what the schema says about a key path: which keys are
// valid under it, and the description of each. It reads our schema (the
// same document the validator compiles), so hover and completion never
// offer what lint would refuse.
type keywords struct {
	root map[string]any
	defs map[string]any
}

func loadKeywords() (*keywords, error) {
	var root map[string]any
	if err := json.Unmarshal(schema.JSON, &root); err != nil {
		return nil, fmt.Errorf("read the schema: %w", err)
	}
	defs, _ := root["$defs"].(map[string]any)
	return &keywords{root: root, defs: defs}, nil
}

// keyword is one key valid at a place, with its description.
type keyword struct {
	Name, Description string
}

// maxHops bounds the $ref and combinator hops of one lookup: the schema
// refers to itself (nested rules, trigger includes).
const maxHops = 64

// deref follows $ref.
func (k *keywords) deref(n map[string]any) map[string]any {
	for i := 0; i < maxHops && n != nil; i++ {
		ref, ok := n["$ref"].(string)
		if !ok {
			return n
		}
		next, _ := k.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if next == nil {
			return n
		}
		// A $ref with its own description keeps it (read by describe).
		n = next
	}
	return n
}

// alternatives are n and the schemas it combines (anyOf, oneOf, allOf,
// then, else, and array items), $refs followed.
func (k *keywords) alternatives(n map[string]any) []map[string]any {
	var out []map[string]any
	queue := []map[string]any{n}
	for len(queue) > 0 && len(out) < maxHops {
		c := k.deref(queue[0])
		queue = queue[1:]
		if c == nil {
			continue
		}
		out = append(out, c)
		for _, comb := range []string{"anyOf", "oneOf", "allOf"} {
			if list, ok := c[comb].([]any); ok {
				for _, x := range list {
					if m, ok := x.(map[string]any); ok {
						queue = append(queue, m)
					}
				}
			}
		}
		for _, branch := range []string{"then", "else", "items"} {
			if m, ok := c[branch].(map[string]any); ok {
				queue = append(queue, m)
			}
		}
	}
	return out
}

// child is the schema of key under n: a property, a pattern property,
// else additionalProperties.
func (k *keywords) child(n map[string]any, key string) map[string]any {
	alts := k.alternatives(n)
	for _, a := range alts {
		if props, ok := a["properties"].(map[string]any); ok {
			if m, ok := props[key].(map[string]any); ok {
				return m
			}
		}
	}
	for _, a := range alts {
		if pp, ok := a["patternProperties"].(map[string]any); ok {
			for pat, v := range pp {
				if re, err := regexp.Compile(pat); err == nil && re.MatchString(key) {
					if m, ok := v.(map[string]any); ok {
						return m
					}
				}
			}
		}
	}
	for _, a := range alts {
		if m, ok := a["additionalProperties"].(map[string]any); ok {
			return m
		}
	}
	return nil
}

// at is the schema of the value at path ("" for the root), nil when the
// schema does not know it.
func (k *keywords) at(path []string) map[string]any {
	n := k.root
	for _, p := range path {
		n = k.child(n, p)
		if n == nil {
			return nil
		}
	}
	return n
}

// describe is n's description: its own, else its $ref target's.
func (k *keywords) describe(n map[string]any) string {
	for i := 0; i < maxHops && n != nil; i++ {
		if d, ok := n["description"].(string); ok && d != "" {
			return d
		}
		ref, ok := n["$ref"].(string)
		if !ok {
			return ""
		}
		n, _ = k.defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	}
	return ""
}

// keys lists the keys valid in the mapping at path, sorted.
func (k *keywords) keys(path []string) []keyword {
	n := k.at(path)
	if n == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []keyword
	for _, a := range k.alternatives(n) {
		props, _ := a["properties"].(map[string]any)
		for name, v := range props {
			if seen[name] {
				continue
			}
			seen[name] = true
			m, _ := v.(map[string]any)
			out = append(out, keyword{Name: name, Description: k.describe(m)})
		}
	}
	slices.SortFunc(out, func(a, b keyword) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// docsLink is GitLab's keyword reference for the keyword at path (a job
// name first is skipped): its headings are the keyword path written
// with colons, which the anchors drop.
func docsLink(path []string) string {
	if len(path) == 0 {
		return ""
	}
	if !slices.Contains(pipeline.GlobalKeywords(), path[0]) {
		path = path[1:]
	}
	if len(path) == 0 {
		return ""
	}
	if len(path) > 2 {
		path = path[:2]
	}
	return "https://docs.gitlab.com/ci/yaml/#" + strings.ToLower(strings.Join(path, ""))
}
