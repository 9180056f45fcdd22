/**
 * What a weights file may carry beside its tensors, in its safetensors `__metadata__`: the
 * playground writes a language model's vocabulary there, so that `rnnc sample --weights FILE`
 * turns its ids back into characters without a checkpoint directory.
 */
export const VOCABULARY_METADATA = "rnnc.vocabulary";
