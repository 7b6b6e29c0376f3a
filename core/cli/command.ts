/** What a CLI command is: core/cli/main.ts dispatches to one, each file under commands/ exports one. */
export interface Command {
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}
