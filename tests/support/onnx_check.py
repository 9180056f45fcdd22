"""Checks ONNX models written by `rnnc export --to onnx`, all in one process:
`python onnx_check.py JOBS.json RESULTS.json`.

JOBS.json is a list of {"sequence": path, "step": path, "data": the normative JSON batch}. For
each, RESULTS.json gets: "checked" (what onnx.checker's full check said of each form: "ok" or
its message), "outputs" (onnxruntime's outputs of the sequence form, by name, as nested lists)
and "stepped" (the same quantities from the first step of the sequence form followed by the
step form one step at a time, fed its own `next:` outputs).
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


def run(job):
    meta = info(job["sequence"])
    real = np.float32 if meta["dtype"] == "f32" else np.float64
    with open(job["data"]) as f:
        data = json.load(f)
    inputs = {
        i["name"]: np.array(data[i["name"]], dtype=np.int64 if i["encoding"] == "onehot" else real)
        for i in meta["inputs"]
    }
    T, B = next(iter(inputs.values())).shape[:2]
    lengths = np.array(data.get("lengths", [T] * B), dtype=np.int64)
    sequence = ort.InferenceSession(job["sequence"], providers=["CPUExecutionProvider"])
    names = [o.name for o in sequence.get_outputs()]
    outputs = dict(zip(names, sequence.run(None, {**inputs, "lengths": lengths})))
    # The first step with the sequence form, the others with the step form.
    first = dict(
        zip(names, sequence.run(None, {**{k: v[:1] for k, v in inputs.items()}, "lengths": np.ones(B, dtype=np.int64)}))
    )
    step = ort.InferenceSession(job["step"], providers=["CPUExecutionProvider"])
    step_names = [o.name for o in step.get_outputs()]
    stepped = {q["name"]: [first[q["name"]][0]] for q in meta["quantities"]}
    state = {k[len("next:") :]: v for k, v in first.items() if k.startswith("next:")}
    for t in range(1, T):
        out = dict(zip(step_names, step.run(None, {**{k: v[t] for k, v in inputs.items()}, **state})))
        for q in stepped:
            stepped[q].append(out[q])
        state = {k[len("next:") :]: v for k, v in out.items() if k.startswith("next:")}
    return {
        "checked": [check(job["sequence"]), check(job["step"])],
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
