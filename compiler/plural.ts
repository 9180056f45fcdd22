/** The noun for a count in a message: `${n} ${plural(n, "step")}` is "1 step", "3 steps", "0 steps". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return count === 1 ? singular : pluralForm;
}
