# ---------------------------------------------------------------------------------------
# rnnc's runtime for exported models: the same in every file `rnnc export --to pytorch`
# writes. It runs the model above with exactly rnnc's semantics and reads and writes rnnc's
# files, so a model moves between rnnc and PyTorch in both directions:
#   - weights: the normative JSON or safetensors (float32/float64), by the .rnn names;
#   - data: the normative JSON batch, text corpora, JSONL records (as `rnnc train` reads them);
#   - checkpoints: rnnc's checkpoint directories (`rnnc train --resume`, `eval`, `sample`);
#   - output: the JSON `rnnc run` prints.
# Training follows rnnc's loop step for step (its generator, shuffling, batching, optimisers,
# clipping, validation and divergence checks) and splits each batch over the processes of
# `torchrun` with DistributedDataParallel.
# ---------------------------------------------------------------------------------------

import argparse
import ctypes
import hashlib
import json
import math
import os
import re
import signal
import socket
import struct
import sys
import time
from datetime import datetime, timezone

import torch
import torch.nn.functional as F  # noqa: F401 (the model's loss terms may use it)
from torch import nn


class UsageError(Exception):
    """A problem with the command, its files or its data: reported in one line, never a traceback."""


# --- the model's per-step and per-position building blocks ------------------------------


def onehot_columns(matrix, ids):
    """matrix @ onehot(ids) for each row: the column of each id; the padding id -1 (before a
    sequence starts) gives zeros."""
    columns = matrix.t()[ids.clamp(min=0)]
    return torch.where((ids >= 0).unsqueeze(1), columns, torch.zeros((), dtype=columns.dtype))


def pick(rows, classes):
    """rows[i, classes[i]] for each row i."""
    return rows.gather(1, classes.unsqueeze(1)).squeeze(1)


def keep_nonzero(coefficient, term):
    """coefficient * term where the coefficient is not 0, else 0 (0 * log 0 = 0, its limit):
    the term is not evaluated there, so it sends no NaN back either."""
    nonzero = coefficient != 0
    return torch.where(nonzero, coefficient * term(nonzero), torch.zeros((), dtype=coefficient.dtype))


def spread_steps(a, extent):
    """a [B, n] read at every step of another sequence: rows [B * S, n], example by example
    (`extent`: its steps and lengths), 0 on each example's padding."""
    B, n = a.shape[0], a.shape[-1]
    rows = torch.where(extent.real.unsqueeze(2), a.reshape(B, 1, n), torch.zeros((), dtype=a.dtype))
    return rows.reshape(B * extent.T, n)


def sum_steps(a, extent):
    """Rows [B * S, n] of every step of another sequence added over each example's real steps: [B, n]."""
    B = extent.lengths.shape[0]
    rows = a.reshape(B, extent.T, a.shape[-1])
    return torch.where(extent.real.unsqueeze(2), rows, torch.zeros((), dtype=a.dtype)).sum(1)


def softmax_steps(a, extent):
    """One score per step of another sequence, rows [B * S, 1]: each example's softmax over its
    real steps (exp(a - max) / sum, as rnnc's kernel), 0 on its padding. The padding is never
    exponentiated, so it sends no NaN back."""
    B = extent.lengths.shape[0]
    scores, real = a.reshape(B, extent.T), extent.real
    top = torch.where(real, scores, torch.full((), -math.inf, dtype=a.dtype)).max(1, keepdim=True).values.detach()
    e = torch.where(real, torch.exp(torch.where(real, scores, top) - top), torch.zeros((), dtype=a.dtype))
    return (e * (1 / e.sum(1, keepdim=True))).reshape(B * extent.T, 1)


class Extent:
    """The steps of one sequence of a batch: T, each example's real length [B], and which steps
    are real [B][T]."""

    def __init__(self, T, lengths):
        self.T, self.lengths = T, lengths
        self.real = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)


class Batch:
    """B sequences of T steps, time-major as rnnc's: per input ids [T][B] (one-hot) or
    values [T][B][D]; per target [B] / [B][K] (scored at last) or [T][B] / [T][B][K] (at each);
    lengths [B] (steps t >= lengths[b] are padding). A model of several sequences has each
    input and target over its own sequence's steps, and `extents` by step variable; T and
    lengths are then the last sequence's, as in rnnc."""

    def __init__(self, T, B, inputs, targets, lengths, extents=None):
        self.T, self.B, self.inputs, self.targets, self.lengths = T, B, inputs, targets, lengths
        self.extents = extents

    def extent(self, sequence):
        """The steps and lengths of a sequence (None: the one sequence of a model of one)."""
        return Extent(self.T, self.lengths) if sequence is None else Extent(*self.extents[sequence])


class Forward:
    """What one forward pass over a batch computed: each quantity at every step [T][B][n]
    ([T][B * S][n] for one over the steps of another sequence), and what each loss scores
    (the prediction, or the input of the activation a loss is fused with)."""

    def __init__(self, quantities, scored, carry):
        self.quantities, self.scored, self.carry = quantities, scored, carry


def register_parameters(model, dtype):
    """The model's parameters, zero until loaded or initialised, under their .rnn names."""
    for spec in MODEL["params"]:
        place_parameter(model, spec["name"], nn.Parameter(torch.zeros(spec["shape"], dtype=dtype)))


def weights_by_name(model):
    """The parameters by .rnn name, in declaration order."""
    named = dict(model.named_parameters())
    return {spec["name"]: named[spec["name"]] for spec in MODEL["params"]}


def run_steps(model, batch, carry=None):
    """The model over a batch with rnnc's semantics (engine/interpret): each sequence in turn,
    over its own steps, and in each the backward loop (a state read ahead) before the forward
    one. Before a sequence starts, a delayed read gives the state's initial value (or what the
    previous chunk left, `carry`); once it has ended, its rows keep their last values."""
    p = model.weights()
    dtype = next(iter(p.values())).dtype if p else torch.float64
    # A vector parameter is one row per sequence, as every other vector of a step (a view, not a copy).
    rows = {name: w.expand(batch.B, -1) if w.dim() == 1 else w for name, w in p.items()}
    quantities, scored, earlier = {}, [None] * len(MODEL["losses"]), Earlier()
    for sequence in MODEL["sequences"]:
        extent = batch.extent(sequence["name"])
        series = {name: batch.inputs[name] for name in sequence["inputs"]}
        for name in sequence["previous_targets"]:
            if name not in batch.targets:
                raise UsageError(
                    f"{MODEL['name']} reads {name}[t-1], the previous target: give the batch its targets"
                )
            series[name] = batch.targets[name]
        values = {name: [None] * extent.T for name in sequence["quantities"]}
        series.update(values)
        before = values_before(p, batch.B, carry, dtype, sequence["delayed"], earlier)
        for loop in sequence["loops"]:
            step = getattr(model, loop["method"])
            run_loop(step, loop, rows, series, values, before, extent, earlier, p, dtype, scored)
        for name, steps in values.items():
            quantities[name] = torch.stack(steps)
        earlier.keep(sequence, quantities, extent)
    # Only a model of one sequence that runs forwards continues a stream chunk by chunk.
    one = MODEL["sequences"][0]
    continues = len(MODEL["sequences"]) == 1 and len(one["loops"]) == 1
    return Forward(quantities, scored, carry_out(series, before, batch.lengths) if continues else None)


def run_loop(step, loop, rows, series, values, before, extent, earlier, p, dtype, scored):
    """One loop over a sequence's steps: forwards, a row that has ended keeping its last value;
    backwards (from the last step down), a row past its end holding the value after it (a
    state's initial value, any other quantity's zero), so a state read ahead starts from its
    initial value at each example's own last real step."""
    T, lengths = extent.T, extent.lengths
    found = {k: [None] * T for k in loop["losses"]}

    def after(name, like):
        state = state_named(name)
        return torch.zeros_like(like) if state is None else initial_value(state, p, earlier, len(lengths), dtype)

    fed = {name: data for name, data in series.items() if name not in values}
    for t in reversed(range(T)) if loop["backward"] else range(T):
        live = (t < lengths).unsqueeze(1)

        def past(name, k, t=t):
            return series[name][t - k] if t - k >= 0 else before[name][k - t - 1]

        def settle(name, value, t=t, live=live):
            if loop["backward"]:
                value = hold(live, value, values[name][t + 1] if t + 1 < T else after(name, value))
            elif t > 0:
                value = hold(live, value, values[name][t - 1])
            values[name][t] = value
            return value

        x = {name: data[t] for name, data in fed.items()}
        for k, s in step(rows, x, past, settle, Reads(series, values, t, T, after, earlier)).items():
            found[k][t] = s
    for k, steps in found.items():
        scored[k] = torch.stack(steps)


def hold(live, value, other):
    """`value` in the rows of the examples that are `live` [B, 1], `other` in the rest (a row of
    each example, or B * S rows, example by example, for a value over another sequence's steps)."""
    if value.dim() == 2 and value.shape[0] != live.shape[0]:
        live = live.repeat_interleave(value.shape[0] // max(1, live.shape[0]), dim=0)
    return torch.where(live, value, other)


class Reads:
    """What a step reads beyond its inputs and its own past: a state read ahead, a quantity of
    the backward loop at this step, and what the sequences computed before this one left."""

    def __init__(self, series, values, t, T, after, earlier):
        self.series, self.values, self.t, self.T, self.after, self.earlier = series, values, t, T, after, earlier

    def ahead(self, name, k):
        """A state k steps later; past the last step, its initial value."""
        t = self.t + k
        return self.series[name][t] if t < self.T else self.after(name, None)

    def now(self, name):
        """A quantity of the backward loop at this step."""
        return self.values[name][self.t]

    def last(self, name):
        """A state of a sequence computed before, at each example's last real step of it."""
        return self.earlier.last[name]

    def steps(self, name):
        """A quantity of a sequence computed before, at its every step: rows [B * S, n]."""
        return self.earlier.steps[name]

    def extent(self, sequence):
        """The steps and lengths of a sequence computed before (what attention's reductions run over)."""
        return self.earlier.extents[sequence]


class Earlier:
    """What the sequences computed so far leave for the later ones (engine/interpret/sequences.ts):
    their states at each example's last real step ([B][n], `e[last]`), their quantities at every
    step ([B * S][n], example by example: attention's `e[s]`), and their extents."""

    def __init__(self):
        self.last, self.steps, self.extents = {}, {}, {}

    def keep(self, sequence, quantities, extent):
        B = extent.lengths.shape[0]
        for name in sequence["read_at_last"]:
            self.last[name] = quantities[name][extent.lengths - 1, torch.arange(B)]
        for name in sequence["read_at_every_step"]:
            values = quantities[name]
            self.steps[name] = values.transpose(0, 1).reshape(B * extent.T, values.shape[-1])
        if sequence["name"] is not None:
            self.extents[sequence["name"]] = extent


def state_named(name):
    return next((s for s in MODEL["states"] if s["name"] == name), None)


def initial_value(state, p, earlier, B, dtype):
    """A state's initial value for B examples: zeros, a constant, a learned parameter, or the
    state of a sequence computed before at its last real step (`= e[last]`)."""
    init = state["init"]
    if init["kind"] == "constant":
        return torch.full((B, state["size"]), float(init["value"]), dtype=dtype)
    if init["kind"] == "learned":
        return p[init["param"]].expand(B, -1)
    if init["kind"] == "last":
        return earlier.last[init["source"]]
    return torch.zeros((B, state["size"]), dtype=dtype)


def total_loss(model, run, batch, counts=None):
    """The sum of the model's losses; `counts[k]` is the number of positions loss k divides by
    under `reduce = mean` (default: this batch's; a shard of a batch gives the whole batch's, so
    that the shards' losses add up to the batch's)."""
    total = None
    for k, spec in enumerate(MODEL["losses"]):
        target = batch.targets[spec["target"]]
        scored, extent = run.scored[k], batch.extent(spec["sequence"])
        if spec["at"] == "last":
            rows, targets = scored[extent.lengths - 1, torch.arange(batch.B)], target
        else:
            real = extent.real.t()
            rows, targets = scored[real], target[real]
        term = model.loss_terms(k, rows, targets).sum()
        if spec["reduce"] == "mean":
            term = term / (counts[k] if counts is not None else rows.shape[0])
        total = term if total is None else total + term
    return total


def place_parameter(module, name, parameter):
    """Registers `parameter` under its .rnn name: `h.W_i` as W_i of a container `h`, so that
    state_dict() and named_parameters() give exactly the .rnn names. The registries are used
    directly, so a name that is also an attribute of nn.Module (`train`, `forward`) is as good
    as any."""
    *path, last = name.split(".")
    for part in path:
        if part not in module._modules:
            module._modules[part] = nn.Module()
        module = module._modules[part]
    module._parameters[last] = parameter


def values_before(p, B, carry, dtype, names, earlier):
    """For the states and delayed inputs `names`, their values 1, 2, ... steps before the first
    step: what a previous chunk of the same streams left (`carry`), else the state's initial
    value, an input's zero (one-hot: no id)."""
    before = {}
    delayed = {source["name"]: source for source in MODEL["delayed"]}
    for name in names:
        source = delayed[name]
        if carry is not None and name in carry:
            before[name] = carry[name]
            continue
        state = state_named(name)
        if source["onehot"]:
            value = torch.full((B,), -1, dtype=torch.long)
        elif state is not None:
            value = initial_value(state, p, earlier, B, dtype)
        else:
            value = torch.zeros((B, source["size"]), dtype=dtype)
        before[name] = [value] * source["depth"]
    return before


def carry_out(series, before, lengths):
    """What this batch leaves for the next chunk of the same streams: for each state and
    delayed input, its values at each row's last real steps, most recent first."""

    def at(name, step, b):
        # Detached: a chunk's gradient stops at its first step (truncated BPTT), as in rnnc.
        return (series[name][step][b] if step >= 0 else before[name][-step - 1][b]).detach()

    carry = {}
    for source in MODEL["delayed"]:
        name = source["name"]
        carry[name] = [
            torch.stack([at(name, int(lengths[b]) - 1 - j, b) for b in range(len(lengths))])
            if len(lengths) > 0
            else before[name][j].detach()
            for j in range(source["depth"])
        ]
    return carry


# --- numbers and JSON as rnnc writes them ---------------------------------------------------


def js_number(x):
    """A number as JavaScript prints it (the shortest digits that read back as the same double),
    so that equal results print as equal text."""
    x = float(x)
    if x != x or x in (math.inf, -math.inf):
        return "null"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(whole + fraction) - len((whole + fraction).lstrip("0")))
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = (digits[0] + ("." + digits[1:] if k > 1 else "")) + "e" + ("+" if e > 0 else "-") + str(abs(e))
    return sign + text


def js_json(value, indent=None, level=0):
    """JSON.stringify(value, null, indent): compact or indented, numbers as JavaScript prints them."""
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = [(json.dumps(str(k), ensure_ascii=False), v) for k, v in value.items()]
        return wrap(
            "{", "}", [f"{k}:{' ' if indent else ''}{js_json(v, indent, level + 1)}" for k, v in items], indent, level
        )
    if isinstance(value, (list, tuple)):
        return wrap("[", "]", [js_json(v, indent, level + 1) for v in value], indent, level)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def wrap(open_, close, parts, indent, level):
    if not parts:
        return open_ + close
    if not indent:
        return open_ + ",".join(parts) + close
    inner = "\n" + " " * (indent * (level + 1))
    return open_ + inner + ("," + inner).join(parts) + "\n" + " " * (indent * level) + close


def nested(tensor):
    """A tensor as nested lists of Python floats."""
    return tensor.detach().to(torch.float64).tolist()


# --- safetensors, as rnnc reads and writes them ----------------------------------------------


SAFETENSORS_DTYPES = {
    "F64": (torch.float64, 8),
    "F32": (torch.float32, 4),
    "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2),
    "I64": (torch.int64, 8),
    "I32": (torch.int32, 4),
}


def looks_like_safetensors(data):
    """An 8-byte little-endian header length that fits the file, then '{' (JSON text never passes)."""
    return len(data) >= 9 and struct.unpack("<Q", data[:8])[0] + 8 <= len(data) and data[8:9] == b"{"


def read_safetensors(data, where):
    """{name: float64 tensor of its shape}, and the metadata."""
    try:
        (length,) = struct.unpack("<Q", data[:8])
        header = json.loads(data[8 : 8 + length].decode("utf-8"))
        start = 8 + length
        tensors, metadata = {}, header.pop("__metadata__", None)
        for name, entry in header.items():
            dtype, size = SAFETENSORS_DTYPES[entry["dtype"]]
            begin, end = entry["data_offsets"]
            raw = bytearray(data[start + begin : start + end])
            flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.zeros(0, dtype=dtype)
            tensors[name] = flat.to(torch.float64).reshape(entry["shape"])
        return tensors, metadata
    except (KeyError, ValueError, TypeError, struct.error, UnicodeDecodeError) as e:
        raise UsageError(f"{where}: not a readable safetensors file ({e})") from None


def write_safetensors(path, tensors, dtype="F64", metadata=None):
    """rnnc's (and the reference library's) layout: compact header, __metadata__ first, tensors
    in UTF-8 byte order of their names, header padded with spaces to a multiple of 8."""
    torch_dtype, size = SAFETENSORS_DTYPES[dtype]
    names = sorted(tensors, key=lambda n: n.encode("utf-8"))
    entries, blobs, offset = [], [], 0
    if metadata is not None:
        entries.append(f'"__metadata__":{json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)}')
    for name in names:
        tensor = tensors[name].detach().to(torch_dtype).contiguous()
        blob = ctypes.string_at(tensor.data_ptr(), tensor.numel() * size) if tensor.numel() else b""
        info = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        entries.append(f"{json.dumps(name, ensure_ascii=False)}:{json.dumps(info, separators=(',', ':'))}")
        blobs.append(blob)
        offset += len(blob)
    header = ("{" + ",".join(entries) + "}").encode("utf-8")
    header += b" " * ((8 - len(header) % 8) % 8)
    write_atomic(path, struct.pack("<Q", len(header)) + header + b"".join(blobs))


def write_atomic(path, data):
    """Written under a temporary name and renamed: a file is whole or absent, never half written."""
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


# --- weights and the normative JSON batch --------------------------------------------------


def read_weights(path):
    """Parameters from the normative JSON ({name: nested arrays}) or safetensors, checked against the model."""
    data = read_bytes(path, "weights file")
    if looks_like_safetensors(data):
        tensors, _ = read_safetensors(data, path)
    else:
        record = parse_json(data, path)
        if not isinstance(record, dict):
            raise UsageError(f"{path}: weights must be a JSON object with one key per parameter")
        tensors = {}
        for name, value in record.items():
            try:
                tensors[name] = torch.tensor(value, dtype=torch.float64)
            except (TypeError, ValueError):
                raise UsageError(f"{path}: parameter '{name}' is not an array of numbers") from None
    return checked_weights(tensors, path)


def checked_weights(tensors, where):
    declared = [spec["name"] for spec in MODEL["params"]]
    unknown = [n for n in tensors if n not in declared]
    if unknown:
        raise UsageError(
            f"{where}: unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(repr(n) for n in unknown)}; the model's parameters are {', '.join(declared)}"
        )
    out = {}
    for spec in MODEL["params"]:
        name, shape = spec["name"], spec["shape"]
        if name not in tensors:
            raise UsageError(f"{where}: missing parameter '{name}' (shape {shape})")
        tensor = tensors[name]
        if list(tensor.shape) != shape:
            raise UsageError(
                f"{where}: parameter '{name}' has shape {list(tensor.shape)}, but the model declares {shape}"
            )
        if not bool(torch.isfinite(tensor).all()):
            raise UsageError(f"{where}: parameter '{name}' holds a value that is not finite; weights must be finite")
        out[name] = tensor
    return out


def load_weights(model, weights):
    with torch.no_grad():
        for name, parameter in model.weights().items():
            parameter.copy_(weights[name])


def read_batch(path, dtype, require_targets):
    """The normative JSON batch for this model."""
    record = parse_json(read_bytes(path, "data file"), path)
    return batch_from_json(record, dtype, require_targets, path)


def batch_from_json(record, dtype, require_targets, where):
    if not isinstance(record, dict):
        raise UsageError(f"{where}: data must be a JSON object with keys {expected_keys()}")
    known = {i["name"] for i in MODEL["inputs"]} | {t["name"] for t in MODEL["targets"]} | {"lengths"}
    unknown = [k for k in record if k not in known]
    if unknown:
        raise UsageError(
            f"{where}: unknown data key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)}; expected {expected_keys()}"
        )
    extents = json_extents(record, where)
    B = len(next(iter(extents.values()))[1])
    steps = {name: T for name, (T, _) in extents.items()}
    inputs = {}
    for spec in MODEL["inputs"]:
        if spec["name"] not in record:
            raise UsageError(f"{where}: missing input '{spec['name']}'")
        outer = [steps[spec.get("sequence")], B]
        if spec["encoding"] == "onehot":
            inputs[spec["name"]] = ids_tensor(record[spec["name"]], outer, spec["name"], spec["size"], where)
        else:
            inputs[spec["name"]] = reals_tensor(record[spec["name"]], outer + [spec["size"]], spec["name"], dtype, where)
    targets = {}
    for spec in MODEL["targets"]:
        name = spec["name"]
        if name not in record:
            if require_targets and any(loss["target"] == name for loss in MODEL["losses"]):
                raise UsageError(f"{where}: missing target '{name}', which the loss scores")
            continue
        outer = [steps[spec.get("sequence")], B] if scored_at_each(name) else [B]
        if spec["kind"] == "class":
            targets[name] = ids_tensor(record[name], outer, name, spec["size"], where)
        else:
            targets[name] = reals_tensor(record[name], outer + [spec["size"]], name, dtype, where)
    T, lengths = extents[MODEL["sequences"][-1]["name"]]
    return Batch(T, B, inputs, targets, lengths, extents if len(extents) > 1 else None)


def json_extents(record, where):
    """Each sequence's steps and lengths, by step variable (None for the one of a model of one):
    T from its first input (or target scored at each step), lengths from "lengths" ([B], or for
    several sequences {"s": [B], ...}), else all T."""
    names = [s["name"] for s in MODEL["sequences"]]
    extents, B = {}, None
    for sequence in names:
        first = first_over(sequence, record, where)
        if first not in record:
            raise UsageError(f"{where}: missing input '{first}'")
        value = record[first]
        T = len(value) if isinstance(value, list) else 0
        b = len(value[0]) if T and isinstance(value[0], list) else 0
        if not T or not b:
            raise UsageError(f"{where}: input '{first}' needs at least one step of at least one sequence")
        if B is not None and b != B:
            raise UsageError(f"{where}: '{first}' has {b} examples, but the other sequences have {B}")
        B = b
        extents[sequence] = [T, torch.full((B,), T, dtype=torch.long)]
    given = record.get("lengths")
    if given is None:
        return extents
    several = len(names) > 1
    if several and not isinstance(given, dict):
        shape = ", ".join(f"{json.dumps(n)}: [B]" for n in names)
        raise UsageError(
            f"{where}: lengths of a model of several sequences is an object of each sequence's lengths, {{{shape}}}"
        )
    for sequence, value in given.items() if several else [(None, given)]:
        if sequence not in extents:
            raise UsageError(f"{where}: lengths of '{sequence}': the model's sequences are {', '.join(names)}")
        T = extents[sequence][0]
        lengths = ids_tensor(value, [B], "lengths" if sequence is None else f"lengths.{sequence}", T + 1, where)
        if bool((lengths < 1).any()):
            raise UsageError(f"{where}: a length is a whole number from 1 to T = {T}")
        extents[sequence][1] = lengths
    return extents


def first_over(sequence, record, where):
    """What a batch's steps of a sequence are read from: the model's first input (of a model of
    one sequence), else the first input or target scored at each step over it that the record has."""
    if sequence is None:
        return MODEL["inputs"][0]["name"]
    over = [i for i in MODEL["inputs"]] + [t for t in MODEL["targets"] if scored_at_each(t["name"])]
    names = [d["name"] for d in over if d.get("sequence") == sequence]
    given = [n for n in names if n in record]
    if not given:
        raise UsageError(f"{where}: no data over sequence {sequence}: give its inputs or targets")
    return given[0]


def expected_keys():
    names = [i["name"] for i in MODEL["inputs"]] + [t["name"] for t in MODEL["targets"]]
    return ", ".join(repr(n) for n in names) + ", 'lengths' (optional)"


def scored_at_each(target):
    return any(loss["target"] == target and loss["at"] == "each" for loss in MODEL["losses"])


def ids_tensor(value, shape, name, limit, where):
    tensor = nested_tensor(value, shape, name, torch.long, where, whole=True)
    if bool(((tensor < 0) | (tensor >= limit)).any()):
        raise UsageError(f"{where}: ids of '{name}' are whole numbers from 0 to {limit - 1}")
    return tensor


def reals_tensor(value, shape, name, dtype, where):
    tensor = nested_tensor(value, shape, name, dtype, where, whole=False)
    if not bool(torch.isfinite(tensor).all()):
        raise UsageError(f"{where}: values of '{name}' must be finite")
    return tensor


def nested_tensor(value, shape, name, dtype, where, whole):
    def check(v, depth, path):
        if depth == len(shape):
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and (not whole or float(v).is_integer())
            if not ok:
                raise UsageError(
                    f"{where}: {path} must be {'a whole number' if whole else 'a number'}, not {json.dumps(v)[:20]}"
                )
            return
        if not isinstance(v, list) or len(v) != shape[depth]:
            raise UsageError(f"{where}: {path} must be an array of {shape[depth]} (shape {shape})")
        for i, item in enumerate(v):
            check(item, depth + 1, f"{path}[{i}]")

    check(value, 0, name)
    return (
        torch.tensor(value, dtype=torch.float64).to(dtype)
        if not whole
        else torch.tensor(value, dtype=torch.float64).to(torch.long)
    )


def read_bytes(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"cannot read {what} '{path}': {e.strerror or e}") from None


def parse_json(data, where):
    try:
        return json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (ValueError, UnicodeDecodeError) as e:
        raise UsageError(f"{where}: not valid JSON ({e})") from None


# --- `run`: what `rnnc run` prints -----------------------------------------------------------


def run_command(args):
    dtype = {"f64": torch.float64, "f32": torch.float32}[args.dtype]
    model = MODEL_CLASS(dtype)
    names = [q["name"] for q in MODEL["quantities"]]
    outputs = MODEL["outputs"] if args.outputs is None else [n.strip() for n in args.outputs.split(",") if n.strip()]
    for name in outputs:
        if name not in names:
            raise UsageError(f"--outputs: the model has no quantity '{name}' (quantities: {', '.join(names)})")
    weights = read_weights(args.weights) if args.weights else initial_weights(args.seed)
    load_weights(model, weights)
    if args.grad and not MODEL["losses"]:
        raise UsageError("--grad needs a loss, and the model declares none")
    batch = read_batch(args.data, dtype, require_targets=args.grad)
    has_targets = all(loss["target"] in batch.targets for loss in MODEL["losses"])
    with torch.set_grad_enabled(bool(args.grad)):
        run = model(batch)
        check_finite(run, batch.B)
        loss = model.loss(run, batch) if has_targets and MODEL["losses"] else None
    result = {
        "loss": None if loss is None else float(loss.detach()),
        "outputs": {name: nested(output_values(run, batch, name)) for name in outputs},
    }
    if args.grad:
        parameters = list(model.weights().values())
        grads = torch.autograd.grad(loss, parameters, allow_unused=True)
        result["grads"] = {
            spec["name"]: nested(g if g is not None else torch.zeros_like(w))
            for spec, g, w in zip(MODEL["params"], grads, parameters)
        }
    sys.stdout.write(js_json(result) + "\n")


def output_values(run, batch, name):
    """A quantity as `rnnc run` prints it: [T][B][n] over its own sequence's steps, [T][B][S][n]
    for one over the steps of another sequence (attention's weights)."""
    values = run.quantities[name]
    over = next(q["over"] for q in MODEL["quantities"] if q["name"] == name)
    return values if over is None else values.reshape(values.shape[0], batch.B, -1, values.shape[-1])


def check_finite(run, B):
    """Overflow is reported where it starts, as rnnc reports it, not as a NaN loss."""
    for q in MODEL["quantities"]:
        values = run.quantities[q["name"]]
        bad = (~torch.isfinite(values)).nonzero()
        if len(bad):
            t, row = int(bad[0][0]), int(bad[0][1])
            example = row // (values.shape[1] // B)
            raise UsageError(
                f"'{q['name']}' is {float(values[t, row][~torch.isfinite(values[t, row])][0])} at step {t + 1} of sequence {example + 1}: the forward pass overflowed"
            )


# --- rnnc's random numbers and initialisers ---------------------------------------------------


MASK32 = 0xFFFFFFFF


class Rng:
    """rnnc's generator (runtime/rng.ts): xoshiro128** seeded by splitmix32, 32-bit integer
    operations only, so its integers, uniforms and shuffles are bit-identical to rnnc's. Its
    state is saved in checkpoints and read back by either side."""

    ALGORITHM = "xoshiro128**"

    def __init__(self, seed):
        if not (isinstance(seed, int) and 0 <= seed <= MASK32):
            raise UsageError(f"a seed is a whole number from 0 to 4294967295, not {seed}")
        counter, words = seed, []
        for _ in range(4):
            counter = (counter + 0x9E3779B9) & MASK32
            words.append(splitmix32_mix(counter))
        self.s, self.spare_normal = words, None

    @classmethod
    def from_state(cls, state):
        rng = cls(0)
        if state.get("algorithm") != cls.ALGORITHM or len(state.get("words", [])) != 4:
            raise UsageError(f"the checkpoint's generator is not {cls.ALGORITHM}")
        rng.s, rng.spare_normal = [int(w) for w in state["words"]], state.get("spareNormal")
        return rng

    def state(self):
        return {"algorithm": self.ALGORITHM, "words": list(self.s), "spareNormal": self.spare_normal}

    def next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = (rotl32((s1 * 5) & MASK32, 7) * 9) & MASK32
        t = (s1 << 9) & MASK32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl32(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self):
        high27 = self.next_uint32() >> 5
        low26 = self.next_uint32() >> 6
        return (high27 * 67108864 + low26) / 9007199254740992

    def uniform(self, low, high):
        return low + (high - low) * self.next()

    def normal(self, mean=0.0, std=1.0):
        # Box-Muller as rnnc draws it; log, cos and sin may differ from JavaScript's in the last bit.
        if self.spare_normal is not None:
            z, self.spare_normal = self.spare_normal, None
        else:
            u1 = 1 - self.next()
            u2 = self.next()
            radius = math.sqrt(-2 * math.log(u1))
            angle = 2 * math.pi * u2
            z, self.spare_normal = radius * math.cos(angle), radius * math.sin(angle)
        return mean + std * z

    def int(self, n):
        limit = 4294967296 - 4294967296 % n
        x = self.next_uint32()
        while x >= limit:
            x = self.next_uint32()
        return x % n

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.int(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


def splitmix32_mix(z):
    z = ((z ^ (z >> 16)) * 0x21F0AAAD) & MASK32
    z = ((z ^ (z >> 15)) * 0x735A2D97) & MASK32
    return (z ^ (z >> 15)) & MASK32


def rotl32(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK32


def derive_seed(seed, stream):
    """Independent seeds for a run's random streams (weights 0, split 1, shuffle 2), as rnnc derives them."""
    return (seed + stream * 0x9E3779B9) & MASK32


def initial_weights(seed):
    """Fresh parameters as rnnc draws them from a seed: each initialiser in declaration order from one stream."""
    rng = Rng(seed)
    return {spec["name"]: initialise(spec["init"], spec["shape"], rng) for spec in MODEL["params"]}


def initialise(init, shape, rng):
    rows, cols = shape[0], shape[1] if len(shape) == 2 else 1
    size = rows * cols
    kind = init["kind"]
    if kind == "zeros":
        values = [0.0] * size
    elif kind == "ones":
        values = [1.0] * size
    elif kind == "constant":
        values = [float(init["value"])] * size
    elif kind == "uniform":
        values = [rng.uniform(init["low"], init["high"]) for _ in range(size)]
    elif kind == "normal":
        values = [rng.normal(init["mean"], init["std"]) for _ in range(size)]
    elif kind == "xavier":
        fan_in, fan_out = (cols, rows) if len(shape) == 2 else (size, size)
        a = math.sqrt(6 / (fan_in + fan_out))
        values = [rng.uniform(-a, a) for _ in range(size)]
    elif kind == "orthogonal":
        values = orthogonal(rows, cols, init["gain"], rng)
    else:
        raise UsageError(f"unknown initialiser '{kind}'")
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


def orthogonal(rows, cols, gain, rng):
    """rnnc's orthogonal draw (runtime/init.ts, runtime/qr.ts): Householder QR of a Gaussian
    matrix on its tall orientation, signs fixed by diag(R) >= 0, the same operations in the
    same order."""
    tall = rows >= cols
    m, n = (rows, cols) if tall else (cols, rows)
    work = [rng.normal() for _ in range(m * n)]
    reflectors, scales = [0.0] * (m * n), [0.0] * n
    for k in range(n):
        norm_sq = 0.0
        for i in range(k, m):
            norm_sq += work[i * n + k] ** 2
        if norm_sq == 0:
            continue
        x0 = work[k * n + k]
        alpha = -math.sqrt(norm_sq) if x0 >= 0 else math.sqrt(norm_sq)
        for i in range(k, m):
            reflectors[i * n + k] = work[i * n + k]
        reflectors[k * n + k] = x0 - alpha
        scales[k] = 1 / (norm_sq - alpha * x0)
        apply_reflector(reflectors, k, scales[k], work, m, n, k)
    q = [0.0] * (m * n)
    for j in range(n):
        q[j * n + j] = 1.0
    for k in range(n - 1, -1, -1):
        if scales[k] != 0:
            apply_reflector(reflectors, k, scales[k], q, m, n, k)
    for i in range(n):
        if work[i * n + i] < 0:
            for row in range(m):
                q[row * n + i] = -q[row * n + i]
    out = [0.0] * (rows * cols)
    for i in range(m):
        for j in range(n):
            out[i * cols + j if tall else j * cols + i] = gain * q[i * n + j]
    return out


def apply_reflector(reflectors, k, scale, target, m, n, first_col):
    for j in range(first_col, n):
        dot = 0.0
        for i in range(k, m):
            dot += reflectors[i * n + k] * target[i * n + j]
        factor = scale * dot
        for i in range(k, m):
            target[i * n + j] -= factor * reflectors[i * n + k]


# --- training data, as `rnnc train` reads it ------------------------------------------------


def data_format(path):
    ext = os.path.splitext(path)[1].lower()
    if ext == ".tsv":
        return "pairs"
    return "jsonl" if ext in (".jsonl", ".ndjson") else "json" if ext == ".json" else "text"


def utf16_order(text):
    """JavaScript's string order (UTF-16 code units), in which rnnc sorts vocabularies and labels."""
    return text.encode("utf-16-be", "surrogatepass")


class Example:
    """One sequence (or, in a model of several, one example of each): its lengths by step
    variable (None for the one of a model of one); per input its ids [L] or values [L][D]; per
    target its class / values (at last) or one per step (at each), L its own sequence's."""

    def __init__(self, lengths, inputs, targets):
        self.lengths, self.inputs, self.targets = lengths, inputs, targets

    @property
    def length(self):
        """The length of the sequence computed last, as rnnc counts an example."""
        return self.lengths[MODEL["sequences"][-1]["name"]]


class RawData:
    """A data file as read: its bytes' hash, its format and its content."""

    def __init__(self, path):
        self.path, self.format = path, data_format(path)
        data = read_bytes(path, "data")
        self.sha256 = hashlib.sha256(data).hexdigest()
        if self.format == "text":
            self.text = data.decode("utf-8", errors="replace")
            if not self.text:
                raise UsageError(f"{path} is empty")
            bad = self.text.count("\ufffd") + self.text.count("\x00")
            if bad > len(data) // 1000:
                raise UsageError(
                    f"{path} is not UTF-8 text (binary data?); a text corpus must be UTF-8, or give .jsonl or .json data"
                )
        else:
            self.text = data.decode("utf-8", errors="replace")
            if self.format == "jsonl" and looks_like_pairs(self.text):
                self.format = "pairs"


def looks_like_pairs(text):
    """A JSONL file of sentence pairs: its first record has a "source"."""
    first = next((line for line in text.split("\n") if line.strip()), None)
    try:
        record = json.loads(first) if first is not None else None
    except ValueError:
        return False
    return isinstance(record, dict) and "source" in record


def data_roles(fmt):
    """The model's input and target a text, JSONL records or sentence pairs fill."""
    if fmt == "json":
        return None
    if fmt == "pairs":
        return pair_roles()
    if len(MODEL["sequences"]) > 1:
        names = ", ".join(s["name"] for s in MODEL["sequences"])
        raise UsageError(
            f"model {MODEL['name']} reads sequences {names}: it trains on sentence pairs (.tsv, or .jsonl of {{\"source\", \"target\"}}) or the normative JSON batch (.json), not on {'a text' if fmt == 'text' else 'JSONL records'}"
        )
    if fmt == "text" and any(loop["backward"] for loop in MODEL["sequences"][0]["loops"]):
        raise UsageError(
            f"a text corpus is read in chunks that continue each other, and model {MODEL['name']} reads a state ahead ([t+k]), so it reads each sequence to its end first: train it on sequences (.jsonl or .json)"
        )
    wanted = "each" if fmt == "text" else "last"
    onehot = [i for i in MODEL["inputs"] if i["encoding"] == "onehot"]
    targets = [
        t
        for t in MODEL["targets"]
        if t["kind"] == "class"
        and any(loss["target"] == t["name"] and loss["at"] == wanted for loss in MODEL["losses"])
    ]
    if len(MODEL["inputs"]) != 1 or len(onehot) != 1 or not targets or len(MODEL["targets"]) != 1:
        what = (
            "a text corpus trains a character language model"
            if fmt == "text"
            else "JSONL records train a sequence classifier"
        )
        raise UsageError(
            f"{what}, which needs one one-hot input and a class target scored at {wanted} (loss ... at {wanted}); model {MODEL['name']} has another shape"
        )
    return onehot[0]["name"], targets[0]["name"]


JS_WHITESPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def json_line(line, here, shape):
    """A line of a JSONL file as the object it must be (`shape` says what one is)."""
    try:
        record = json.loads(line)
    except ValueError as e:
        raise UsageError(f"{here}: not valid JSON ({e})") from None
    if not isinstance(record, dict):
        raise UsageError(f"{here}: {shape}")
    return record


def parse_jsonl(text, path):
    """Classification records, one a line: {"text": ..., "label": ...} or {"tokens": [...], "label": ...}."""
    records, token_kind, label_kind = [], None, None
    for number, raw in enumerate(text.split("\n"), start=1):
        here = f"{path}:{number}"
        if JS_WHITESPACE.sub("", raw) == "":
            continue
        r = json_line(raw, here, 'a record is a JSON object like {"text": "...", "label": ...}')
        unknown = [k for k in r if k not in ("text", "tokens", "label")]
        if unknown:
            raise UsageError(f'{here}: unknown key {unknown[0]!r}; a record has "text" or "tokens", and "label"')
        if "text" in r and "tokens" in r:
            raise UsageError(f'{here}: give "text" or "tokens", not both')
        if "text" in r:
            if not isinstance(r["text"], str):
                raise UsageError(f'{here}: "text" must be a string')
            tokens = [t for t in JS_WHITESPACE.split(r["text"]) if t]
            if not tokens:
                raise UsageError(f'{here}: "text" has no tokens (it is empty or blank)')
            kind = "string"
        elif "tokens" in r:
            tokens = r["tokens"]
            if not isinstance(tokens, list) or not tokens:
                raise UsageError(f'{here}: "tokens" must be a non-empty array')
            kind = "number" if isinstance(tokens[0], (int, float)) and not isinstance(tokens[0], bool) else "string"
            for j, x in enumerate(tokens):
                ok = (
                    (isinstance(x, int) and not isinstance(x, bool) and x >= 0)
                    if kind == "number"
                    else isinstance(x, str)
                )
                if not ok:
                    raise UsageError(
                        f"{here}: tokens[{j}] is {json.dumps(x)}; tokens are all strings or all whole numbers >= 0"
                    )
        else:
            raise UsageError(f'{here}: the record needs "text" (a string) or "tokens" (an array)')
        token_kind = token_kind or (kind, number)
        if token_kind[0] != kind:
            raise UsageError(
                f"{here}: tokens are {kind}s here but {token_kind[0]}s on line {token_kind[1]}; use one kind in a file"
            )
        if "label" not in r:
            raise UsageError(f'{here}: the record has no "label"')
        label = r["label"]
        lkind = (
            "number"
            if isinstance(label, int) and not isinstance(label, bool) and label >= 0
            else "string"
            if isinstance(label, str)
            else None
        )
        if lkind is None:
            raise UsageError(f'{here}: "label" must be a string or a whole number >= 0')
        label_kind = label_kind or (lkind, number)
        if label_kind[0] != lkind:
            raise UsageError(
                f"{here}: the label is a {lkind} here but a {label_kind[0]} on line {label_kind[1]}; use one kind in a file"
            )
        records.append((number, tokens, label))
    if not records:
        raise UsageError(f"{path}: no records (a JSONL file has one JSON object a line)")
    return records


def pair_roles():
    """Sentence pairs fill a model of two sequences: a one-hot input over the source's steps and a
    class target scored at each step of the target's (engine/data/pairs.ts)."""
    inputs, targets = MODEL["inputs"], MODEL["targets"]
    source = inputs[0] if len(inputs) == 1 and inputs[0]["encoding"] == "onehot" else None
    target = targets[0] if len(targets) == 1 and targets[0]["kind"] == "class" else None
    scored = target is not None and any(l["target"] == target["name"] and l["at"] == "each" for l in MODEL["losses"])
    if len(MODEL["sequences"]) != 2 or not scored or source is None or source.get("sequence") == target.get("sequence"):
        raise UsageError(
            f"sentence pairs train a model of two sequences, a one-hot input over the source's (input x[s] : onehot[V]) and a class target scored at each step of the target's; model {MODEL['name']} has another shape"
        )
    return source["name"], target["name"]


def parse_pairs(raw, tokens):
    """The pairs of a file, `source<TAB>target` a line (.tsv) or {"source": ..., "target": ...}
    (JSONL), each side cut into characters or words; blank lines are skipped."""
    tsv = data_format(raw.path) == "pairs"
    pairs = []
    for number, line in enumerate(raw.text.split("\n"), start=1):
        here = f"{raw.path}:{number}"
        content = line[:-1] if line.endswith("\r") else line
        if JS_WHITESPACE.sub("", content) == "":
            continue
        sides = tab_separated(content, here) if tsv else json_pair(content, here)
        cut = [cut_side(side, tokens) for side in sides]
        for which, parts in zip(("source", "target"), cut):
            if not parts:
                raise UsageError(f"{here}: the {which} is empty: a pair needs both sides")
        pairs.append((number, *cut))
    if not pairs:
        shape = "source<TAB>target" if tsv else '{"source": ..., "target": ...}'
        raise UsageError(f"{raw.path}: no pairs (a line is {shape})")
    return pairs


def cut_side(side, tokens):
    return list(side) if tokens == "chars" else [w for w in JS_WHITESPACE.split(side) if w]


def tab_separated(content, here):
    parts = content.split("\t")
    if len(parts) < 2:
        raise UsageError(f"{here}: no tab: a line is source<TAB>target")
    if len(parts) > 2:
        raise UsageError(f"{here}: {len(parts) - 1} tabs: a line is source<TAB>target, one tab between them")
    return parts


def json_pair(content, here):
    record = json_line(content, here, 'a pair is a JSON object like {"source": "...", "target": "..."}')
    unknown = [k for k in record if k not in ("source", "target")]
    if unknown:
        raise UsageError(f'{here}: unknown key {", ".join(json.dumps(k) for k in unknown)}; a pair has "source" and "target"')
    for side in ("source", "target"):
        if side not in record:
            raise UsageError(f'{here}: the pair has no "{side}"')
        if not isinstance(record[side], str):
            raise UsageError(f'{here}: "{side}" must be a string')
    return record["source"], record["target"]


END_OF_LINE, UNKNOWN = "<eos>", "<unk>"


def pair_vocabulary(tokens, sides, end_of_line):
    """A side's vocabulary as rnnc builds it (engine/data/vocabulary.ts, without a cap): its
    tokens in JavaScript's string order, then the target's `<eos>`."""
    specials = [END_OF_LINE] if end_of_line else []
    own = sorted({t for side in sides for t in side if t not in (END_OF_LINE, UNKNOWN)}, key=utf16_order)
    vocabulary = {"kind": tokens, "entries": own + specials}
    if end_of_line:
        vocabulary["endOfLine"] = len(own)
    return vocabulary


def pair_encoder(vocabulary, which, path):
    """Ids of one side's tokens (`<unk>` for one outside the vocabulary when it has one)."""
    index = {t: i for i, t in enumerate(vocabulary["entries"])}

    def encode(tokens, number):
        ids = [index.get(t, vocabulary.get("unknown")) for t in tokens]
        if None in ids:
            bad = tokens[ids.index(None)]
            raise UsageError(f"{path}:{number}: {bad!r} is not in the {which} vocabulary the model was trained with")
        return ids

    return encode


def data_codebook(raw, saved=None, tokens=None):
    """What the model learns about its data (vocabulary, labels), and the sizes the data needs.
    With a saved codebook (resuming), the ids are the ones training used."""
    if raw.format == "json":
        return {"format": "json"}, {}
    if raw.format == "pairs":
        if saved:
            source, target = saved["vocabulary"], saved["targetVocabulary"]
        else:
            pairs = parse_pairs(raw, tokens or "chars")
            source = pair_vocabulary(tokens or "chars", [p[1] for p in pairs], False)
            target = pair_vocabulary(tokens or "chars", [p[2] for p in pairs], True)
        codebook = {"format": "pairs", "vocabulary": source, "targetVocabulary": target}
        return codebook, {"tokens": len(source["entries"]), "classes": len(target["entries"])}
    if raw.format == "text":
        vocabulary = (
            saved["vocabulary"] if saved else {"kind": "chars", "entries": sorted(set(raw.text), key=utf16_order)}
        )
        n = len(vocabulary["entries"])
        return {"format": "text", "vocabulary": vocabulary}, {"tokens": n, "classes": n}
    records = parse_jsonl(raw.text, raw.path)
    if saved:
        vocabulary, labels = saved.get("vocabulary"), saved["labels"]
    else:
        vocabulary = (
            None
            if isinstance(records[0][1][0], int)
            else {"kind": "tokens", "entries": sorted({t for _, tokens, _ in records for t in tokens}, key=utf16_order)}
        )
        if isinstance(records[0][2], int):
            labels = {"kind": "ids", "names": [], "count": max(r[2] for r in records) + 1}
        else:
            names = sorted({r[2] for r in records}, key=utf16_order)
            labels = {"kind": "names", "names": names, "count": len(names)}
    tokens = len(vocabulary["entries"]) if vocabulary else max(t for _, ts, _ in records for t in ts) + 1
    codebook = {"format": "jsonl", **({"vocabulary": vocabulary} if vocabulary else {}), "labels": labels}
    return codebook, {"tokens": tokens, "classes": labels["count"]}


def check_fits(raw, needs):
    """The exported model's dims are fixed: a one-hot input or class target too small for the data is an error that says what to do."""
    if not needs:
        return
    input_name, target_name = data_roles(raw.format)
    sizes = {
        "tokens": (input_name, next(i["size"] for i in MODEL["inputs"] if i["name"] == input_name)),
        "classes": (target_name, next(t["size"] for t in MODEL["targets"] if t["name"] == target_name)),
    }
    for need, (name, size) in sizes.items():
        if needs[need] > size:
            dim = MODEL["role_dims"].get(name)
            fix = f" (rnnc export {MODEL['file']} --to pytorch --dim {dim}={needs[need]})" if dim else ""
            raise UsageError(
                f"the data in {raw.path} needs {needs[need]} {'ids' if need == 'tokens' else 'classes'} for '{name}', and the exported model has {size}: export it again with room for them{fix}"
            )


def build_dataset(raw, codebook):
    """The data as sequences (classification records, the normative batch) or one id stream (a text)."""
    if raw.format == "json":
        batch = batch_from_json(parse_json(raw.text, raw.path), torch.float64, True, raw.path)
        return ("sequences", examples_from_batch(batch))
    input_name, target_name = data_roles(raw.format)
    if raw.format == "pairs":
        return ("sequences", pair_examples(raw, codebook, input_name, target_name))
    if raw.format == "text":
        index = {c: i for i, c in enumerate(codebook["vocabulary"]["entries"])}
        unknown = sorted({c for c in set(raw.text) if c not in index}, key=utf16_order)
        if unknown:
            raise UsageError(
                f"{raw.path} has {len(unknown)} character{'s' if len(unknown) > 1 else ''} outside the model's vocabulary of {len(index)}: {', '.join(repr(c) for c in unknown[:8])}"
            )
        ids = torch.tensor([index[c] for c in raw.text], dtype=torch.long)
        return ("stream", ids, input_name, target_name)
    vocabulary, labels = codebook.get("vocabulary"), codebook["labels"]
    index = {t: i for i, t in enumerate(vocabulary["entries"])} if vocabulary else None
    examples = []
    for number, tokens, label in parse_jsonl(raw.text, raw.path):
        if index is not None:
            unknown = [t for t in tokens if t not in index]
            if unknown:
                raise UsageError(
                    f"{raw.path}:{number}: token {json.dumps(unknown[0])} is not in the vocabulary of {len(index)} tokens the model was trained with"
                )
            ids = [index[t] for t in tokens]
        else:
            ids = list(tokens)
        if labels["kind"] == "ids":
            cls = label
        elif str(label) in labels["names"]:
            cls = labels["names"].index(str(label))
        else:
            raise UsageError(
                f"{raw.path}:{number}: label {json.dumps(label)} is not one of the {labels['count']} labels the model was trained with"
            )
        examples.append(
            Example(
                {None: len(ids)},
                {input_name: torch.tensor(ids, dtype=torch.long)},
                {target_name: torch.tensor([cls], dtype=torch.long)},
            )
        )
    return ("sequences", examples)


def pair_examples(raw, codebook, input_name, target_name):
    """The pairs as examples: source ids over the source's steps, target ids then `<eos>` over the target's."""
    source, target = codebook["vocabulary"], codebook["targetVocabulary"]
    encode_source, encode_target = pair_encoder(source, "source", raw.path), pair_encoder(target, "target", raw.path)
    sequence_of = {d["name"]: d["sequence"] for d in MODEL["inputs"] + MODEL["targets"]}
    examples = []
    for number, source_tokens, target_tokens in parse_pairs(raw, source["kind"]):
        ids = encode_source(source_tokens, number)
        classes = encode_target(target_tokens, number) + [target["endOfLine"]]
        examples.append(
            Example(
                {sequence_of[input_name]: len(ids), sequence_of[target_name]: len(classes)},
                {input_name: torch.tensor(ids, dtype=torch.long)},
                {target_name: torch.tensor(classes, dtype=torch.long)},
            )
        )
    return examples


def examples_from_batch(batch):
    """The examples of a normative batch, each sequence cut to its real length."""
    out = []
    names = [s["name"] for s in MODEL["sequences"]]
    extents = {name: batch.extent(name) for name in names}
    for b in range(batch.B):
        lengths = {name: int(extents[name].lengths[b]) for name in names}
        inputs = {i["name"]: batch.inputs[i["name"]][: lengths[i.get("sequence")], b] for i in MODEL["inputs"]}
        targets = {
            name: (data[: lengths[target_sequence(name)], b] if scored_at_each(name) else data[b : b + 1])
            for name, data in batch.targets.items()
        }
        out.append(Example(lengths, inputs, targets))
    return out


def target_sequence(name):
    return next(t for t in MODEL["targets"] if t["name"] == name).get("sequence")


def js_round(x):
    """Math.round: halves go up."""
    r = math.floor(x)
    return r + 1 if x - r >= 0.5 else r


def split_dataset(dataset, val_split, seed):
    """rnnc's validation split: a stream's last share; of sequences a seeded choice, each part in file order."""
    if val_split == 0:
        return dataset, None
    if dataset[0] == "stream":
        ids = dataset[1]
        n = len(ids)
        n_val = math.floor(n * val_split)
        if n_val < 2 or n - n_val < 2:
            raise UsageError(
                f"--val-split {val_split} of {n} characters leaves too little to train on or to validate with (each needs 2 characters); use a longer text or --val-split 0"
            )
        return ("stream", ids[: n - n_val], *dataset[2:]), ("stream", ids[n - n_val :], *dataset[2:])
    examples = dataset[1]
    n = len(examples)
    n_val = max(1, js_round(n * val_split))
    if n - n_val < 1:
        raise UsageError(
            f"--val-split {val_split} of {n} sequences leaves none to train on; use more data or --val-split 0"
        )
    order = Rng(derive_seed(seed, 1)).shuffle(list(range(n)))
    return ("sequences", [examples[i] for i in sorted(order[n_val:])]), (
        "sequences",
        [examples[i] for i in sorted(order[:n_val])],
    )


def sequence_batch(examples, indices, dtype):
    """The chosen examples with each sequence padded to its longest (lengths mask the padding);
    no example: an empty batch of one step."""
    chosen = [examples[i] for i in indices]
    B = len(chosen)
    extents = {}
    for sequence in [s["name"] for s in MODEL["sequences"]]:
        lengths = torch.tensor([e.lengths[sequence] for e in chosen], dtype=torch.long)
        extents[sequence] = [max([int(n) for n in lengths], default=1), lengths]
    inputs = {}
    for spec in MODEL["inputs"]:
        onehot, sequence = spec["encoding"] == "onehot", spec.get("sequence")
        T = extents[sequence][0]
        data = torch.zeros((T, B) if onehot else (T, B, spec["size"]), dtype=torch.long if onehot else dtype)
        for b, e in enumerate(chosen):
            data[: e.lengths[sequence], b] = e.inputs[spec["name"]]
        inputs[spec["name"]] = data
    targets = {}
    for spec in MODEL["targets"]:
        name, sequence = spec["name"], spec.get("sequence")
        if not all(name in e.targets for e in chosen):
            continue
        each, cls = scored_at_each(name), spec["kind"] == "class"
        shape = ([extents[sequence][0], B] if each else [B]) + ([] if cls else [spec["size"]])
        data = torch.zeros(shape, dtype=torch.long if cls else dtype)
        for b, e in enumerate(chosen):
            if each:
                L = e.lengths[sequence]
                data[:L, b] = e.targets[name].reshape(data[:L, b].shape)
            else:
                data[b] = e.targets[name].reshape(data[b].shape)
        targets[name] = data
    T, lengths = extents[MODEL["sequences"][-1]["name"]]
    return Batch(T, B, inputs, targets, lengths, extents if len(extents) > 1 else None)


def plan_stream(length, B, seq_len):
    """B parallel streams of a text (stream b starts at b * steps), read in chunks of seq_len steps."""
    usable = length - 1
    if usable < 1:
        raise UsageError(
            f"the text has {length} characters; a language model needs at least 2 (one to read, one to predict)"
        )
    streams = max(1, min(B, usable))
    steps = usable // streams
    return {"B": streams, "seq_len": seq_len, "steps": steps, "chunks": -(-steps // seq_len)}


def stream_chunk(dataset, plan, chunk, rows=None):
    """Chunk `chunk` of the streams `rows` (default: all): the model reads ids[t] and predicts ids[t + 1]."""
    _, ids, input_name, target_name = dataset
    rows = list(range(plan["B"])) if rows is None else rows
    start = chunk * plan["seq_len"]
    T = min(plan["seq_len"], plan["steps"] - start)
    starts = torch.tensor([b * plan["steps"] + start for b in rows], dtype=torch.long)
    positions = starts.unsqueeze(0) + torch.arange(T).unsqueeze(1)
    x = ids[positions] if rows else torch.zeros((T, 0), dtype=torch.long)
    y = ids[positions + 1] if rows else torch.zeros((T, 0), dtype=torch.long)
    return Batch(T, len(rows), {input_name: x}, {target_name: y}, torch.full((len(rows),), T, dtype=torch.long))


def batches_per_epoch(dataset, batch, seq_len):
    if dataset[0] == "stream":
        return plan_stream(len(dataset[1]), batch, seq_len)["chunks"]
    return -(-len(dataset[1]) // batch)


def scored_positions(batch):
    """Positions the model's first loss scores in a batch."""
    if not MODEL["losses"]:
        return 0
    return loss_positions(batch, MODEL["losses"][0])


def loss_positions(batch, loss):
    """The positions a loss scores in a batch: each example's last step, or every real step of its sequence."""
    return batch.B if loss["at"] == "last" else int(batch.extent(loss["sequence"]).lengths.sum())


def loss_per_position(loss, positions):
    return loss / positions if MODEL["losses"][0]["reduce"] == "sum" else loss


def position_counts(batch):
    """Positions each loss divides by under reduce = mean, for the whole batch."""
    return [loss_positions(batch, loss) for loss in MODEL["losses"]]


def has_perplexity():
    loss = MODEL["losses"][0] if MODEL["losses"] else None
    return (
        bool(loss)
        and loss["fn"] == "cross_entropy"
        and next(t for t in MODEL["targets"] if t["name"] == loss["target"])["kind"] == "class"
    )


def evaluate(model, dataset, batch_size, seq_len, dtype):
    """Loss per scored position over a dataset (and accuracy, perplexity), as rnnc evaluates."""
    loss_spec = MODEL["losses"][0]
    target = next(t for t in MODEL["targets"] if t["name"] == loss_spec["target"])
    count_accuracy = target["kind"] == "class"
    loss_sum, positions, correct, carry = 0.0, 0, 0, None
    with torch.no_grad():
        if dataset[0] == "stream":
            plan = plan_stream(len(dataset[1]), batch_size, seq_len)
            batches = ((stream_chunk(dataset, plan, k), k > 0) for k in range(plan["chunks"]))
        else:
            n = len(dataset[1])
            batches = (
                (sequence_batch(dataset[1], range(s, min(s + batch_size, n)), dtype), False)
                for s in range(0, n, batch_size)
            )
        for batch, continues in batches:
            batch = batch_in(batch, dtype)
            run = model(batch, carry if continues else None)
            n = scored_positions(batch)
            loss_sum += loss_per_position(float(model.loss(run, batch)), n) * n
            positions += n
            if count_accuracy:
                correct += count_correct(run.quantities[loss_spec["prediction"]], batch, loss_spec)
            if dataset[0] == "stream":
                carry = run.carry
    mean = loss_sum / positions
    out = {"loss": mean, "positions": positions}
    if count_accuracy:
        out["accuracy"] = correct / positions
    if has_perplexity():
        out["perplexity"] = math.inf if exp_overflows(mean) else math.exp(mean)
    return out


def count_correct(predictions, batch, loss_spec):
    best = predictions.argmax(-1)
    target = batch.targets[loss_spec["target"]]
    extent = batch.extent(loss_spec["sequence"])
    if loss_spec["at"] == "last":
        return int((best[extent.lengths - 1, torch.arange(batch.B)] == target).sum())
    return int(((best == target) & extent.real.t()).sum())


def batch_in(batch, dtype):
    """The batch with its real numbers in `dtype`."""

    def cast(v):
        return v.to(dtype) if v.is_floating_point() else v

    return Batch(
        batch.T,
        batch.B,
        {k: cast(v) for k, v in batch.inputs.items()},
        {k: cast(v) for k, v in batch.targets.items()},
        batch.lengths,
        batch.extents,
    )


# --- optimisers and clipping, as rnnc's (engine/train/optimizers.ts, runtime/clip.ts) -------


DEFAULT_LEARNING_RATES = {"sgd": 0.1, "momentum": 0.05, "adam": 0.005}


class Optimizer:
    """rnnc's update rules, entry by entry in the same order of operations (not torch.optim's):
    sgd w -= lr g; momentum v = mu v + g, w -= lr v; adam with bias corrections."""

    def __init__(self, config, weights):
        self.config, self.t = config, 0
        kind = config["kind"]
        names = ["m", "v"] if kind == "adam" else ["velocity"] if kind == "momentum" else []
        self.slots = {slot: {n: torch.zeros_like(w) for n, w in weights.items()} for slot in names}

    def step(self, weights, grads):
        self.t += 1
        c = self.config
        with torch.no_grad():
            for name, w in weights.items():
                g = grads[name]
                if c["kind"] == "sgd":
                    w.sub_(c["lr"] * g)
                elif c["kind"] == "momentum":
                    v = self.slots["velocity"][name]
                    v.copy_(c["momentum"] * v + g)
                    w.sub_(c["lr"] * v)
                else:
                    m, v = self.slots["m"][name], self.slots["v"][name]
                    c1, c2 = 1 - c["beta1"] ** self.t, 1 - c["beta2"] ** self.t
                    m.copy_(c["beta1"] * m + (1 - c["beta1"]) * g)
                    v.copy_(c["beta2"] * v + (1 - c["beta2"]) * g * g)
                    w.sub_((c["lr"] * (m / c1)) / (torch.sqrt(v / c2) + c["eps"]))


def l2_norm(tensors):
    """sqrt(sum of squares) over every entry, recomputed scaled where the squares over- or underflow."""
    direct = float(sum(float((t.to(torch.float64) ** 2).sum()) for t in tensors))
    if math.isfinite(direct) and direct >= 2.0**-960:
        return math.sqrt(direct)
    if direct != direct:
        return math.nan
    scale = max((float(t.abs().max()) for t in tensors if t.numel()), default=0.0)
    if scale in (0.0, math.inf):
        return scale
    return scale * math.sqrt(sum(float(((t.to(torch.float64) / scale) ** 2).sum()) for t in tensors))


def clip(grads, clip_value, clip_norm):
    """rnnc's clipping, by value then by global norm; returns whether anything was clipped."""
    clipped = False
    with torch.no_grad():
        if clip_value is not None:
            over = sum(int((g.abs() > clip_value).sum()) for g in grads)
            for g in grads:
                g.clamp_(-clip_value, clip_value)
            clipped = over > 0
        if clip_norm is not None:
            norm = l2_norm(grads)
            if clip_norm < norm < math.inf:
                for g in grads:
                    g.mul_(clip_norm / norm)
            clipped = norm > clip_norm or clipped
    return clipped


# --- rnnc's training state and checkpoints (engine/train/checkpoint.ts) -----------------------


CHECKPOINT_FILE = "checkpoint.json"
METRICS_FILE = "metrics.jsonl"
LOCK_FILE = "train.lock"


class TrainState:
    """Everything that decides the rest of a run, as rnnc keeps it: a run saved after step k and
    resumed (by rnnc or here) computes what the uninterrupted run computes from step k on."""

    def __init__(self, weights, config):
        self.weights = weights
        self.optimizer = Optimizer(config["optimizer"], weights)
        self.shuffle = Rng(derive_seed(config["seed"], 2))
        self.step = self.epoch = self.batch_in_epoch = 0
        self.order = None
        self.carry = None
        self.epoch_loss = {"sum": 0.0, "positions": 0}
        self.recent_norms, self.explosions = [], 0
        self.losses = {"recent": [], "initial": None, "lowest": None}


def checkpoint_fixed(raw, val_raw, codebook, config, world):
    """What stays the same across a run's checkpoints."""
    return {
        "format": "rnnc-checkpoint",
        "version": 1,
        "model": {
            "file": MODEL["file"],
            "name": MODEL["name"],
            "sha256": MODEL["sha256"],
            "source": MODEL["source"],
            "dims": MODEL["dims"],
            "overrides": model_overrides(raw),
        },
        "data": {
            "path": raw.path,
            "sha256": raw.sha256,
            **({"valPath": val_raw.path, "valSha256": val_raw.sha256} if val_raw else {}),
            "codebook": codebook,
        },
        "config": {**config, "backend": "pytorch", "threads": 1, "processes": world},
    }


def model_overrides(raw):
    """The dims `--dim` would give rnnc for these weights: the export's, and for a text or JSONL
    file the one-hot input's and class target's (rnnc would otherwise take them from the data)."""
    overrides = dict(MODEL["overrides"])
    roles = data_roles(raw.format)
    for name in roles or []:
        dim = MODEL["role_dims"].get(name)
        if dim:
            overrides[dim] = MODEL["dims"][dim]
    return overrides


def save_checkpoint(directory, fixed, state, metrics_bytes, finished, best=None):
    """rnnc's layout: weights-<step> and state-<step> first, then checkpoint.json naming them
    (renamed last, so a run killed at any moment leaves a complete checkpoint), then
    weights.safetensors for `rnnc run --weights`."""
    tag = f"{state.step:07d}"
    files = {"weights": f"weights-{tag}.safetensors", "state": f"state-{tag}.safetensors"}
    write_safetensors(os.path.join(directory, files["weights"]), state.weights, "F64", {"step": str(state.step)})
    tensors, onehot = {}, []
    for slot, arrays in state.optimizer.slots.items():
        for name, a in arrays.items():
            tensors[f"optimizer/{slot}/{name}"] = a.reshape(-1)
    for source, values in (state.carry or {}).items():
        if not values[0].is_floating_point():
            onehot.append(source)
        for j, v in enumerate(values):
            tensors[f"carry/{source}/{j}"] = v.reshape(-1).to(torch.float64)
    meta = {
        "step": str(state.step),
        "optimizer_t": str(state.optimizer.t),
        "carry": "yes" if state.carry else "no",
        "carry_onehot": json.dumps(onehot, separators=(",", ":"), ensure_ascii=False),
    }
    write_safetensors(os.path.join(directory, files["state"]), tensors, "F64", meta)
    checkpoint = {
        **fixed,
        "step": state.step,
        "epoch": state.epoch,
        "batchInEpoch": state.batch_in_epoch,
        "finished": finished,
        "files": files,
        "rng": state.shuffle.state(),
        "order": state.order,
        "epochLoss": state.epoch_loss,
        "recentNorms": state.recent_norms,
        "explosions": state.explosions,
        "losses": state.losses,
        **({"best": best} if best else {}),
        "metricsBytes": metrics_bytes,
        "savedAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    write_atomic(os.path.join(directory, CHECKPOINT_FILE), js_json(checkpoint, indent=1) + "\n")
    with open(os.path.join(directory, files["weights"]), "rb") as f:
        write_atomic(os.path.join(directory, "weights.safetensors"), f.read())
    for name in os.listdir(directory):
        if re.fullmatch(r"(weights|state)-\d+\.safetensors", name) and name not in files.values():
            os.remove(os.path.join(directory, name))


def read_checkpoint_meta(directory):
    path = os.path.join(directory, CHECKPOINT_FILE)
    meta = parse_json(read_bytes(path, "checkpoint"), path)
    if not isinstance(meta, dict) or meta.get("format") != "rnnc-checkpoint" or meta.get("version") != 1:
        raise UsageError(f"{path} is not an rnnc checkpoint")
    return meta


def load_checkpoint(directory, config):
    """The training state a checkpoint holds (rnnc's or this file's)."""
    meta = read_checkpoint_meta(directory)
    weights, wmeta = read_safetensors(
        read_bytes(os.path.join(directory, meta["files"]["weights"]), "checkpoint"), directory
    )
    tensors, smeta = read_safetensors(
        read_bytes(os.path.join(directory, meta["files"]["state"]), "checkpoint"), directory
    )
    if (wmeta or {}).get("step") != str(meta["step"]) or (smeta or {}).get("step") != str(meta["step"]):
        raise UsageError(f"checkpoint files in '{directory}' disagree about the step; the checkpoint is damaged")
    weights = checked_weights(weights, directory)
    state = TrainState({n: w.clone() for n, w in weights.items()}, config)
    for key, t in tensors.items():
        parts = key.split("/")
        if parts[0] == "optimizer":
            slot, name = parts[1], "/".join(parts[2:])
            state.optimizer.slots[slot][name].copy_(t.reshape(weights[name].shape))
    state.optimizer.t = int((smeta or {}).get("optimizer_t", 0))
    if (smeta or {}).get("carry") == "yes":
        onehot = set(json.loads(smeta.get("carry_onehot", "[]")))
        sizes = {s["name"]: s["size"] for s in MODEL["delayed"]}
        carry = {}
        for key, t in tensors.items():
            parts = key.split("/")
            if parts[0] != "carry":
                continue
            source, j = "/".join(parts[1:-1]), int(parts[-1])
            value = t.to(torch.long) if source in onehot else t.reshape(-1, sizes[source])
            carry.setdefault(source, {})[j] = value
        state.carry = {s: [v[j] for j in sorted(v)] for s, v in carry.items()}
    state.shuffle = Rng.from_state(meta["rng"])
    state.step, state.epoch, state.batch_in_epoch = meta["step"], meta["epoch"], meta["batchInEpoch"]
    state.order = meta["order"]
    state.epoch_loss = meta["epochLoss"]
    state.recent_norms, state.explosions = meta["recentNorms"], meta["explosions"]
    state.losses = meta.get("losses") or {"recent": [], "initial": None, "lowest": None}
    return meta, state


class RunLock:
    """train.lock, as rnnc takes it: created whole and exclusively (hard link), naming pid, host
    and start; a lock whose process is gone on this host is taken over."""

    def __init__(self, directory):
        self.path = os.path.join(directory, LOCK_FILE)
        self.me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        for _ in range(5):
            if self._create():
                return
            holder = self._holder()
            if holder is None:
                continue
            if holder == "unreadable":
                raise UsageError(
                    f"{self.path} exists but does not name a process; if no training run is using {directory}, delete it"
                )
            if holder["host"] != self.me["host"]:
                raise UsageError(
                    f"{directory} is in use by a training run on host {holder['host']} (process {holder['pid']}); if that run is gone, delete {self.path}"
                )
            if process_running(holder["pid"]):
                raise UsageError(
                    f"{directory} is in use by another training run (process {holder['pid']}, since {holder['started']})"
                )
            aside = f"{self.path}.{os.getpid()}.stale"
            try:
                os.rename(self.path, aside)
                os.remove(aside)
            except OSError:
                pass
        raise UsageError(f"{directory}: could not take {LOCK_FILE}; other runs keep taking it")

    def _create(self):
        temporary = f"{self.path}.{os.getpid()}.tmp"
        with open(temporary, "w") as f:
            f.write(json.dumps(self.me) + "\n")
        try:
            os.link(temporary, self.path)
            return True
        except FileExistsError:
            return False
        finally:
            os.remove(temporary)

    def _holder(self):
        try:
            with open(self.path) as f:
                holder = json.loads(f.read())
            return (
                holder if isinstance(holder.get("pid"), int) and isinstance(holder.get("host"), str) else "unreadable"
            )
        except FileNotFoundError:
            return None
        except (ValueError, AttributeError):
            return "unreadable"

    def release(self):
        if self._holder() == self.me:
            os.remove(self.path)


def process_running(pid):
    try:
        os.kill(pid, 0)
        return True
    except PermissionError:
        return True
    except OSError:
        return False


# --- training: rnnc's loop, each batch split over the processes of torchrun -------------------


class Processes:
    """This process's place among those of `torchrun` (one process without it). With several,
    the model is wrapped in DistributedDataParallel, whose gradient all-reduce sums (each shard's
    loss is already its share of the batch's), so every process holds the batch's gradient."""

    def __init__(self):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.started_group = False
        if self.world > 1 and not torch.distributed.is_initialized():
            torch.distributed.init_process_group("gloo")
            self.started_group = True

    def shard(self, items):
        """This process's contiguous share of `items` (the first processes take one more when they do not divide evenly)."""
        size, extra = divmod(len(items), self.world)
        start = self.rank * size + min(self.rank, extra)
        return list(items[start : start + size + (1 if self.rank < extra else 0)])

    def wrap(self, model):
        if self.world == 1:
            return model
        ddp = nn.parallel.DistributedDataParallel(model)
        ddp.register_comm_hook(None, sum_gradients)
        return ddp

    def total(self, values):
        """Sums a list of numbers over the processes."""
        if self.world == 1:
            return values
        t = torch.tensor(values, dtype=torch.float64)
        torch.distributed.all_reduce(t)
        return t.tolist()

    def from_first(self, value):
        """Process 0's value, on every process."""
        if self.world == 1:
            return value
        box = [value]
        torch.distributed.broadcast_object_list(box, src=0)
        return box[0]

    def gather(self, value):
        """Every process's value, in rank order, on every process."""
        if self.world == 1:
            return [value]
        out = [None] * self.world
        torch.distributed.all_gather_object(out, value)
        return out

    def leave(self, status):
        """Ends a process of the group this one started (a program that set up its own group
        keeps it) after a run that ended normally (not called after an error:
        the others may never arrive). Every process first waits for the others at a barrier, so
        none is still in a collective; then it exits at once, without the interpreter's teardown:
        gloo's threads can outlive destroy_process_group and the teardown then aborted one rank
        ('terminate called without an active exception', SIGABRT, in some runs, with or without
        destroy_process_group). Every file is written and closed by now."""
        torch.distributed.barrier()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def sum_gradients(_state, bucket):
    """DDP's all-reduce without its division by the number of processes."""
    future = torch.distributed.all_reduce(bucket.buffer(), async_op=True).get_future()
    return future.then(lambda f: f.value()[0])


class Stop:
    """Ctrl-C, SIGTERM or SIGHUP: finish the step, save a checkpoint, exit with 130, 143 or 129;
    a second one quits at once. The processes agree on the step they stop after. (The handler
    only notes the signal: printing from it could land inside another print and raise.)"""

    CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}

    def __init__(self):
        self.received = None
        for sig in self.CODES:
            signal.signal(sig, self.handle)

    def handle(self, sig, _frame):
        if self.received is not None:
            os._exit(self.CODES[sig])
        self.received = sig

    def close(self):
        for sig in self.CODES:
            signal.signal(sig, signal.SIG_DFL)


def train_command(args):
    processes = Processes()
    status = Training(args, processes).run()
    if processes.started_group:
        processes.leave(status)
    return status


TRAJECTORY = [
    ("batch", "batch"),
    ("seq_len", "seqLen"),
    ("optimizer", None),
    ("lr", None),
    ("momentum", None),
    ("clip_value", "clipValue"),
    ("clip_norm", "clipNorm"),
    ("seed", "seed"),
    ("val_split", "valSplit"),
    ("eval_every", "evalEvery"),
]


class Training:
    """One run of `train`: rnnc's engine/train/loop.ts with each batch split over the processes."""

    def __init__(self, args, processes):
        self.args, self.processes = args, processes
        self.first = processes.rank == 0
        self.dtype = {"f64": torch.float64, "f32": torch.float32}[args.dtype]
        self.dir = args.checkpoint
        if not MODEL["losses"]:
            raise UsageError(f"model {MODEL['name']} declares no loss, so there is nothing to train")
        saved = read_checkpoint_meta(self.dir) if args.resume else None
        if not args.resume and os.path.exists(os.path.join(self.dir, CHECKPOINT_FILE)):
            raise UsageError(
                f"{self.dir} already holds a checkpoint; continue it with --resume, or train into another --checkpoint directory"
            )
        self.raw = RawData(args.data)
        self.val_raw = RawData(args.val_data) if args.val_data else None
        if saved:
            self.check_resumable(saved)
        self.codebook, needs = data_codebook(
            self.raw, saved["data"]["codebook"] if saved else None, self.tokens_to_read(saved)
        )
        check_fits(self.raw, needs)
        self.config = self.configure(saved)
        if saved and saved.get("finished") and saved["epoch"] >= self.config["epochs"]:
            raise UsageError(
                f"the run in {self.dir} has finished ({saved['epoch']} epochs, step {saved['step']}); give --epochs {saved['epoch'] + 5} (say) with --resume to train further"
            )
        dataset = build_dataset(self.raw, self.codebook)
        if self.val_raw:
            self.train_set, self.val_set = dataset, build_dataset(self.val_raw, self.codebook)
        else:
            self.train_set, self.val_set = split_dataset(dataset, self.config["valSplit"], self.config["seed"])
        if saved:
            self.saved, self.state = load_checkpoint(self.dir, self.config)
        else:
            self.saved, self.state = None, TrainState(initial_weights(self.config["seed"]), self.config)
        self.model = MODEL_CLASS(self.dtype)
        load_weights(self.model, self.state.weights)
        self.state.weights = self.model.weights()
        self.state.optimizer.slots = {
            s: {n: a.to(self.dtype) for n, a in arrays.items()} for s, arrays in self.state.optimizer.slots.items()
        }
        self.network = processes.wrap(self.model)
        self.fixed = checkpoint_fixed(self.raw, self.val_raw, self.codebook, self.config, processes.world)
        self.plan = (
            plan_stream(len(self.train_set[1]), self.config["batch"], self.config["seqLen"])
            if self.train_set[0] == "stream"
            else None
        )
        self.per_epoch = batches_per_epoch(self.train_set, self.config["batch"], self.config["seqLen"])

    def tokens_to_read(self, saved):
        """--tokens: how sentence pairs are cut; a resumed run keeps its checkpoint's vocabulary."""
        given = self.args.tokens
        if given is None:
            return None
        if self.raw.format != "pairs":
            raise UsageError(
                f"--tokens {given} cuts sentence pairs (.tsv) into characters or words; {self.raw.path} is not pairs"
            )
        kind = saved["data"]["codebook"]["vocabulary"]["kind"] if saved else given
        if kind != given:
            raise UsageError(
                f"--tokens {given} differs from the checkpoint, which reads its pairs as {kind}; a resumed run keeps its vocabulary"
            )
        return given

    def check_resumable(self, saved):
        if saved.get("best"):
            raise UsageError(
                f"{self.dir} holds the best weights of a run, kept for eval, sample and analyze; resume the run's own directory"
            )
        if saved["model"]["sha256"] != MODEL["sha256"]:
            raise UsageError(
                f"the checkpoint in {self.dir} was trained from another model file than the one {MODEL['file']} was exported from (step {saved['step']}); resuming needs the same model"
            )
        differ = [
            f"{d} = {v} (exported with {MODEL['dims'].get(d)})"
            for d, v in saved["model"]["dims"].items()
            if MODEL["dims"].get(d) != v
        ]
        if differ:
            raise UsageError(
                f"the checkpoint in {self.dir} was trained with {', '.join(differ)}; export the model from it: rnnc export {MODEL['file']} --to pytorch --checkpoint {self.dir}"
            )
        if saved["data"]["sha256"] != self.raw.sha256:
            raise UsageError(
                f"{self.raw.path} is not the data the checkpoint was trained on ({saved['data']['path']}, contents differ); resuming needs the same data"
            )
        if saved["data"].get("valSha256") != (self.val_raw.sha256 if self.val_raw else None):
            raise UsageError(f"--val-data differs from the checkpoint's ({saved['data'].get('valPath', 'none')})")

    def configure(self, saved):
        a = self.args
        if saved:
            config = {k: v for k, v in saved["config"].items() if k not in ("backend", "threads", "processes")}
            given = {
                "batch": config["batch"],
                "seq_len": config["seqLen"],
                "optimizer": config["optimizer"]["kind"],
                "lr": config["optimizer"]["lr"],
                "momentum": config["optimizer"]["momentum"],
                "clip_value": config["clipValue"],
                "clip_norm": config["clipNorm"],
                "seed": config["seed"],
                "val_split": config["valSplit"],
                "eval_every": config["evalEvery"],
            }
            for option, _ in TRAJECTORY:
                value = getattr(a, option)
                if value is not None and value != given[option]:
                    flag = "--" + option.replace("_", "-")
                    raise UsageError(
                        f"{flag} {value} differs from the checkpoint ({flag} {given[option]}); a resumed run keeps its configuration (only --epochs may change)"
                    )
            if a.epochs is not None:
                config["epochs"] = a.epochs
            return config
        kind = a.optimizer or "adam"
        return {
            "epochs": a.epochs if a.epochs is not None else 10,
            "batch": a.batch or 32,
            "seqLen": a.seq_len or 50,
            "optimizer": {
                "kind": kind,
                "lr": a.lr or DEFAULT_LEARNING_RATES[kind],
                "momentum": a.momentum if a.momentum is not None else 0.9,
                "beta1": 0.9,
                "beta2": 0.999,
                "eps": 1e-8,
            },
            "clipValue": a.clip_value,
            "clipNorm": a.clip_norm,
            "seed": a.seed if a.seed is not None else 1,
            "valSplit": 0 if a.val_data else (a.val_split if a.val_split is not None else 0.1),
            "evalEvery": a.eval_every or 0,
        }

    def say(self, line):
        if self.first:
            print(line, flush=True)

    def log(self, record):
        if self.first:
            with open(os.path.join(self.dir, METRICS_FILE), "a", encoding="utf-8") as f:
                f.write(js_json(record) + "\n")

    def metrics_bytes(self):
        return os.path.getsize(os.path.join(self.dir, METRICS_FILE)) if self.first else 0

    def run(self):
        lock, problem = None, None
        if self.first:
            try:
                os.makedirs(self.dir, exist_ok=True)
                lock = RunLock(self.dir)
            except (UsageError, OSError) as e:
                problem = str(e)
        problem = self.processes.from_first(problem)
        if problem:
            raise UsageError(problem)
        try:
            self.open_log()
            if not self.saved:
                self.checkpoint()
            self.say(
                f"{MODEL['name']}: {describe_dataset(self.train_set)}, {self.per_epoch} batches an epoch on {self.processes.world} process{'es' if self.processes.world > 1 else ''}, {self.config['optimizer']['kind']} lr {self.config['optimizer']['lr']}; checkpoints in {self.dir}"
            )
            stop = Stop()
            try:
                status, message = self.loop(stop)
            finally:
                stop.close()
            if status == "diverged":
                self.log({"kind": "stopped", "step": self.state.step + 1, "reason": message})
                print(
                    f"{MODEL['file']}: training stopped at step {self.state.step + 1}: {message}; the last checkpoint is step {self.last_checkpoint} in {self.dir}",
                    file=sys.stderr,
                )
                return 1
            if status == "finished":
                self.checkpoint(finished=True)
                self.say(f"finished {self.config['epochs']} epochs, step {self.state.step}; checkpoint in {self.dir}")
                return 0
            self.say(f"stopped after step {self.state.step}; checkpoint in {self.dir} (continue with --resume)")
            return Stop.CODES[stop.received]
        finally:
            if lock:
                lock.release()

    def open_log(self):
        """metrics.jsonl: new for a new run (and no best/ of an earlier one), cut back to the
        checkpoint for a resumed one (the steps after it are run again)."""
        path = os.path.join(self.dir, METRICS_FILE)
        if self.first and not self.saved:
            write_atomic(path, b"")
            best = os.path.join(self.dir, "best")
            if os.path.isdir(best):
                for name in os.listdir(best):
                    os.remove(os.path.join(best, name))
                os.rmdir(best)
        elif self.first and not os.path.exists(path):
            write_atomic(path, b"")
        elif self.first and os.path.getsize(path) > self.saved["metricsBytes"]:
            os.truncate(path, self.saved["metricsBytes"])
        best_meta = os.path.join(self.dir, "best", CHECKPOINT_FILE)
        self.best = (
            read_checkpoint_meta(os.path.dirname(best_meta)).get("best")
            if self.saved and os.path.exists(best_meta)
            else None
        )
        self.last_checkpoint, self.last_time = self.state.step, time.monotonic()

    def checkpoint(self, finished=False):
        carry = self.gathered_carry()
        if self.first:
            saved_carry, self.state.carry = self.state.carry, carry
            save_checkpoint(self.dir, self.fixed, self.state, self.metrics_bytes(), finished)
            self.state.carry = saved_carry
        self.last_checkpoint, self.last_time = self.state.step, time.monotonic()

    def gathered_carry(self):
        """The carry of every stream, in stream order (each process holds its own streams')."""
        parts = self.processes.gather(self.state.carry)
        if all(p is None for p in parts):
            return None
        return {
            name: [torch.cat([p[name][j] for p in parts if p is not None]) for j in range(len(parts[0][name]))]
            for name in parts[0]
        }

    def my_streams(self):
        return self.processes.shard(list(range(self.plan["B"])))

    def local_carry(self, carry):
        """This process's rows of a carry over all streams (as a checkpoint holds it)."""
        if carry is None:
            return None
        rows = torch.tensor(self.my_streams(), dtype=torch.long)
        return {name: [v[rows] for v in values] for name, values in carry.items()}

    def loop(self, stop):
        s, config = self.state, self.config
        if self.plan and s.carry is not None and self.saved:
            s.carry = self.local_carry(s.carry)
        perplexity = has_perplexity()
        while s.epoch < config["epochs"]:
            while s.batch_in_epoch < self.per_epoch:
                if self.plan is None and s.order is None:
                    s.order = s.shuffle.shuffle(list(range(len(self.train_set[1]))))
                k = s.batch_in_epoch
                started = time.monotonic()
                if self.plan:
                    whole = stream_chunk(self.train_set, self.plan, k)
                    mine = batch_in(stream_chunk(self.train_set, self.plan, k, self.my_streams()), self.dtype)
                    carry = s.carry
                else:
                    indices = s.order[k * config["batch"] : (k + 1) * config["batch"]]
                    whole = sequence_batch(self.train_set[1], indices, self.dtype)
                    mine = sequence_batch(self.train_set[1], self.processes.shard(indices), self.dtype)
                    carry = None
                self.model.zero_grad(set_to_none=True)
                run = self.network(mine, carry)
                loss = self.model.loss(run, mine, position_counts(whole)) if mine.B > 0 else None
                # Every parameter takes part in every step's gradient, as DistributedDataParallel needs.
                touch = sum((0.0 * w.sum() for w in s.weights.values()), torch.zeros((), dtype=self.dtype))
                (touch if loss is None else loss + touch).backward()
                # One all-reduce says each process's share of the loss, whether a stop was asked for and
                # whether a checkpoint is due by the clock, so that every process decides the same.
                overdue = self.first and time.monotonic() - self.last_time > 300
                total, stopping, due = self.processes.total(
                    [
                        0.0 if loss is None else float(loss.detach()),
                        1.0 if stop.received else 0.0,
                        1.0 if overdue else 0.0,
                    ]
                )
                if stopping and stop.received is None:
                    stop.received = signal.SIGTERM  # another process was asked to stop
                positions = scored_positions(whole)
                mean_loss = loss_per_position(total, positions)
                if not math.isfinite(mean_loss):
                    return "diverged", f"the loss is {js_number(mean_loss) if mean_loss == mean_loss else 'NaN'}"
                rising = record_step_loss(s.losses, mean_loss, perplexity)
                if rising:
                    return "diverged", rising
                grads = {n: (w.grad if w.grad is not None else torch.zeros_like(w)) for n, w in s.weights.items()}
                grad_norm = l2_norm(list(grads.values()))
                if not math.isfinite(grad_norm):
                    return "diverged", f"the gradient norm is {grad_norm}"
                self.note_explosion(grad_norm)
                clipped = clip(list(grads.values()), config["clipValue"], config["clipNorm"])
                s.optimizer.step(s.weights, grads)
                bad = next((n for n, w in s.weights.items() if not bool(torch.isfinite(w).all())), None)
                if bad:
                    return "diverged", f"the update made '{bad}' non-finite"
                if self.plan:
                    s.carry = run.carry
                s.epoch_loss = {
                    "sum": s.epoch_loss["sum"] + mean_loss * positions,
                    "positions": s.epoch_loss["positions"] + positions,
                }
                s.step += 1
                s.batch_in_epoch += 1
                seconds = time.monotonic() - started
                self.log(
                    {
                        "kind": "step",
                        "step": s.step,
                        "epoch": s.epoch + 1,
                        "loss": mean_loss,
                        "grad_norm": grad_norm,
                        "clipped": clipped,
                        "positions": positions,
                        "seconds": seconds,
                    }
                )
                self.progress(mean_loss, positions, seconds)
                if config["evalEvery"] > 0 and s.step % config["evalEvery"] == 0 and s.batch_in_epoch < self.per_epoch:
                    why = self.validate(epoch_end=False)
                    if why:
                        return "diverged", why
                if stopping:
                    self.say(f"{signal.Signals(stop.received).name}: saving a checkpoint after step {s.step}")
                    self.checkpoint()
                    return "interrupted", None
                if (self.args.checkpoint_every and s.step % self.args.checkpoint_every == 0) or due:
                    self.checkpoint()
            why = self.validate(epoch_end=True)
            if why:
                return "diverged", why
            s.epoch += 1
            s.batch_in_epoch = 0
            s.order = None
            s.carry = None
            s.epoch_loss = {"sum": 0.0, "positions": 0}
            self.checkpoint()
            if self.processes.total([1.0 if stop.received else 0.0])[0] and s.epoch < config["epochs"]:
                stop.received = stop.received or signal.SIGTERM
                return "interrupted", None
        return "finished", None

    def validate(self, epoch_end):
        """rnnc's validation (on the first process; every process gets its verdict)."""
        s = self.state
        record = None
        if self.first:
            val = (
                evaluate(self.model, self.val_set, self.config["batch"], self.config["seqLen"], self.dtype)
                if self.val_set
                else None
            )
            train_loss = s.epoch_loss["sum"] / s.epoch_loss["positions"] if s.epoch_loss["positions"] > 0 else math.nan
            record = {
                "kind": "eval",
                "step": s.step,
                "epoch": s.epoch + 1,
                "epoch_end": epoch_end,
                **({"train_loss": train_loss} if epoch_end else {}),
            }
            if val:
                record.update(
                    {
                        "val_loss": val["loss"],
                        **({"val_accuracy": val["accuracy"]} if "accuracy" in val else {}),
                        **({"val_perplexity": val["perplexity"]} if "perplexity" in val else {}),
                    }
                )
        record = self.processes.from_first(record)
        why = validation_diverged(record)
        if why:
            return why
        self.log(record)
        if "val_loss" in record and record["val_loss"] < (self.best["valLoss"] if self.best else math.inf):
            self.best = {"valLoss": record["val_loss"], "step": s.step, "epoch": s.epoch + 1}
            if self.first:
                best_dir = os.path.join(self.dir, "best")
                os.makedirs(best_dir, exist_ok=True)
                save_checkpoint(best_dir, self.fixed, self.state, 0, False, self.best)
        parts = [f"train loss {record['train_loss']:.4f}"] if epoch_end else []
        if "val_loss" in record:
            parts.append(f"val loss {record['val_loss']:.4f}")
        if "val_accuracy" in record:
            parts.append(f"val accuracy {100 * record['val_accuracy']:.1f}%")
        self.say(
            f"{'epoch %d/%d done' % (s.epoch + 1, self.config['epochs']) if epoch_end else 'step %d' % s.step}: {', '.join(parts)}"
        )
        return None

    def progress(self, loss, positions, seconds):
        s = self.state
        every = self.args.log_every or max(1, round(self.per_epoch / 4))
        if s.step % every == 0 or s.batch_in_epoch == self.per_epoch:
            unit = "tok" if MODEL["losses"][0]["at"] == "each" else "seq"
            self.say(
                f"epoch {s.epoch + 1}/{self.config['epochs']}  step {s.step}/{self.per_epoch * self.config['epochs']}  loss {loss:.4f}  {positions / max(seconds, 1e-9):.0f} {unit}/s"
            )

    def note_explosion(self, norm):
        s = self.state
        recent = sorted(s.recent_norms)
        median = recent[len(recent) // 2] if recent else norm
        exploded = (norm > 20 * median and norm > 1) or norm > 1e4 if len(recent) >= 10 else norm > 100
        s.recent_norms.append(norm)
        if len(s.recent_norms) > 50:
            s.recent_norms.pop(0)
        if not exploded:
            return
        s.explosions += 1
        if s.explosions > 3:
            return
        message = f"step {s.step + 1}: gradient norm {norm:.3g}: the gradient is exploding; use --clip-norm 1 (or --clip-value) to keep steps bounded"
        self.log({"kind": "warning", "step": s.step + 1, "message": message})
        self.say(f"warning: {message}")


def record_step_loss(history, loss, perplexity):
    """rnnc's divergence rule (engine/train/divergence.ts)."""
    if perplexity and exp_overflows(loss):
        return f"the loss is {loss:.3g} per token, so the perplexity e^loss is Infinity"
    if history["initial"] is None:
        history["initial"] = loss
    history["recent"].append(loss)
    if len(history["recent"]) > 10:
        history["recent"].pop(0)
    if len(history["recent"]) < 5:
        return None
    level = sorted(history["recent"])[len(history["recent"]) // 2]
    lowest = min(history["lowest"] if history["lowest"] is not None else history["initial"], history["initial"], level)
    history["lowest"] = lowest
    if level > 3 * lowest and level > history["initial"]:
        return f"the loss has diverged: {level:.3g} per position (median of the last {len(history['recent'])} steps), more than 3x its lowest level {lowest:.3g} and above the untrained model's {history['initial']:.3g}"
    return None


def exp_overflows(x):
    try:
        return math.exp(x) == math.inf
    except OverflowError:
        return True


def validation_diverged(record):
    loss, perplexity = record.get("val_loss"), record.get("val_perplexity")
    if loss is not None and not math.isfinite(loss):
        return f"the validation loss is {loss}"
    if perplexity is not None and not math.isfinite(perplexity):
        return f"the validation perplexity is {perplexity} (validation loss {loss:.3g} per token)"
    return None


def describe_dataset(dataset):
    if dataset[0] == "stream":
        return f"{len(dataset[1]):,} characters"
    lengths = [e.length for e in dataset[1]]
    return f"{len(lengths):,} sequences of {min(lengths)}{'' if min(lengths) == max(lengths) else '-' + str(max(lengths))} steps"


# --- the command line ------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=os.path.basename(__file__),
        description=f"{MODEL['name']} (exported from {MODEL['file']} by rnnc): run it as `rnnc run` does, or train it with DistributedDataParallel under torchrun.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the model on a batch and print loss, outputs and (with --grad) gradients as `rnnc run` does"
    )
    run.add_argument(
        "--weights",
        help="weights (.json or .safetensors); without it, parameters are initialised from --seed as rnnc does",
    )
    run.add_argument("--data", required=True, help="data: the normative JSON batch")
    run.add_argument("--grad", action="store_true", help="also compute gradients of the loss for every parameter")
    run.add_argument(
        "--outputs", help="comma-separated quantities to print (default: the predictions scored by the losses)"
    )
    run.add_argument("--seed", type=int, default=1, help="seed for initial parameters when no --weights is given (default 1, as rnnc run)")
    run.add_argument("--dtype", choices=["f64", "f32"], default="f64", help="float64 (default) or float32")
    train = commands.add_parser(
        "train", help="train with rnnc's loop; under torchrun, each batch is split over the processes"
    )
    train.add_argument(
        "--data",
        required=True,
        help="training data: .txt (character LM), .jsonl ({text|tokens, label}), .tsv or .jsonl sentence pairs (an encoder-decoder) or .json (normative batch)",
    )
    train.add_argument("--val-data", help="validation data (instead of holding out --val-split of --data)")
    train.add_argument(
        "--checkpoint",
        required=True,
        help="checkpoint directory (rnnc's format: rnnc sample, eval and train --resume read it)",
    )
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the checkpoint in --checkpoint (written here or by rnnc train) exactly where it stopped",
    )
    train.add_argument("--epochs", type=int, help="passes over the training data (default 10)")
    train.add_argument(
        "--batch",
        type=int,
        help="sequences per batch, split over the processes (parallel streams for a text; default 32)",
    )
    train.add_argument("--seq-len", type=int, help="steps per chunk of a text (truncated BPTT; default 50)")
    train.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], help="default adam")
    train.add_argument("--lr", type=float, help="learning rate (default: sgd 0.1, momentum 0.05, adam 0.005)")
    train.add_argument("--momentum", type=float, help="momentum factor for --optimizer momentum (default 0.9)")
    train.add_argument("--clip-value", type=float, help="clip each gradient entry to [-x, x]")
    train.add_argument("--clip-norm", type=float, help="rescale the gradient when its global norm exceeds x")
    train.add_argument("--seed", type=int, help="seed for initial weights, validation split and shuffling (default 1)")
    train.add_argument("--val-split", type=float, help="fraction of the data held out for validation (default 0.1)")
    train.add_argument("--eval-every", type=int, help="also validate every n steps (always: each epoch)")
    train.add_argument(
        "--checkpoint-every",
        type=int,
        default=0,
        help="also checkpoint every n steps (always: each epoch, every 5 minutes, on a stop)",
    )
    train.add_argument("--log-every", type=int, help="progress lines every n steps")
    train.add_argument(
        "--tokens",
        choices=["chars", "words"],
        help="sentence pairs: cut each side into characters (default) or words (split on white space)",
    )
    train.add_argument("--dtype", choices=["f64", "f32"], default="f64", help="float64 (default; rnnc's) or float32")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            run_command(args)
            return 0
        return train_command(args)
    except UsageError as e:
        # Under torchrun every process meets the same problem: the first says it.
        if os.environ.get("RANK", "0") == "0":
            print(f"{parser.prog}: {e}", file=sys.stderr)
        return 1
