package components_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gitlab.com/trustci/cicd/linter/load"
	"gitlab.com/trustci/cicd/tests/internal/runner"
)

func backupJob(t *testing.T, inputs ...string) *load.Node {
	t.Helper()
	var b strings.Builder
	b.WriteString(`stages: [deploy]
include:
  - component: gitlab.com/trustci/components/db-backup@1.0.0
    inputs:
      agent: agency/k8s-agents:production
      environment_name: production
      namespace: production
      database_secret: project-board-env
      pvc: project-board-backups
`)
	for _, in := range inputs {
		b.WriteString("      " + in + "\n")
	}
	return job(t, runner.Render(t, b.String()), "db-backup")
}

// withDatabase makes a fresh database on the server of admin and returns
// its URL; it is dropped after the test.
func withDatabase(t *testing.T, admin, name string) string {
	t.Helper()
	if out, err := psql(admin, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	t.Cleanup(func() { psql(admin, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`) })
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return u.String()
}

// pathWithoutFakes is PATH without tests/components/fakes: what the
// backup pod's command finds (the real pg_dump, sh, date...).
func pathWithoutFakes() string {
	fakes, _ := filepath.Abs("fakes")
	var keep []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d != fakes {
			keep = append(keep, d)
		}
	}
	return strings.Join(keep, string(filepath.ListSeparator))
}

// TestDBBackupForReal runs db-backup's script, unchanged, with the fake
// kubectl (which checks the Job and runs its container's command here,
// with the Secret's URL and the volume a folder): the real pg_dump dumps
// a real PostgreSQL database, the real pg_restore restores the dump into
// an empty database, and both hold the same rows; older dumps beyond
// keep are removed, the newest kept.
func TestDBBackupForReal(t *testing.T) {
	admin := adminURL(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (Debian's postgresql-client, which make component-test's PostgreSQL brings)", tool)
		}
	}
	suffix := fmt.Sprint(rand.Uint32())
	src := withDatabase(t, admin, "backup_src_"+suffix)
	restored := withDatabase(t, admin, "backup_restored_"+suffix)
	schema := `CREATE TABLE board_milestone (id bigserial PRIMARY KEY, name text NOT NULL, due date);
CREATE TABLE board_task (id bigserial PRIMARY KEY, milestone_id bigint REFERENCES board_milestone(id), title text, note text);
CREATE INDEX board_task_title ON board_task (title);
INSERT INTO board_milestone (name, due) VALUES ('Beta ☂', '2030-06-01'), ('Launch', NULL);
INSERT INTO board_task (milestone_id, title, note) SELECT 1 + g % 2, 'task ' || g, repeat('x', g) FROM generate_series(1, 500) g;`
	if out, err := psql(src, schema); err != nil {
		t.Fatalf("%v: %s", err, out)
	}

	dir := t.TempDir()
	volumes := filepath.Join(dir, "volumes")
	volume := filepath.Join(volumes, "project-board-backups")
	os.MkdirAll(volume, 0o755)
	// Earlier dumps: with keep 2, the oldest two go, the newest stays.
	for _, old := range []string{"db-20260101T000000Z.dump", "db-20260201T000000Z.dump", "db-20260301T000000Z.dump", "other-20200101T000000Z.dump"} {
		os.WriteFile(filepath.Join(volume, old), []byte("old"), 0o644)
	}
	secrets := filepath.Join(dir, "secrets.json")
	b, _ := json.Marshal(map[string]string{"project-board-env/DATABASE_URL": src})
	os.WriteFile(secrets, b, 0o600)
	env := ciEnv(dir)
	env["CI_JOB_ID"] = "4242"
	env["FAKE_KUBE_CONTEXT"] = "agency/k8s-agents:production"
	env["FAKE_JOBS"] = filepath.Join(dir, "jobs")
	env["FAKE_JOB_EXEC"] = "1"
	env["FAKE_SECRET_VALUES"] = secrets
	env["FAKE_VOLUMES"] = volumes
	env["FAKE_POD_PATH"] = pathWithoutFakes()

	out, code := run(t, backupJob(t, "keep: 2"), dir, env, nil)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	dotenv := runner.ReadDotenv(t, filepath.Join(dir, "db-backup.env"))
	dump := dotenv["DB_BACKUP_FILE"]
	if filepath.Dir(dump) != volume || !strings.HasPrefix(filepath.Base(dump), "db-") || !strings.HasSuffix(dump, ".dump") {
		t.Fatalf("DB_BACKUP_FILE=%q, want a dump on the volume:\n%s", dump, out)
	}
	mustContain(t, "job log", out, "backup: "+dump+" (", "removed: "+filepath.Join(volume, "db-20260201T000000Z.dump"))
	var left []string
	entries, _ := os.ReadDir(volume)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	sort.Strings(left)
	want := []string{"db-20260301T000000Z.dump", filepath.Base(dump), "other-20200101T000000Z.dump"}
	sort.Strings(want)
	if strings.Join(left, " ") != strings.Join(want, " ") {
		t.Errorf("the volume holds %v, want %v (keep 2 of prefix db, others untouched)", left, want)
	}

	// The Job as the API server would get it.
	var jobObj struct {
		Spec struct {
			BackoffLimit          *int `json:"backoffLimit"`
			ActiveDeadlineSeconds int  `json:"activeDeadlineSeconds"`
			Template              struct {
				Spec struct {
					SecurityContext struct{ RunAsNonRoot bool }
					Containers      []struct {
						Image string
						Env   []struct {
							Name      string
							Value     string
							ValueFrom *struct{ SecretKeyRef struct{ Name, Key string } }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "jobs", "db-backup-4242.json"))), &jobObj); err != nil {
		t.Fatal(err)
	}
	c := jobObj.Spec.Template.Spec.Containers[0]
	if !strings.HasPrefix(c.Image, "postgres:17-alpine@sha256:") || jobObj.Spec.BackoffLimit == nil || *jobObj.Spec.BackoffLimit != 0 ||
		jobObj.Spec.ActiveDeadlineSeconds != 1800 || !jobObj.Spec.Template.Spec.SecurityContext.RunAsNonRoot {
		t.Errorf("the Job: %+v", jobObj.Spec)
	}
	if c.Env[0].ValueFrom == nil || c.Env[0].ValueFrom.SecretKeyRef.Name != "project-board-env" || c.Env[0].ValueFrom.SecretKeyRef.Key != "DATABASE_URL" {
		t.Errorf("DATABASE_URL must come from the Secret: %+v", c.Env[0])
	}
	if strings.Contains(out, src) || strings.Contains(readFile(t, filepath.Join(dir, "jobs", "db-backup-4242.json")), src) {
		t.Error("the database URL is in the job log or the Job")
	}

	if out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	for _, q := range []string{
		"SELECT id, name, due FROM board_milestone ORDER BY id",
		"SELECT id, milestone_id, title, md5(note) FROM board_task ORDER BY id",
		"SELECT indexname FROM pg_indexes WHERE tablename = 'board_task' ORDER BY 1",
		"SELECT last_value FROM board_task_id_seq",
	} {
		a, err1 := psql(src, q)
		b, err2 := psql(restored, q)
		if err1 != nil || err2 != nil || a != b || a == "" {
			t.Errorf("%s: the restored database differs (%v %v):\nsource:   %.200s\nrestored: %.200s", q, err1, err2, a, b)
		}
	}
}

// A Job that fails (the pod's pg_dump cannot connect) fails the CI job,
// with the pod's log, and leaves no dotenv.
func TestDBBackupFailure(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets.json")
	os.WriteFile(secrets, []byte(`{"project-board-env/DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}`), 0o600)
	env := ciEnv(dir)
	env["CI_JOB_ID"] = "4343"
	env["FAKE_KUBE_CONTEXT"] = "agency/k8s-agents:production"
	env["FAKE_JOBS"] = filepath.Join(dir, "jobs")
	env["FAKE_JOB_EXEC"] = "1"
	env["FAKE_SECRET_VALUES"] = secrets
	env["FAKE_VOLUMES"] = filepath.Join(dir, "volumes")
	env["FAKE_POD_PATH"] = pathWithoutFakes()
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Skip("pg_dump is not installed")
	}
	out, code := run(t, backupJob(t), dir, env, nil)
	if code == 0 {
		t.Fatalf("a failed backup passed:\n%s", out)
	}
	mustContain(t, "job log", out, "the backup Job db-backup-4343 failed")
	if _, err := os.Stat(filepath.Join(dir, "db-backup.env")); err == nil {
		t.Error("a failed backup wrote DB_BACKUP_FILE")
	}
}
