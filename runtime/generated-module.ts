/**
 * The part of a generated module's API (see docs/generated-modules.md) that the runtime
 * itself calls: the compiled backend, and the threads of data-parallel training.
 */
export type Float = Float64Array | Float32Array;
type Values = Float | Int32Array;

export interface GeneratedModule {
  dtype: "f64" | "f32";
  parameterCount: number;
  createParameters(buffer?: Float): Record<string, Float>;
  Model: new () => GeneratedModel;
}

export interface ModuleBatch {
  /** The steps of a model of one sequence; one of several gives each sequence's steps and lengths in `sequences`. */
  T?: number;
  B: number;
  sequences?: Record<string, { T: number; lengths?: Int32Array }>;
  inputs: Record<string, Values>;
  targets?: Record<string, Values>;
  /** The dropouts' masks while training, [T][B][size] each; without them, the identity. */
  masks?: Record<string, Float>;
  lengths?: Int32Array;
}

/** What a stream carries between calls: per name, [steps][B][width], oldest step first. */
export interface ModuleState {
  B: number;
  values: Record<string, Values>;
  fresh: boolean;
}

export interface GeneratedModel {
  forward(params: Record<string, Float>, batch: ModuleBatch, state?: ModuleState): number;
  lossAndGrad(
    params: Record<string, Float>,
    batch: ModuleBatch,
    grads: Record<string, Float>,
    state?: ModuleState,
  ): number;
  output(name: string): Float;
  createState(params: Record<string, Float>, B: number): ModuleState;
}

/** An encoder-decoder's decoder between steps: opaque, made by encode (docs/generated-modules.md#decoding). */
export interface DecoderState {
  readonly B: number;
}

/** The decoding methods of an encoder-decoder's module. */
export interface DecodingModel extends GeneratedModel {
  encode(params: Record<string, Float>, batch: ModuleBatch): DecoderState;
  decodeStep(params: Record<string, Float>, state: DecoderState, previous: Int32Array): Float;
  selectRows(state: DecoderState, rows: Int32Array): DecoderState;
}
