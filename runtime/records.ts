/**
 * Records keyed by the names of a `.rnn` file. A name can be any identifier, `__proto__`,
 * `constructor` and `toString` included, so these records have no prototype: every name is
 * an ordinary own key, and a name that is absent reads as undefined, never as a member of
 * Object.prototype.
 */
export function namedRecord<V>(entries: Iterable<readonly [string, V]> = []): Record<string, V> {
  const record = Object.create(null) as Record<string, V>;
  for (const [name, value] of entries) record[name] = value;
  return record;
}

/** What `record` holds under `name` itself; a record built elsewhere may inherit from Object.prototype. */
export function ownValue<V>(record: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}
