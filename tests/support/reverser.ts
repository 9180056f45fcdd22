/** An encoder-decoder learning to reverse sequences of words, for the commands on sentence pairs. */
import type { Rng } from "../../runtime/rng.js";

/** GRU encoder and decoder of H units; the vocabularies' dims are set from the data. */
export function reverserModel(H = 32): string {
  return `model Reverse {
  dim V = 2  // set from the data
  dim W = 2
  dim H = ${H}
  input x[s] : onehot[V]
  target y : class[W]
  param Vo : [W, H]
  param c : [W] = zeros
  cell e = gru(x, size = H)
  cell d = gru(y[t-1], size = H, init = e[last])
  o = softmax(Vo @ d + c)
  loss cross_entropy(o, y) at each
}
`;
}

/** The same with additive attention (examples/translate-attention.rnn's decoder): a score per source step. */
export function attentionReverserModel(H = 16): string {
  return `model ReverseAttention {
  dim V = 2  // set from the data
  dim W = 2
  dim H = ${H}
  input x[s] : onehot[V]
  target y : class[W]
  param Wa : [H, H]
  param Ua : [H, H]
  param va : [H]
  param Ey : [H, W]
  param Vo : [W, H]
  param c : [W] = zeros
  cell e = gru(x, size = H)
  score = sum(va * tanh(Wa @ d[t-1] + Ua @ e[s]))
  α = softmax(score, over = s, mask = x)
  ctx = sum(α * e[s], over = s, mask = x)
  dec_in = [Ey @ y[t-1], ctx]
  cell d = gru(dec_in, size = H, in = 2 * H, init = e[last])
  o = log_softmax(Vo @ d + c)
  loss cross_entropy(o, y) at each
}
`;
}

/** Sequences of 1–5 of the words a–h. */
export function wordSequences(rng: Rng, n: number): string[][] {
  return Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(5) }, () => "abcdefgh"[rng.int(8)]!));
}
