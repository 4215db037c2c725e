package simulate

import (
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/cond"
	"gitlab.com/trustci/cicd/linter/expr"
	"gitlab.com/trustci/cicd/linter/include"
	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/linter/pipeline"
	"gitlab.com/trustci/cicd/linter/repo"
)

func build(t *testing.T, src string) *pipeline.Pipeline {
	t.Helper()
	f, fs := load.Parse("ci.yml", []byte(src), load.DefaultLimits())
	if len(fs) > 0 {
		t.Fatal(fs)
	}
	res := include.Resolve(f, include.DefaultOptions(t.TempDir()))
	return pipeline.Build(res.Config, nil)
}

func TestJobs(t *testing.T) {
	const src = `
variables:
  DEPLOY: "yes"
workflow:
  rules:
    - if: $CI_COMMIT_TAG
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
plain:
  script: make
mr-only:
  script: make
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
manual-main:
  script: make
  rules:
    - if: $CI_COMMIT_BRANCH == "main"
      when: manual
    - when: never
changes:
  script: make
  rules:
    - changes: [src/**/*]
unknown-var:
  script: make
  rules:
    - if: $FEATURE_FLAG == "on"
global-var:
  script: make
  rules:
    - if: $DEPLOY == "yes"
only-tags:
  script: make
  only: [tags]
only-mr:
  script: make
  only: [merge_requests]
except-main:
  script: make
  except: [main]
regex-branch:
  script: make
  only: [/^release-.*$/]
`
	tests := []struct {
		event string
		vars  map[string]string
		want  string // workflow, then job=outcome/when
	}{
		{"merge_request", nil, "yes plain=no mr-only=yes/on_success manual-main=no changes=maybe unknown-var=maybe global-var=yes/on_success only-tags=no only-mr=yes/on_success except-main=no regex-branch=no"},
		{"push", map[string]string{"CI_COMMIT_BRANCH": "main"}, "yes plain=yes/on_success mr-only=no manual-main=yes/manual changes=maybe unknown-var=maybe global-var=yes/on_success only-tags=no only-mr=no except-main=no regex-branch=no"},
		{"push", map[string]string{"CI_COMMIT_BRANCH": "release-1"}, "no plain=yes/on_success mr-only=no manual-main=no changes=maybe unknown-var=maybe global-var=yes/on_success only-tags=no only-mr=no except-main=yes/on_success regex-branch=yes/on_success"},
		{"tag", map[string]string{"FEATURE_FLAG": "on"}, "yes plain=yes/on_success mr-only=no manual-main=no changes=yes/on_success unknown-var=yes/on_success global-var=yes/on_success only-tags=yes/on_success only-mr=no except-main=yes/on_success regex-branch=no"},
	}
	p := build(t, src)
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			ev := Events()[tt.event]
			res := Run(p, ev.Name, NewVariables(ev, p.Config, tt.vars))
			got := []string{res.Workflow.Outcome.String()}
			for _, j := range res.Jobs {
				s := j.Name + "=" + j.Outcome.String()
				if j.Outcome == cond.In {
					s += "/" + j.When
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}

func TestNeedsOfAJobLeftOut(t *testing.T) {
	p := build(t, `
build:
  script: make
  rules:
    - if: $CI_COMMIT_BRANCH
docs:
  script: make docs
  rules:
    - if: $UNKNOWN
test:
  script: make test
  needs: [build, {job: lint, optional: true}, docs]
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
lint:
  script: make lint
  rules:
    - when: never
`)
	ev := Events()["merge_request"]
	res := Run(p, ev.Name, NewVariables(ev, p.Config, nil))
	if len(res.Findings) != 1 {
		t.Fatalf("findings: %v", res.Findings)
	}
	f := res.Findings[0]
	if f.Rule != "needs-not-in-pipeline" || f.Pos.Line != 12 || !strings.Contains(f.Message, "`build`") || !strings.Contains(f.Message, "no rule matches") {
		t.Errorf("finding: %+v", f)
	}
	// In a push pipeline test does not run: nothing to refuse.
	push := Events()["push"]
	if res := Run(p, push.Name, NewVariables(push, p.Config, nil)); len(res.Findings) != 0 {
		t.Errorf("push: %v", res.Findings)
	}
}

func TestJobVariablesInRules(t *testing.T) {
	p := build(t, `
variables:
  RUN: "no"
own:
  script: make
  variables:
    RUN: "yes"
  rules:
    - if: $RUN == "yes"
global:
  script: make
  rules:
    - if: $RUN == "yes"
matrix:
  script: make
  parallel:
    matrix:
      - RUN: ["yes", "no"]
  rules:
    - if: $RUN == "yes"
`)
	ev := Events()["merge_request"]
	res := Run(p, ev.Name, NewVariables(ev, p.Config, nil))
	var got []string
	for _, j := range res.Jobs {
		got = append(got, j.Name+"="+j.Outcome.String())
	}
	if g := strings.Join(got, " "); g != "own=yes global=no matrix=maybe" {
		t.Errorf("got %s", g)
	}
}

func TestExistsWithFiles(t *testing.T) {
	p := build(t, `
image-build:
  script: make
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      exists: [Dockerfile]
chart:
  script: make
  rules:
    - exists: [chart/**/*]
`)
	ev := Events()["merge_request"]
	files := func(n *load.Node) expr.Truth {
		if n.Items[0].Text == "Dockerfile" {
			return expr.True
		}
		return expr.False
	}
	for _, tt := range []struct {
		vars Variables
		want string
	}{
		{NewVariables(ev, p.Config, nil), "image-build=maybe chart=maybe"},
		{NewVariables(ev, p.Config, nil).WithFiles(files), "image-build=yes chart=no"},
	} {
		res := Run(p, ev.Name, tt.vars)
		var got []string
		for _, j := range res.Jobs {
			got = append(got, j.Name+"="+j.Outcome.String())
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("got %s, want %s", g, tt.want)
		}
	}
}

func TestChanges(t *testing.T) {
	p := build(t, `
backend:
  script: make
  rules:
    - changes: [app/**/*.py]
docs:
  script: make docs
  rules:
    - changes:
        paths: [docs/*]
        compare_to: refs/heads/main
`)
	changed := func(files ...string) func(*load.Node) expr.Truth {
		return repo.Changes(files)
	}
	mr, tag := Events()["merge_request"], Events()["tag"]
	for _, tt := range []struct {
		name string
		vars Variables
		want string
	}{
		{"nothing known", NewVariables(mr, p.Config, nil), "backend=maybe docs=maybe"},
		{"python changed", NewVariables(mr, p.Config, nil).WithChanges(changed("app/board/views.py")), "backend=yes docs=maybe"},
		{"only the README", NewVariables(mr, p.Config, nil).WithChanges(changed("README.md")), "backend=no docs=maybe"},
		{"tags: changes always hold", NewVariables(tag, p.Config, nil), "backend=yes docs=yes"},
	} {
		res := Run(p, "x", tt.vars)
		var got []string
		for _, j := range res.Jobs {
			got = append(got, j.Name+"="+j.Outcome.String())
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, g, tt.want)
		}
	}
}

func TestWorkflowRuleVariables(t *testing.T) {
	p := build(t, `
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
      variables:
        DEPLOY_TARGET: review
    - if: $CI_COMMIT_TAG
      variables:
        DEPLOY_TARGET: production
deploy-review:
  script: make
  rules:
    - if: $DEPLOY_TARGET == "review"
deploy-production:
  script: make
  rules:
    - if: $DEPLOY_TARGET == "production"
`)
	for ev, want := range map[string]string{"merge_request": "deploy-review=yes deploy-production=no", "tag": "deploy-review=no deploy-production=yes"} {
		e := Events()[ev]
		res := Run(p, e.Name, NewVariables(e, p.Config, nil))
		var got []string
		for _, j := range res.Jobs {
			got = append(got, j.Name+"="+j.Outcome.String())
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%s: got %s, want %s", ev, g, want)
		}
	}
}
