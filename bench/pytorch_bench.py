"""PyTorch on the benchmark workloads W1-W6, for bench/run.ts.

    PYTHON bench/pytorch_bench.py THREADS WORKLOAD [--quick]

PYTHON: the interpreter of the benchmark's Python environment (tools/python-env.mjs: PyTorch 2.x
from the package index).

A worker of bench/workload-bench.ts, with the protocol of bench/worker.ts: prepares, warms up
(about two seconds), prints `READY {json}`, then answers each `run N` line on stdin with
`SAMPLES {json}` (wall and CPU ms of each run) until `quit`.

Float32, torch.nn.LSTM / GRU / RNN (tanh) with a Linear output layer; W1's one-hot input is F.one_hot into nn.LSTM(input_size=65); forward+backward is the loss and
loss.backward() with gradients reset each time (set_to_none); W3 runs under inference_mode;
W5 is the GRU encoder-decoder of prepare_seq2seq, W6 the same with the attention decoder of
prepare_attention.
"""
import json
import re
import sys
import time


def libraries(torch):
    """What this torch computes with, from its build configuration: the BLAS (MKL in the wheels of the
    package index, statically linked), oneDNN (which runs nn.LSTM/GRU/RNN on the CPU) and the SIMD level."""
    config = torch.__config__.show()
    found = lambda pattern: (re.search(pattern, config) or [None, None])[1]
    blas = found(r"BLAS_INFO=(\w+)")
    mkl = found(r"Math Kernel Library Version ([\w.]+)")
    onednn = found(r"MKL-DNN v([\w.]+)")
    parts = [f"BLAS {blas}{' ' + mkl if blas == 'mkl' and mkl else ''}" if blas else "BLAS unknown"]
    parts.append(f"oneDNN {onednn}" if onednn and torch.backends.mkldnn.is_available() else "no oneDNN")
    capability = found(r"CPU capability usage: (\w+)")
    if capability:
        parts.append(capability)
    return ", ".join(parts)


WORKLOADS = {
    "w1": dict(cell="lstm", onehot=True, D=65, H=128, T=50, B=32, K=65, at="each", mode="fwdbwd"),
    "w2": dict(cell="elman", onehot=False, D=32, H=64, T=100, B=16, K=2, at="last", mode="fwdbwd"),
    "w3": dict(cell="gru", onehot=False, D=16, H=32, T=20, B=1, K=4, at="each", mode="fwd"),
    "w4": dict(cell="lstm", onehot=False, D=256, H=512, T=50, B=64, K=10, at="last", mode="fwdbwd"),
    # Encoder-decoder: a source of S steps over V ids, a target of T steps over K classes.
    "w5": dict(cell="gru", onehot=True, D=64, H=128, S=30, T=12, B=32, K=64, at="each", mode="fwdbwd"),
    "w6": dict(cell="gru", onehot=True, D=64, H=128, S=30, T=12, B=32, K=64, at="each", mode="fwdbwd", attention=True),
}


def workload(id):
    """A listed workload, or a variant of one at another width or length: w4@H=256,T=100 (bench/workloads.ts)."""
    listed, _, sizes = id.partition("@")
    w = dict(WORKLOADS[listed])
    for part in filter(None, sizes.split(",")):
        name, _, value = part.partition("=")
        if name not in ("H", "T") or not value.isdigit():
            raise ValueError(f"a variant of a workload sets H=N or T=N, not {part!r} (in {id})")
        w[name] = int(value)
    return w


def plan(quick):
    """Mirrors bench/stats.ts: warm-up and budget (ms): a first run over budget is the only one."""
    return dict(warmup=0.5, budget=2000) if quick else dict(warmup=2.0, budget=8000)


def timed(run):
    cpu, wall = time.process_time(), time.perf_counter()
    run()
    return dict(ms=(time.perf_counter() - wall) * 1e3, cpuMs=(time.process_time() - cpu) * 1e3)


def send(kind, body):
    print(kind + " " + json.dumps(body), flush=True)


def prepare_seq2seq(torch, w):
    """The GRU encoder-decoder of PyTorch's translation tutorial, batched and teacher-forced:
    nn.GRU over the one-hot source, its last state starting an nn.GRU over the one-hot previous
    target (zeros at the first step, rnnc's y[t-1]), a Linear output and cross-entropy at each step."""
    nn = torch.nn
    F = torch.nn.functional
    S, T, B, H, V, K = w["S"], w["T"], w["B"], w["H"], w["D"], w["K"]
    encoder, decoder, out = nn.GRU(V, H), nn.GRU(K, H), nn.Linear(H, K)
    source = torch.randint(0, V, (S, B))
    target = torch.randint(0, K, (T, B))
    params = list(encoder.parameters()) + list(decoder.parameters()) + list(out.parameters())

    def forward_backward():
        for p in params:
            p.grad = None
        _, last = encoder(F.one_hot(source, V).float())
        previous = torch.cat([torch.zeros(1, B, K), F.one_hot(target[:-1], K).float()])
        states, _ = decoder(previous, last)
        loss = F.cross_entropy(out(states.reshape(T * B, H)), target.reshape(T * B))
        loss.backward()
        return loss.item()
    return forward_backward


def prepare_attention(torch, w):
    """The attention decoder of PyTorch's translation tutorial (Bahdanau), batched and teacher-forced,
    as bench/workloads/w6-gru-attention.rnn writes it: at each step the scores
    va . tanh(Wa d + Ua e_j + ba) of the previous decoder state d against every encoder state e_j,
    their softmax over the source, the context sum_j alpha_j e_j beside the embedding of the previous
    target (zeros at the first step) into an nn.GRUCell, a Linear output and cross-entropy at each step.
    Ua e_j does not change from step to step: it is computed once per batch, as a careful user would."""
    nn = torch.nn
    F = torch.nn.functional
    S, T, B, H, V, K = w["S"], w["T"], w["B"], w["H"], w["D"], w["K"]
    encoder, cell, out = nn.GRU(V, H), nn.GRUCell(2 * H, H), nn.Linear(H, K)
    Wa, Ua, va, embed = nn.Linear(H, H, bias=False), nn.Linear(H, H), nn.Linear(H, 1, bias=False), nn.Embedding(K, H)
    source = torch.randint(0, V, (S, B))
    target = torch.randint(0, K, (T, B))
    modules = [encoder, cell, out, Wa, Ua, va, embed]
    params = [p for m in modules for p in m.parameters()]

    def forward_backward():
        for p in params:
            p.grad = None
        keys, last = encoder(F.one_hot(source, V).float())
        projected = Ua(keys)
        previous = torch.cat([torch.zeros(1, B, H), embed(target[:-1])])
        state, states = last[0], []
        for t in range(T):
            alpha = torch.softmax(va(torch.tanh(Wa(state) + projected)).squeeze(-1), dim=0)
            context = torch.einsum("sb,sbh->bh", alpha, keys)
            state = cell(torch.cat([previous[t], context], dim=1), state)
            states.append(state)
        loss = F.cross_entropy(out(torch.stack(states).reshape(T * B, H)), target.reshape(T * B))
        loss.backward()
        return loss.item()
    return forward_backward


def prepare(torch, w):
    if "attention" in w:
        return prepare_attention(torch, w)
    if "S" in w:
        return prepare_seq2seq(torch, w)
    nn = torch.nn
    F = torch.nn.functional
    cell = {"lstm": nn.LSTM, "gru": nn.GRU, "elman": nn.RNN}[w["cell"]](w["D"], w["H"])
    out = nn.Linear(w["H"], w["K"])
    T, B = w["T"], w["B"]
    if w["onehot"]:
        ids = torch.randint(0, w["D"], (T, B))
        inputs = lambda: F.one_hot(ids, w["D"]).float()
    else:
        x = torch.randn(T, B, w["D"])
        inputs = lambda: x
    targets = torch.randint(0, w["K"], (T * B,) if w["at"] == "each" else (B,))
    params = list(cell.parameters()) + list(out.parameters())

    def outputs():
        hs, _ = cell(inputs())
        return out(hs.reshape(T * B, w["H"]) if w["at"] == "each" else hs[-1])

    if w["mode"] == "fwd":
        def forward():
            with torch.inference_mode():
                return float(outputs().sum())
        return forward

    def forward_backward():
        for p in params:
            p.grad = None
        loss = F.cross_entropy(outputs(), targets)
        loss.backward()
        return loss.item()
    return forward_backward


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    threads, id = int(args[0]), args[1]
    p = plan("--quick" in sys.argv)
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    note = f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {libraries(torch)}"
    run = prepare(torch, workload(id))
    result = {}
    body = lambda: result.update(loss=run())
    start = time.perf_counter()
    first = timed(body)
    last = first["ms"]
    while time.perf_counter() - start < p["warmup"] and first["ms"] < p["budget"]:
        last = timed(body)["ms"]
    send("READY", dict(first=first, lastMs=last, loss=result["loss"], note=note))
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        send("SAMPLES", [timed(body) for _ in range(int(words[1]))])


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        send("ERROR", f"{type(e).__name__}: {e}")
        sys.exit(1)
