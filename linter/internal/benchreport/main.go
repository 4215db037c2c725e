// Command benchreport prints, from one run, the ratios issue 16 sets
// targets for: whole-process cilint against a bare yaml.v3 decode of the
// same files (the floor) at 500 and 5,000 generated jobs, how time grows
// from 500 to 5,000 jobs, the example pipeline against its floor, start-up
// against `cilint version` and an empty Go program, --shellcheck on 500
// scripts, and render's peak memory against lint's. `make bench-report`
// builds the binaries and runs it.
//
// Each comparison runs the two commands in turn (A B A B ...) after a
// warm-up and quotes the median of the pairwise ratios, so that a machine
// whose speed drifts during the run still gives a fair ratio. Times are
// the operating system's accounting of each finished process (user+sys,
// children included: ShellCheck's processes count) and its wall time.
// It is a report for people, never a test: nothing here fails on a slow
// machine.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"gitlab.com/trustci/cicd/linter/internal/benchgen"
)

func main() {
	cilint := flag.String("cilint", "", "the cilint binary")
	floor := flag.String("floor", "", "the yaml.v3 decode program")
	trivial := flag.String("trivial", "", "an empty Go program")
	repo := flag.String("repo", ".", "this repository (for the example pipeline)")
	verify := flag.String("gitlab-ci-verify", "", "gitlab-ci-verify, to compare --shellcheck with (optional)")
	runs := flag.Int("n", 5, "counted runs of each command")
	flag.Parse()
	if *cilint == "" || *floor == "" || *trivial == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*cilint, *floor, *trivial, *repo, *verify, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// sample is one finished process.
type sample struct {
	cpu, wall time.Duration
	rssKB     int64
}

func measure(dir string, argv []string) (sample, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		return sample{}, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	st := cmd.ProcessState
	s := sample{cpu: st.UserTime() + st.SystemTime(), wall: wall}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		s.rssKB = ru.Maxrss
	}
	return s, nil
}

// pair runs a and b in turn n times after one warm-up of each.
func pair(dir string, a, b []string, n int) (as, bs []sample, err error) {
	for i := -1; i < n; i++ {
		sa, err := measure(dir, a)
		if err != nil {
			return nil, nil, err
		}
		sb, err := measure(dir, b)
		if err != nil {
			return nil, nil, err
		}
		if i >= 0 {
			as, bs = append(as, sa), append(bs, sb)
		}
	}
	return as, bs, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ratios are the medians of the pairwise cpu and wall ratios a/b.
func ratios(as, bs []sample) (cpu, wall float64) {
	var c, w []float64
	for i := range as {
		c = append(c, as[i].cpu.Seconds()/max(bs[i].cpu.Seconds(), 1e-4))
		w = append(w, as[i].wall.Seconds()/max(bs[i].wall.Seconds(), 1e-4))
	}
	return median(c), median(w)
}

func med(ss []sample, f func(sample) float64) float64 {
	var xs []float64
	for _, s := range ss {
		xs = append(xs, f(s))
	}
	return median(xs)
}

func cpuOf(s sample) float64  { return s.cpu.Seconds() }
func wallOf(s sample) float64 { return s.wall.Seconds() }
func rssOf(s sample) float64  { return float64(s.rssKB) / 1024 }

// row prints one figure with its target.
func row(name string, got float64, target string, met bool) {
	verdict := "met"
	if !met {
		verdict = "NOT MET"
	}
	fmt.Printf("%-52s %8.2f   target %-8s %s\n", name, got, target, verdict)
}

func run(cilint, floor, trivial, repo, verify string, n int) error {
	tmp, err := os.MkdirTemp("", "cilint-bench-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	lint := func(dir string, extra ...string) []string {
		return append([]string{cilint, "lint", "--offline", "--root", dir, "--format", "json"}, extra...)
	}
	projects := map[int][]string{}
	for _, sz := range []struct{ jobs, parts int }{{500, 50}, {5000, 100}} {
		dir := filepath.Join(tmp, fmt.Sprint(sz.jobs))
		files, err := benchgen.Project(dir, sz.jobs, sz.parts)
		if err != nil {
			return err
		}
		projects[sz.jobs] = files
	}
	fmt.Printf("whole processes, %d paired runs after a warm-up, medians; cpu = user+sys (children included)\n\n", n)

	var lintTimes = map[int][]sample{}
	for _, jobs := range []int{500, 5000} {
		files := projects[jobs]
		dir := filepath.Dir(files[0])
		a, b, err := pair(dir, lint(dir, files[0]), append([]string{floor}, files...), n)
		if err != nil {
			return err
		}
		lintTimes[jobs] = a
		c, w := ratios(a, b)
		fmt.Printf("%d jobs in %d files: cilint %.3f s cpu %.3f s wall, floor %.3f s cpu %.3f s wall\n",
			jobs, len(files)-1, med(a, cpuOf), med(a, wallOf), med(b, cpuOf), med(b, wallOf))
		row(fmt.Sprintf("cilint / floor, %d jobs (cpu)", jobs), c, "<= 2", c <= 2)
		row(fmt.Sprintf("cilint / floor, %d jobs (wall)", jobs), w, "<= 2", w <= 2)
	}
	growth := med(lintTimes[5000], cpuOf) / med(lintTimes[500], cpuOf)
	row("5,000-job / 500-job time (cpu)", growth, "<= 11", growth <= 11)
	growthWall := med(lintTimes[5000], wallOf) / med(lintTimes[500], wallOf)
	row("5,000-job / 500-job time (wall)", growthWall, "<= 11", growthWall <= 11)

	// The example pipeline and the component templates it includes.
	example := filepath.Join("examples", "django", ".gitlab-ci.yml")
	exampleFiles := []string{example}
	for _, c := range []string{"cilint", "django-test", "kaniko-build", "trivy-scan", "review-app"} {
		exampleFiles = append(exampleFiles, filepath.Join("components", "templates", c, "template.yml"))
	}
	a, b, err := pair(repo, []string{cilint, "lint", "--offline", "--format", "json", example}, append([]string{floor}, exampleFiles...), n)
	if err != nil {
		return err
	}
	c, w := ratios(a, b)
	fmt.Printf("\nexample pipeline: cilint %.3f s cpu %.3f s wall, floor %.3f s cpu\n", med(a, cpuOf), med(a, wallOf), med(b, cpuOf))
	row("example pipeline / its floor (cpu)", c, "<= 4", c <= 4)
	row("example pipeline / its floor (wall)", w, "<= 4", w <= 4)

	// Start-up.
	small := filepath.Join(tmp, "small.yml")
	if err := os.WriteFile(small, []byte("job:\n  script: echo\n"), 0o644); err != nil {
		return fmt.Errorf("small file: %w", err)
	}
	a, b, err = pair(tmp, lint(tmp, small), []string{cilint, "version"}, n)
	if err != nil {
		return err
	}
	c, w = ratios(a, b)
	fmt.Printf("\n2-line file: cilint lint %.4f s cpu %.4f s wall, cilint version %.4f s cpu\n", med(a, cpuOf), med(a, wallOf), med(b, cpuOf))
	row("lint 2-line file / cilint version (cpu)", c, "<= 2", c <= 2)
	row("lint 2-line file / cilint version (wall)", w, "<= 2", w <= 2)
	a, b, err = pair(tmp, []string{cilint, "version"}, []string{trivial}, n)
	if err != nil {
		return err
	}
	c, _ = ratios(a, b)
	fmt.Printf("%-52s %8.2f   (for reference)\n", "cilint version / empty Go program (cpu)", c)

	// ShellCheck on 500 scripts.
	if _, err := exec.LookPath("shellcheck"); err != nil {
		fmt.Println("\n--shellcheck: shellcheck not on PATH, not measured")
	} else {
		files := projects[500]
		dir := filepath.Dir(files[0])
		sc := lint(dir, "--shellcheck", files[0])
		if verify != "" {
			a, b, err = pair(dir, sc, []string{verify}, n)
			if err != nil {
				return err
			}
			_, w = ratios(b, a)
			fmt.Printf("\n--shellcheck, 500 scripts: cilint %.3f s wall %.3f s cpu; gitlab-ci-verify %.3f s wall %.3f s cpu\n",
				med(a, wallOf), med(a, cpuOf), med(b, wallOf), med(b, cpuOf))
			row("gitlab-ci-verify / cilint --shellcheck (wall)", w, ">= 3.5", w >= 3.5)
		} else {
			a, _, err = pair(dir, sc, []string{trivial}, n)
			if err != nil {
				return err
			}
			fmt.Printf("\n--shellcheck, 500 scripts: cilint %.3f s wall %.3f s cpu (gitlab-ci-verify not given: no ratio)\n",
				med(a, wallOf), med(a, cpuOf))
		}
	}

	// Render's peak memory at 5,000 jobs.
	files := projects[5000]
	dir := filepath.Dir(files[0])
	a, b, err = pair(dir, []string{cilint, "render", "--offline", "--root", dir, files[0]}, lint(dir, files[0]), n)
	if err != nil {
		return err
	}
	fmt.Printf("\nrender at 5,000 jobs: %.0f MiB peak; lint %.0f MiB\n", med(a, rssOf), med(b, rssOf))
	m := med(a, rssOf) / med(b, rssOf)
	row("render / lint peak memory, 5,000 jobs", m, "<= 1.5", m <= 1.5)
	return nil
}
