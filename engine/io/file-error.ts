/**
 * Failures of the file system in words, for messages that name the file: "cannot write
 * 'runs/lm/checkpoint.json': no space left on the device". Node's own messages
 * name the call, not always the file (a failed write on an open file names neither).
 */

/** A file or directory rnnc could not read, write or create; the message names it. */
export class FileError extends Error {
  constructor(
    message: string,
    /** The errno code behind it (ENOSPC, EACCES, ...), when there is one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EROFS: "the file system is read-only",
  EEXIST: "it already exists",
  EFBIG: "the file is too large for the file system",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many levels of symbolic links",
  EMFILE: "too many open files",
  EIO: "input/output error",
  EBUSY: "it is busy",
  // Node's, when a file read as text is longer than a string can be (536,870,888 characters on Node 20).
  ERR_STRING_TOO_LONG: "it is longer than the longest string this JavaScript engine can hold (about 512 MB)",
};

/** The reason for a failed file operation in words; the message of anything else. */
export function describeFileError(e: unknown): string {
  const code = errnoCode(e);
  if (code && Object.hasOwn(REASONS, code)) return REASONS[code]!;
  return e instanceof Error ? e.message : String(e);
}

export function errnoCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A FileError for `what` ("cannot write 'x'") failing with `e`. */
export function fileError(what: string, e: unknown): FileError {
  return new FileError(`${what}: ${describeFileError(e)}`, errnoCode(e));
}

/** Runs a file operation that is not a whole-file write (an append, a truncation); its failure names the file. */
export function writingTo<T>(path: string, operation: () => T): T {
  try {
    return operation();
  } catch (e) {
    throw fileError(`cannot write '${path}'`, e);
  }
}
