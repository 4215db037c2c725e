package include

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// wildcardRegexp turns an include:local pattern into the regular expression
// GitLab matches repository paths with: the pattern is escaped, then `**/`
// matches any run of directories (or none), `**` anything including `/`,
// and `*` anything but `/`. No other character is special.
func wildcardRegexp(pattern string) (*regexp.Regexp, error) {
	s := regexp.QuoteMeta(strings.TrimPrefix(pattern, "/"))
	s = strings.ReplaceAll(s, `\*\*/`, `(.*?/)?`)
	s = strings.ReplaceAll(s, `\*\*`, `.*?`)
	s = strings.ReplaceAll(s, `\*`, `[^/]*?`)
	return regexp.Compile("^" + s + "$")
}

// maxRepoFiles bounds the walk of the repository for wildcard includes.
const maxRepoFiles = 200_000

// Repo is a repository whose files include:local wildcards and
// rules:exists patterns are matched against: the linted project, or a
// local catalog whose component includes its own files. It lists the files
// once, on first use.
type Repo struct {
	root  string
	once  sync.Once
	files []string
}

// NewRepo is the repository rooted at dir.
func NewRepo(dir string) *Repo { return &Repo{root: dir} }

// Files lists the files under the root as slash-separated relative paths,
// sorted, skipping .git, at most maxRepoFiles of them.
func (repo *Repo) Files() []string {
	repo.once.Do(repo.list)
	return repo.files
}

func (repo *Repo) list() {
	repo.files = []string{}
	filepath.WalkDir(repo.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() && len(repo.files) < maxRepoFiles {
			rel, err := filepath.Rel(repo.root, path)
			if err == nil {
				repo.files = append(repo.files, filepath.ToSlash(rel))
			}
		}
		return nil
	})
	sort.Strings(repo.files)
}

// match returns the repository files a wildcard pattern names.
func (r *Resolver) match(pattern string) ([]string, error) {
	re, err := wildcardRegexp(pattern)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range r.repo.Files() {
		if re.MatchString(f) {
			out = append(out, f)
		}
	}
	return out, nil
}
