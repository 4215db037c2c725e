package impact

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Shard is one part of a split project list: --shard I/N, I from 1 (as
// GitLab's CI_NODE_INDEX/CI_NODE_TOTAL of a `parallel: N` job).
type Shard struct {
	Index int `json:"index"`
	Total int `json:"total"`
}

// maxShards is GitLab's limit on `parallel:` (200).
const maxShards = 200

// ParseShard reads I/N.
func ParseShard(s string) (*Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	index, err1 := strconv.Atoi(i)
	total, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || total < 1 || total > maxShards || index < 1 || index > total {
		return nil, fmt.Errorf("--shard %q: want I/N with 1 <= I <= N <= %d (CI_NODE_INDEX/CI_NODE_TOTAL)", s, maxShards)
	}
	return &Shard{Index: index, Total: total}, nil
}

func (s *Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Total) }

// Holds says whether the project (by its path) belongs to this shard. The
// split hashes the path, so a project stays in its shard when
// others are added or removed, and every shard of a run agrees without
// talking to the others. SHA-256 rather than a short hash: FNV's low bits,
// which a small modulus keeps, follow the paths' last characters.
func (s *Shard) Holds(path string) bool {
	if s == nil {
		return true
	}
	sum := sha256.Sum256([]byte(path))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(s.Total)) == s.Index-1
}
