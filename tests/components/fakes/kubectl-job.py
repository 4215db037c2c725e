#!/usr/bin/env python3
"""The Job side of the fake kubectl (kubectl calls it; see kubectl).

apply NAMESPACE: reads the applied object (JSON, as the db-backup
component writes it) on standard input; a batch/v1 Job is checked for what
the API server requires of it and stored in FAKE_JOBS. With
FAKE_JOB_EXEC=1 its one container's command runs here, as the pod would:
its env with each secretKeyRef read from FAKE_SECRET_VALUES (a JSON object
{"secret/key": value}), and each env value that is a volumeMount's path
replaced by FAKE_VOLUMES/<claimName> (the persistent volume). The pod's
output and exit status are kept for `get job` and `logs`.

get NAME: prints the jsonpath {.status.succeeded}/{.status.failed}.
logs NAME: prints the pod's output.
"""
import json, os, subprocess, sys

jobs = os.environ.get("FAKE_JOBS") or sys.exit("FAKE_JOBS is not set")
os.makedirs(jobs, exist_ok=True)
action, arg = sys.argv[1], sys.argv[2]

if action == "apply":
    obj = json.load(sys.stdin)
    if obj.get("kind") != "Job":
        sys.exit(0)
    if obj.get("apiVersion") != "batch/v1":
        sys.exit('error: resource mapping not found for kind "Job" in version %r' % obj.get("apiVersion"))
    name = obj["metadata"]["name"]
    if len(name) > 63:
        sys.exit("The Job %r is invalid: metadata.name: must be no more than 63 characters" % name)
    pod = obj["spec"]["template"]["spec"]
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        sys.exit("The Job %r is invalid: spec.template.spec.restartPolicy: Unsupported value" % name)
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    [container] = pod["containers"]
    for m in container.get("volumeMounts", []):
        if m["name"] not in volumes:
            sys.exit("The Job %r is invalid: volumeMounts %r: not found" % (name, m["name"]))
    with open(os.path.join(jobs, name + ".json"), "w") as f:
        json.dump(obj, f, indent=2)
    print("job.batch/%s created" % name)
    if os.environ.get("FAKE_JOB_EXEC") != "1":
        sys.exit(0)
    secrets = json.load(open(os.environ["FAKE_SECRET_VALUES"])) if os.environ.get("FAKE_SECRET_VALUES") else {}
    mounts = {}
    for m in container.get("volumeMounts", []):
        v = volumes[m["name"]]
        if "persistentVolumeClaim" in v:
            d = os.path.join(os.environ["FAKE_VOLUMES"], v["persistentVolumeClaim"]["claimName"])
        else:
            d = os.path.join(jobs, name + "-" + m["name"])
        os.makedirs(d, exist_ok=True)
        mounts[m["mountPath"]] = d
    env = {"PATH": os.environ["FAKE_POD_PATH"]}
    for e in container.get("env", []):
        if "valueFrom" in e:
            ref = e["valueFrom"]["secretKeyRef"]
            key = ref["name"] + "/" + ref["key"]
            if key not in secrets:
                sys.exit("the pod cannot start: secret key %s not found" % key)
            env[e["name"]] = secrets[key]
        else:
            env[e["name"]] = mounts.get(e["value"], e["value"])
    run = subprocess.run(container["command"] + container.get("args", []), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(os.path.join(jobs, name + ".log"), "w") as f:
        f.write(run.stdout)
    with open(os.path.join(jobs, name + ".status"), "w") as f:
        f.write("1/" if run.returncode == 0 else "/1")
elif action == "get":
    path = os.path.join(jobs, arg + ".status")
    if not os.path.exists(path):
        if os.path.exists(os.path.join(jobs, arg + ".json")):
            print("/", end="")  # not finished (never run)
            sys.exit(0)
        sys.exit('Error from server (NotFound): jobs.batch "%s" not found' % arg)
    print(open(path).read(), end="")
elif action == "logs":
    name = arg.split("/", 1)[1] if arg.startswith("job/") else arg
    path = os.path.join(jobs, name + ".log")
    if not os.path.exists(path):
        sys.exit('error: jobs.batch "%s" not found' % name)
    print(open(path).read(), end="")
