/** Bad input from the command line or a file the user named: the CLI prints the one-line message and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
