import { InvalidArgumentError } from 'commander';

/** Option parsers that turn bad values into one-line usage errors (exit 2). */
export function intOption(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}
