/** The one error a bad configuration value raises: it names the variable and reads as one line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    // The message is printed as one line: a value with a newline in it must not break it.
    super(`${variable} ${problem.replace(/\p{Cc}/gu, (character) => JSON.stringify(character).slice(1, -1))}`);
  }
}
