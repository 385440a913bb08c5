// Bad input ends a command with exit status 2, nothing on stdout, and every problem on stderr.
import { formatInputError } from '../schemas/parse.js';
import type { InputError } from '../schemas/parse.js';

export class BadInput extends Error {
  readonly errors: readonly InputError[];

  constructor(errors: readonly InputError[]) {
    super(errors.map(formatInputError).join('\n'));
    this.name = 'BadInput';
    this.errors = errors;
  }
}

export const BAD_INPUT_EXIT = 2;
