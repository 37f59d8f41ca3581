/**
 * A problem the user can fix (bad input, bad configuration). Its message is shown as it is, on
 * one line; anything else is a bug and is reported without internals.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly code: string = 'bad_input',
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
