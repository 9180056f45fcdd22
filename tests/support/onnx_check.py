"""Checks ONNX models written by `rnnc export --to onnx`, all in one process:
`python onnx_check.py JOBS.json RESULTS.json`.

JOBS.json is a list of {"sequence": path, "step": path or null, "encoder": path or null, "data":
the normative JSON batch}. For each, RESULTS.json gets: "checked" (what onnx.checker's full
check said of each form written: "ok" or its message), "outputs" (onnxruntime's outputs of the
sequence form, by name, as nested lists) and "stepped" (the last sequence's quantities from the
step form one step at a time, fed its own `next:` outputs and the previous target from the
batch: after the first step of the sequence form in a model of one sequence, after the encoder
form in a model of several).
"""

import json
import sys

import numpy as np
import onnx
import onnxruntime as ort


def check(path):
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        return "ok"
    except Exception as e:  # the checker's message is the result
        return str(e)


def info(path):
    model = onnx.load(path)
    return json.loads(next(p.value for p in model.metadata_props if p.key == "rnnc"))


def series(meta, data, real):
    """The sequence form's inputs from a batch: each sequence's inputs and previous targets [T, B(, D)] and lengths."""
    ids = {i["name"] for i in meta["inputs"] if i["encoding"] == "onehot"}
    ids |= {t["name"] for t in meta["targets"] if t["kind"] == "class"}
    feeds = {}
    for sequence in meta["sequences"]:
        names = sequence["inputs"] + sequence["previousTargets"]
        for name in names:
            feeds[name] = np.array(data[name], dtype=np.int64 if name in ids else real)
        T, B = feeds[names[0]].shape[:2]
        lengths = data.get("lengths", [T] * B)
        own = lengths[sequence["name"]] if isinstance(lengths, dict) else lengths
        feeds[sequence["lengths"]] = np.array(own, dtype=np.int64)
    return feeds


def next_state(out):
    return {k[len("next:") :]: v for k, v in out.items() if k.startswith("next:")}


def stepped_run(job, meta, feeds, first):
    """The last sequence one step at a time with the step form, each step fed the state the one before left and the
    previous target from the batch (teacher forcing), starting from the encoder form's outputs (a model of several
    sequences) or from the sequence form's first step (`first`, a model of one)."""
    step = ort.InferenceSession(job["step"], providers=["CPUExecutionProvider"])
    wanted = {i.name for i in step.get_inputs()}
    last = meta["sequences"][-1]
    previous = last["previousTargets"]
    own = last["inputs"] + previous
    T = feeds[own[0]].shape[0]
    if job.get("encoder"):
        encoder = ort.InferenceSession(job["encoder"], providers=["CPUExecutionProvider"])
        fed = {i.name: feeds[i.name] for i in encoder.get_inputs()}
        out = dict(zip([o.name for o in encoder.get_outputs()], encoder.run(None, fed)))
        state = next_state(out)
        fixed = {k: v for k, v in {**feeds, **out}.items() if k in wanted and not k.startswith("next:")}
        stepped, start = {}, 0
    else:
        fixed = {}
        state = next_state(first)
        stepped = {q["name"]: [first[q["name"]][0]] for q in meta["quantities"]}
        start = 1
    names = [o.name for o in step.get_outputs()]
    for t in range(start, T):
        if t > 0:
            state.update({f"{name}[t-1]": feeds[name][t - 1] for name in previous})
        x = {name: feeds[name][t] for name in last["inputs"]}
        out = dict(zip(names, step.run(None, {**x, **state, **fixed})))
        for q in meta["quantities"]:
            if q["name"] in out:
                stepped.setdefault(q["name"], []).append(out[q["name"]])
        state = {**state, **next_state(out)}
    return stepped


def run(job):
    meta = info(job["sequence"])
    real = np.float32 if meta["dtype"] == "f32" else np.float64
    with open(job["data"]) as f:
        data = json.load(f)
    feeds = series(meta, data, real)
    sequence = ort.InferenceSession(job["sequence"], providers=["CPUExecutionProvider"])
    names = [o.name for o in sequence.get_outputs()]
    outputs = dict(zip(names, sequence.run(None, feeds)))
    first = None
    if job.get("step") and not job.get("encoder"):
        # The first step with the sequence form, the others with the step form.
        B = next(iter(feeds.values())).shape[1]
        ones = {k: (v[:1] if v.ndim > 1 else np.ones(B, dtype=np.int64)) for k, v in feeds.items()}
        first = dict(zip(names, sequence.run(None, ones)))
    stepped = stepped_run(job, meta, feeds, first) if job.get("step") else {}
    forms = [job[form] for form in ("sequence", "step", "encoder") if job.get(form)]
    return {
        "checked": [check(path) for path in forms],
        "outputs": {k: v.astype(np.float64).tolist() for k, v in outputs.items()},
        "stepped": {k: np.stack(v).astype(np.float64).tolist() for k, v in stepped.items()},
    }


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    results = []
    for job in jobs:
        try:
            results.append(run(job))
        except Exception as e:  # reported per job, so one broken model does not hide the others
            results.append({"error": f"{type(e).__name__}: {e}"})
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
