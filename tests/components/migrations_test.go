package components_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/tests/internal/runner"
)

// A migration that adds a nullable column: safe.
const safeMigration = `from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("board", "0001_initial")]

    operations = [
        migrations.AddField(model_name="task", name="notes", field=models.TextField(blank=True, null=True)),
    ]
`

// A migration with one of each dangerous operation the component flags.
const dangerousMigration = `from django.db import migrations, models


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("board", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="task", name="notes", field=models.TextField(default="x"), preserve_default=False
        ),
        migrations.AddIndex(model_name="task", index=models.Index(fields=["assignee"], name="task_assignee_idx")),
        migrations.RenameField(model_name="milestone", old_name="description", new_name="summary"),
        migrations.RunPython(forwards),
    ]
`

// migrationsRepo makes a git repository of the example at a base commit,
// then commits the models and migration files given on top (a merge
// request's head); it returns the repository and the base commit.
func migrationsRepo(t *testing.T, files map[string]string) (dir, base string) {
	t.Helper()
	dir = copyExample(t)
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")
	base = strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
	for rel, content := range files {
		path := filepath.Join(dir, "proj", rel)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "merge request")
	return dir, base
}

// modelsWith edits the example's models: extra lines in Task, and the
// Milestone description renamed when rename is set.
func modelsWith(t *testing.T, taskField string, rename bool) string {
	t.Helper()
	m := readFile(t, filepath.Join(runner.RepoRoot(), "examples", "django", "board", "models.py"))
	m = strings.Replace(m, "    updated = models.DateTimeField(auto_now=True)\n", "    updated = models.DateTimeField(auto_now=True)\n"+taskField, 1)
	if rename {
		m = strings.Replace(m, "    description = models.TextField(blank=True)\n", "    summary = models.TextField(blank=True)\n", 1)
	}
	if strings.Contains(taskField, "# task_assignee_idx") {
		m = strings.Replace(m, `        ordering = ["milestone", "status", "title"]`+"\n", `        ordering = ["milestone", "status", "title"]`+"\n"+`        indexes = [models.Index(fields=["assignee"], name="task_assignee_idx")]`+"\n", 1)
	}
	return m
}

// TestDjangoMigrationsForReal runs django-migrations' script, unchanged,
// on merge requests of the example project (a real git repository, the
// real Django from the example's requirements and the real PostgreSQL of
// make component-test): the new migration's SQL is printed and kept in
// migrations.sql, each dangerous operation is named, and the job fails
// on them, on models without their migration, and passes otherwise.
func TestDjangoMigrationsForReal(t *testing.T) {
	u, password, python := realDjango(t)
	for _, tt := range []struct {
		name    string
		files   map[string]string
		inputs  string
		noBase  bool
		code    int
		want    []string // in the job log and migrations.sql
		notWant []string
	}{
		{"a safe migration", map[string]string{
			"board/models.py":                modelsWith(t, "    notes = models.TextField(blank=True, null=True)\n", false),
			"board/migrations/0002_notes.py": safeMigration,
		}, "", false, 0, []string{"-- board.0002_notes\n", `ALTER TABLE "board_task" ADD COLUMN "notes" text NULL;`}, []string{"DANGEROUS"}},
		{"dangerous operations", map[string]string{
			"board/models.py":                modelsWith(t, "    notes = models.TextField()\n", true),
			"board/migrations/0002_risky.py": dangerousMigration,
		}, "", false, 1, []string{
			"-- board.0002_risky\n",
			"-- DANGEROUS: AddField task.notes: a NOT NULL column without a default",
			"-- DANGEROUS: RenameField: a rename",
			"-- DANGEROUS: RunPython: irreversible",
			`ALTER TABLE "board_milestone" RENAME COLUMN "description" TO "summary";`,
		}, nil},
		{"dangerous operations reviewed", map[string]string{
			"board/models.py":                modelsWith(t, "    notes = models.TextField()\n", true),
			"board/migrations/0002_risky.py": dangerousMigration,
		}, "\n      allowed_migrations: board.0002_risky", false, 0, []string{"-- accepted: RenameField: a rename"}, []string{"DANGEROUS"}},
		{"models without their migration", map[string]string{
			"board/models.py": modelsWith(t, "    notes = models.TextField(blank=True, null=True)\n", false),
		}, "", false, 1, []string{"-- No new migrations."}, nil},
		{"not a merge request", map[string]string{
			"board/models.py":                modelsWith(t, "    notes = models.TextField(blank=True, null=True)\n", false),
			"board/migrations/0002_notes.py": safeMigration,
		}, "\n      base: \"\"", true, 0, []string{"-- No new migrations."}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Nothing here writes to the database: the cases share it.
			t.Parallel()
			if tt.name == "dangerous operations" || tt.name == "dangerous operations reviewed" {
				// The index too: the models declare it, the migration adds it.
				tt.files["board/models.py"] = modelsWith(t, "    notes = models.TextField()\n    # task_assignee_idx\n", true)
			}
			dir, base := migrationsRepo(t, tt.files)
			if tt.name != "a safe migration" {
				// The virtualenv has the requirements: one case runs pip's
				// install (a no-op check, ~5 s), the others skip it.
				tt.inputs += "\n      install_command: \"true\""
			}
			res := runner.Render(t, `stages: [test]
include:
  - component: gitlab.com/trustci/components/django-migrations@1.0.0
    inputs:
      project_dir: proj
      requirements_file: requirements-dev.txt
      db_host: `+u.Hostname()+`
      db_port: `+u.Port()+`
      postgres_user: `+u.User.Username()+`
      postgres_password: `+password+`
      postgres_db: `+strings.TrimPrefix(u.Path, "/")+`
      env: |
        DJANGO_SECRET_KEY=component-test-only-0f3b9c1d7e5a2b8c4d6e0f1a3b5c7d9e`+tt.inputs+`
`)
			env := ciEnv(dir)
			env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = base
			// The virtualenv has the requirements: pip finds them installed.
			out, code := run(t, job(t, res, "django-migrations"), dir, env, map[string]string{
				"PATH": filepath.Dir(python) + ":" + os.Getenv("PATH"), "VIRTUAL_ENV": filepath.Dir(filepath.Dir(python))})
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			sql := readFile(t, filepath.Join(dir, "proj", "migrations.sql"))
			mustContain(t, "migrations.sql", sql, tt.want...)
			for _, s := range tt.notWant {
				if strings.Contains(sql, s) {
					t.Errorf("migrations.sql has %q:\n%s", s, sql)
				}
			}
			if tt.name == "dangerous operations" {
				mustContain(t, "migrations.sql", sql, "-- DANGEROUS: index task_assignee_idx on existing table board_task without CONCURRENTLY")
				mustContain(t, "job log", out, "4 dangerous operation(s)")
			}
			if tt.name == "models without their migration" {
				mustContain(t, "job log", out, "Models and migrations disagree")
			}
		})
	}
}
