package include

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/finding"
	"gitlab.com/trustci/cicd/linter/inputs"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/repo"
	"gitlab.com/trustci/cicd/linter/tree"
)

// Cache holds what several resolutions of one lint share: the files read
// from disk and parsed, the repositories' file lists, and the parsed
// content of component templates and fetched files. The variants of a
// pipeline with undecided include:rules and its child pipelines resolve
// the same files again and again; each is read and parsed once. Loaded
// files are never changed afterwards (merging builds new mappings), so
// sharing them is safe. A Cache is for one lint of one file: the files on
// disk are taken not to change while it lives. It is safe for concurrent
// use; local files named by one include: list are read and parsed at the
// same time, up to GOMAXPROCS at once.
type Cache struct {
	shared *Parses // nil: parses live as long as the Cache
	mu     sync.Mutex
	reads  map[readKey]*readEntry
	parses map[parseKey]*parsed
	repos  map[string]*repo.Checkout
	sem    chan struct{}
	exprs  *expr.Memo
	// regexes compiles spec:inputs regexes: the shared Parses' when
	// there is one, so a long-lived Linter compiles each pattern once.
	regexes *inputs.RegexMemo
}

// Parses keeps parsed files by name and content across lints (a
// long-lived Linter's, cilint lsp's): an unchanged file is not parsed
// again. Loaded files are never changed after loading, so sharing them
// between lints is as safe as within one. Sweep drops what the lints
// since the previous sweep did not use, so an edited buffer's old texts
// do not pile up.
type Parses struct {
	mu        sync.Mutex
	cur, prev map[parseKey]*parsed
	regexes   *inputs.RegexMemo // the headers' input regexes, swept with the parses
}

// NewParses makes an empty Parses.
func NewParses() *Parses {
	return &Parses{cur: map[parseKey]*parsed{}, prev: map[parseKey]*parsed{}, regexes: inputs.NewRegexMemo()}
}

func (p *Parses) get(k parseKey) (*parsed, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.cur[k]
	if !ok {
		if e, ok = p.prev[k]; ok {
			p.cur[k] = e
		}
	}
	return e, ok
}

func (p *Parses) put(k parseKey, e *parsed) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur[k] = e
}

// Sweep forgets the files no lint used since the previous Sweep.
func (p *Parses) Sweep() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prev, p.cur = p.cur, map[parseKey]*parsed{}
	p.regexes.Sweep()
}

// NewCacheWith makes an empty Cache whose parses are kept in shared.
func NewCacheWith(shared *Parses) *Cache {
	c := NewCache()
	c.shared = shared
	c.regexes = shared.regexes
	return c
}

// NewCache makes an empty Cache.
func NewCache() *Cache {
	return &Cache{reads: map[readKey]*readEntry{}, parses: map[parseKey]*parsed{}, repos: map[string]*repo.Checkout{},
		sem: make(chan struct{}, runtime.GOMAXPROCS(0)), exprs: expr.NewMemo(), regexes: inputs.NewRegexMemo()}
}

type readKey struct {
	abs, display string
	lim          load.Limits
}

// readEntry is one file read from disk: done is closed once file, found
// and err are set.
type readEntry struct {
	done  chan struct{}
	file  *load.File
	found []finding.Finding
	err   error
}

type parseKey struct {
	name, src string
	lim       load.Limits
}

type parsed struct {
	file  *load.File
	found []finding.Finding
}

// repo returns the repository rooted at dir, listing its files once.
func (c *Cache) repo(dir string) *repo.Checkout {
	c.mu.Lock()
	defer c.mu.Unlock()
	rp, ok := c.repos[dir]
	if !ok {
		rp = repo.NewCheckout(dir)
		c.repos[dir] = rp
	}
	return rp
}

// Repo is the checkout rooted at dir, shared with every resolution that
// uses the cache.
func (c *Cache) Repo(dir string) *repo.Checkout { return c.repo(dir) }

// Exprs parses the expressions of include:rules (and whatever else the
// lint using the cache reads) once.
func (c *Cache) Exprs() *expr.Memo { return c.exprs }

// entry returns the read of abs (named display in findings), and whether
// the caller created it and so must fill it.
func (c *Cache) entry(k readKey) (*readEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.reads[k]; ok {
		return e, false
	}
	e := &readEntry{done: make(chan struct{})}
	c.reads[k] = e
	return e, true
}

func (e *readEntry) fill(c *Cache, k readKey, read tree.ReadFunc) {
	defer close(e.done)
	if c.shared == nil {
		e.file, e.found, e.err = load.ReadVia(read, k.display, k.lim)
		return
	}
	// Read as load.ReadVia does, then parse through the shared parses.
	src, err := read.Read(k.display, k.lim.MaxBytes)
	if err != nil {
		e.err = err
		return
	}
	e.file, e.found = c.parse(k.display, src, k.lim)
}

// prefetch starts reading abs in the background, unless it is read or
// being read already, or ctx is done.
func (c *Cache) prefetch(ctx context.Context, read tree.ReadFunc, abs, display string, lim load.Limits) {
	if ctx.Err() != nil {
		return
	}
	k := readKey{abs, display, lim}
	e, mine := c.entry(k)
	if !mine {
		return
	}
	go func() {
		select {
		case c.sem <- struct{}{}:
			defer func() { <-c.sem }()
			e.fill(c, k, read)
		case <-ctx.Done():
			e.err = fmt.Errorf("read %s: %w", display, ctx.Err())
			close(e.done)
		}
	}()
}

// read returns the file at abs loaded, reading it now unless it was read
// (or is being read) already.
func (c *Cache) read(read tree.ReadFunc, abs, display string, lim load.Limits) (*load.File, []finding.Finding, error) {
	k := readKey{abs, display, lim}
	e, mine := c.entry(k)
	if mine {
		e.fill(c, k, read)
	} else {
		<-e.done
	}
	return e.file, e.found, e.err
}

// parse loads src, read from name, once per name and content.
func (c *Cache) parse(name string, src []byte, lim load.Limits) (*load.File, []finding.Finding) {
	k := parseKey{name, string(src), lim}
	c.mu.Lock()
	p, ok := c.parses[k]
	c.mu.Unlock()
	if ok {
		return p.file, p.found
	}
	if c.shared != nil {
		if p, ok := c.shared.get(k); ok {
			c.mu.Lock()
			c.parses[k] = p
			c.mu.Unlock()
			return p.file, p.found
		}
	}
	f, fs := load.Parse(name, src, lim)
	if c.shared != nil {
		c.shared.put(k, &parsed{f, fs})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.parses[k]; ok {
		return p.file, p.found
	}
	c.parses[k] = &parsed{f, fs}
	return f, fs
}
