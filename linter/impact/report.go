package impact

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Report is the outcome of one impact run (or of a shard of one).
type Report struct {
	// Catalog is the prefix whose change was checked.
	Catalog string `json:"catalog"`
	// Shard is set on the report of one shard (--shard I/N); a merged or
	// unsharded report has none.
	Shard *Shard `json:"shard,omitempty"`
	// Scanned is how many projects were looked at (in group mode, also
	// those that do not use the catalog).
	Scanned   int   `json:"scanned"`
	Consumers []Row `json:"consumers"`
}

// Row is one consumer: what it uses, how many findings it had with the
// released catalog and with the change, and the errors the change adds.
type Row struct {
	Consumer string `json:"consumer"`
	Uses     []Use  `json:"uses"`
	// Before and After count every finding (all severities).
	Before    int       `json:"findings_before"`
	After     int       `json:"findings_after"`
	NewErrors []Problem `json:"new_errors"`
	// Error says why the consumer could not be linted (the report is
	// incomplete); Skipped why it was not tried (its configuration is not
	// its own file).
	Error   string `json:"error,omitempty"`
	Skipped string `json:"skipped,omitempty"`
}

// Use is one component of the catalog a consumer includes, at the
// version it pins.
type Use struct {
	Component string `json:"component"`
	Version   string `json:"version"`
}

// Problem is an error the change introduces, at its place in the
// consumer (the include, for what happens inside a template).
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Template is where in the changed catalog it happens, when it is not
	// the consumer's own file (templates/<name>/template.yml:LINE).
	Template string `json:"template,omitempty"`
}

// Failed reports whether the change breaks a consumer.
func (r *Report) Failed() bool {
	for _, c := range r.Consumers {
		if len(c.NewErrors) > 0 {
			return true
		}
	}
	return false
}

// Unlinted counts the consumers that could not be linted.
func (r *Report) Unlinted() int {
	n := 0
	for _, c := range r.Consumers {
		if c.Error != "" {
			n++
		}
	}
	return n
}

func (r *Report) sort() {
	sort.Slice(r.Consumers, func(i, j int) bool { return r.Consumers[i].Consumer < r.Consumers[j].Consumer })
	for i := range r.Consumers {
		if r.Consumers[i].Uses == nil {
			r.Consumers[i].Uses = []Use{}
		}
		if r.Consumers[i].NewErrors == nil {
			r.Consumers[i].NewErrors = []Problem{}
		}
	}
	if r.Consumers == nil {
		r.Consumers = []Row{}
	}
}

// JSON writes the report for tools (and for `cilint impact merge`).
func (r *Report) JSON(w io.Writer) error {
	r.sort()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Text writes the table, then each new error at its place.
func (r *Report) Text(w io.Writer) error {
	r.sort()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONSUMER\tUSES\tBEFORE\tAFTER\tNEW ERRORS")
	for _, c := range r.Consumers {
		var uses []string
		for _, u := range c.Uses {
			uses = append(uses, u.Component+"@"+u.Version)
		}
		news := fmt.Sprint(len(c.NewErrors))
		before, after := fmt.Sprint(c.Before), fmt.Sprint(c.After)
		if c.Error != "" {
			news, before, after = "not linted", "-", "-"
		}
		if c.Skipped != "" {
			news, before, after = "skipped", "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", clean(c.Consumer), clean(strings.Join(uses, " ")), before, after, news)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, c := range r.Consumers {
		if c.Error != "" {
			fmt.Fprintf(w, "%s: not linted: %s\n", clean(c.Consumer), clean(c.Error))
		}
		if c.Skipped != "" {
			fmt.Fprintf(w, "%s: skipped: %s\n", clean(c.Consumer), clean(c.Skipped))
		}
		for _, p := range c.NewErrors {
			at := ""
			if p.Template != "" {
				at = " (in " + clean(p.Template) + ")"
			}
			fmt.Fprintf(w, "%s:%d:%d: error: %s%s [%s]\n", clean(p.File), p.Line, p.Column, clean(p.Message), at, clean(p.Rule))
		}
	}
	broken := 0
	for _, c := range r.Consumers {
		if len(c.NewErrors) > 0 {
			broken++
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d consumers break with the change (%d projects scanned)\n", broken, len(r.Consumers), r.Scanned)
	return err
}

// clean keeps what a pipeline or a project names from driving the
// terminal: control characters are shown as escapes.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

// Merge joins the reports of the shards of one run: every shard of the
// same total once, of the same catalog. The result is the report the run
// would have made unsharded.
func Merge(reports []*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("no report to merge")
	}
	out := &Report{Catalog: reports[0].Catalog}
	seen := map[int]bool{}
	total := 0
	for i, r := range reports {
		if r.Catalog != out.Catalog {
			return nil, fmt.Errorf("report %d is about catalog %s, not %s", i+1, r.Catalog, out.Catalog)
		}
		if r.Shard == nil {
			if len(reports) > 1 {
				return nil, fmt.Errorf("report %d is not the report of a shard", i+1)
			}
		} else {
			if total == 0 {
				total = r.Shard.Total
			}
			if r.Shard.Total != total {
				return nil, fmt.Errorf("report %d is shard %s, of another split than 1/%d", i+1, r.Shard, total)
			}
			if seen[r.Shard.Index] {
				return nil, fmt.Errorf("shard %s is given twice", r.Shard)
			}
			seen[r.Shard.Index] = true
		}
		out.Scanned += r.Scanned
		out.Consumers = append(out.Consumers, r.Consumers...)
	}
	if total > 0 && len(seen) != total {
		var missing []string
		for i := 1; i <= total; i++ {
			if !seen[i] {
				missing = append(missing, fmt.Sprintf("%d/%d", i, total))
			}
		}
		return nil, fmt.Errorf("the reports of shards %s are missing", strings.Join(missing, ", "))
	}
	names := map[string]bool{}
	for _, c := range out.Consumers {
		if names[c.Consumer] {
			return nil, fmt.Errorf("consumer %s is in two shards' reports", c.Consumer)
		}
		names[c.Consumer] = true
	}
	out.sort()
	return out, nil
}

// Decode reads a report written by JSON, strictly: a merge must not
// silently drop what it does not understand.
func Decode(rd io.Reader) (*Report, error) {
	dec := json.NewDecoder(io.LimitReader(rd, 64<<20))
	dec.DisallowUnknownFields()
	var r Report
	if err := dec.Decode(&r); err != nil {
		return nil, err
	}
	return &r, nil
}
