/**
 * The safetensors checkpoint format, byte-compatible with the `safetensors`
 * Python/Rust library (and so with PyTorch and Hugging Face tooling):
 *
 *     [u64 little-endian N][N bytes of UTF-8 JSON header][data section]
 *
 * The header maps each tensor name to {"dtype", "shape", "data_offsets":
 * [begin, end]} (byte offsets into the data section) and may hold a
 * "__metadata__" map of strings. The writer does what the reference writer
 * does: compact JSON with "__metadata__" first, tensors laid out in sorted-name
 * order (byte-wise on UTF-8, like Rust's string ordering) and the header
 * padded with spaces to a multiple of 8 bytes so the data is 8-byte aligned.
 *
 * The reader validates as strictly as the reference reader: the tensors must
 * tile the data section exactly — no overlaps, no holes (the format forbids
 * them to prevent polyglot files) and no trailing bytes.
 */

import type { FloatArray } from "../floatArray.js";
import { bfloat16BitsToNumber, float16BitsToNumber } from "./halfFloat.js";

export type SafetensorsWriteDtype = "F32" | "F64";
export type SafetensorsReadDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32";

export interface TensorToEncode {
  readonly shape: readonly number[];
  readonly data: FloatArray;
}

export interface DecodedTensor {
  /** The dtype stored in the file; `data` is always widened to float64. */
  readonly dtype: SafetensorsReadDtype;
  readonly shape: number[];
  readonly data: Float64Array;
}

export interface DecodedSafetensors {
  readonly tensors: Record<string, DecodedTensor>;
  /** undefined when the file has no "__metadata__" entry (distinct from an empty one). */
  readonly metadata: Record<string, string> | undefined;
}

const METADATA_KEY = "__metadata__";
/** The reference reader refuses larger headers, so a file that needs one would not load elsewhere. */
const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element, and how to read one element at a byte offset of a little-endian view. */
const READERS: Record<SafetensorsReadDtype, { size: number; read: (view: DataView, at: number) => number }> = {
  F64: { size: 8, read: (view, at) => view.getFloat64(at, true) },
  F32: { size: 4, read: (view, at) => view.getFloat32(at, true) },
  F16: { size: 2, read: (view, at) => float16BitsToNumber(view.getUint16(at, true)) },
  BF16: { size: 2, read: (view, at) => bfloat16BitsToNumber(view.getUint16(at, true)) },
  // Integers beyond 2^53 round to the nearest double.
  I64: { size: 8, read: (view, at) => Number(view.getBigInt64(at, true)) },
  I32: { size: 4, read: (view, at) => view.getInt32(at, true) },
};

/** A file that is not a well-formed safetensors file; `reason` says what is wrong with it. */
export class SafetensorsError extends Error {
  constructor(readonly reason: string) {
    super(`safetensors: ${reason}`);
  }
}

function fail(reason: string): never {
  throw new SafetensorsError(reason);
}

export function encodeSafetensors(
  tensors: Readonly<Record<string, TensorToEncode>>,
  dtype: SafetensorsWriteDtype,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  if (dtype !== "F32" && dtype !== "F64") fail(`cannot write dtype "${String(dtype)}" (writable: F32, F64)`);
  const elementSize = READERS[dtype].size;
  const names = Object.keys(tensors).sort(compareUtf8);

  const headerEntries: string[] = [];
  if (metadata !== undefined) {
    const metadataEntries = Object.keys(metadata).map((key) => {
      const value = metadata[key];
      if (typeof value !== "string") fail(`metadata value for "${key}" must be a string, got ${typeof value}`);
      return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    });
    headerEntries.push(`${JSON.stringify(METADATA_KEY)}:{${metadataEntries.join(",")}}`);
  }
  let dataBytes = 0;
  for (const name of names) {
    if (name === METADATA_KEY) fail(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    const { shape, data } = tensors[name]!;
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`tensor "${name}": shape [${shape.join(", ")}] must be non-negative integers`);
    }
    const count = elementCount(shape);
    if (count !== data.length) {
      fail(`tensor "${name}": shape [${shape.join(", ")}] has ${count} elements but data has ${data.length}`);
    }
    const begin = dataBytes;
    dataBytes += count * elementSize;
    const info = { dtype, shape: [...shape], data_offsets: [begin, dataBytes] };
    headerEntries.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
  }

  const json = new TextEncoder().encode(`{${headerEntries.join(",")}}`);
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);
  const bytes = new Uint8Array(8 + headerLength + dataBytes);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength); // space padding, as the reference writer does

  // setFloat32 rounds each double to the nearest float32, as a PyTorch .float() cast does.
  const write =
    dtype === "F32"
      ? (at: number, v: number) => view.setFloat32(at, v, true)
      : (at: number, v: number) => view.setFloat64(at, v, true);
  let at = 8 + headerLength;
  for (const name of names) {
    const data = tensors[name]!.data;
    for (let i = 0; i < data.length; i++, at += elementSize) write(at, data[i]!);
  }
  return bytes;
}

export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short to hold the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declaredHeaderLength = view.getBigUint64(0, true);
  if (declaredHeaderLength > BigInt(bytes.length - 8)) {
    fail(
      `header length ${declaredHeaderLength} runs past the end of the file (${bytes.length - 8} bytes follow the length): the file is truncated or damaged`,
    );
  }
  if (declaredHeaderLength > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declaredHeaderLength} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declaredHeaderLength);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const header = parseHeader(bytes.subarray(8, dataStart));
  let metadata: Record<string, string> | undefined;
  const layout: TensorLayout[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = parseMetadata(entry);
    else layout.push(parseTensorEntry(name, entry, dataLength));
  }
  checkTiling(layout, dataLength);

  const tensors: Record<string, DecodedTensor> = Object.create(null);
  for (const { name, dtype, shape, begin, end } of layout) {
    const { size, read } = READERS[dtype];
    const data = new Float64Array((end - begin) / size);
    for (let i = 0, at = dataStart + begin; i < data.length; i++, at += size) data[i] = read(view, at);
    tensors[name] = { dtype, shape, data };
  }
  return { tensors, metadata };
}

interface TensorLayout {
  readonly name: string;
  readonly dtype: SafetensorsReadDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail("header is not valid UTF-8");
  }
  if (!text.startsWith("{")) fail("header must be a JSON object starting with '{'");
  try {
    return JSON.parse(text) as Record<string, unknown>; // valid JSON that starts with '{' is an object
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message})`);
  }
}

function parseMetadata(entry: unknown): Record<string, string> {
  if (!isPlainObject(entry)) fail(`"${METADATA_KEY}" must be an object of strings`);
  const metadata: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== "string") fail(`"${METADATA_KEY}" value for "${key}" must be a string`);
    metadata[key] = value;
  }
  return metadata;
}

function parseTensorEntry(name: string, entry: unknown, dataLength: number): TensorLayout {
  if (!isPlainObject(entry)) fail(`tensor "${name}": header entry must be an object`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== "string" || !Object.hasOwn(READERS, dtype)) {
    fail(`tensor "${name}": unsupported dtype ${JSON.stringify(dtype)} (readable: ${Object.keys(READERS).join(", ")})`);
  }
  if (!Array.isArray(shape) || !shape.every(isByteCount)) {
    fail(`tensor "${name}": shape must be an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isByteCount) || offsets[0]! > offsets[1]!) {
    fail(`tensor "${name}": data_offsets must be [begin, end] with 0 ≤ begin ≤ end`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataLength) {
    fail(
      `tensor "${name}": data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data section: the file is truncated or damaged`,
    );
  }
  const readableDtype = dtype as SafetensorsReadDtype;
  const expectedBytes = elementCount(shape) * READERS[readableDtype].size;
  if (end - begin !== expectedBytes) {
    fail(
      `tensor "${name}": shape [${shape.join(", ")}] of ${dtype} needs ${expectedBytes} bytes, ` +
        `but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype: readableDtype, shape: [...shape], begin, end };
}

/** The tensors, in offset order, must cover [0, dataLength) exactly once. */
function checkTiling(layout: TensorLayout[], dataLength: number): void {
  layout.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: TensorLayout | undefined;
  for (const tensor of layout) {
    if (tensor.begin < covered) {
      fail(`tensors "${previous?.name}" and "${tensor.name}" overlap in the data section`);
    }
    if (tensor.begin > covered) {
      fail(`data bytes [${covered}, ${tensor.begin}) belong to no tensor (the format forbids holes)`);
    }
    covered = tensor.end;
    previous = tensor;
  }
  if (covered !== dataLength) {
    fail(`data section has ${dataLength} bytes but the tensors cover only ${covered}`);
  }
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, d) => product * d, 1); // [] is a scalar: one element
}

function isByteCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Byte-wise order of the UTF-8 encodings, which is code-point order (JS's `<` compares UTF-16 units). */
function compareUtf8(a: string, b: string): number {
  const aPoints = Array.from(a, (c) => c.codePointAt(0) as number);
  const bPoints = Array.from(b, (c) => c.codePointAt(0) as number);
  const common = Math.min(aPoints.length, bPoints.length);
  for (let i = 0; i < common; i++) {
    if (aPoints[i] !== bPoints[i]) return aPoints[i]! - bPoints[i]!;
  }
  return aPoints.length - bPoints.length;
}
