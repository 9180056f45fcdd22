"""Runs commands of exported Python files in one process, since starting Python with PyTorch
costs seconds: `python exported_jobs.py JOBS.json RESULTS.json`, or under torchrun, where each
process runs every job (a train job then splits its batches over them).

JOBS.json is a list of {"module": path to a file `rnnc export --to pytorch` wrote, "argv": [...]}
(its command line), or {"module", "state_dict": true} (the names in a fresh model's state_dict
and their shapes, printed as JSON); RESULTS.json (written by the first process) gets, for each
job in order, its exit status and what it printed: {"code", "out", "err"}.
"""

import contextlib
import importlib.util
import io
import json
import os
import sys

import torch


def run(index, job):
    spec = importlib.util.spec_from_file_location(f"exported_{index}", job["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            if job.get("state_dict"):
                print(json.dumps({k: list(v.shape) for k, v in module.MODEL_CLASS().state_dict().items()}))
                code = 0
            else:
                code = module.main(job["argv"])
        except SystemExit as e:
            code = e.code
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def main():
    jobs_file, results_file = sys.argv[1], sys.argv[2]
    with open(jobs_file) as f:
        jobs = json.load(f)
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        torch.distributed.init_process_group("gloo")
    results = [run(i, job) for i, job in enumerate(jobs)]
    if int(os.environ.get("RANK", "0")) == 0:
        with open(results_file, "w") as f:
            json.dump(results, f)
    if distributed:
        # As the exported runtime's Processes.leave: gloo's threads can outlive the group and
        # abort one rank in the interpreter's teardown (SIGABRT, 'terminate called without an
        # active exception'), so after the barrier every process exits without that teardown.
        torch.distributed.barrier()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
