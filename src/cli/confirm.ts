/**
 * The gate before a command that changes the trail (erase, purge), once its plan is printed (and
 * `--dry-run` has stopped there): `--yes` goes on, a person at a terminal is asked (y/N), and anything
 * else (a script, a pipe, CI) is refused, naming --yes. Streams are injected so tests can drive it.
 */
import { createInterface } from "node:readline";

export interface ConfirmIo {
  /** Where the answer is read from; asked only when it is a TTY. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where the question is written (stderr: stdout stays the command's output). */
  prompt: NodeJS.WritableStream;
}

export type Decision = { go: true } | { go: false; code: number; message: string };

export async function confirmChange(what: string, flags: { yes: boolean }, io: ConfirmIo): Promise<Decision> {
  if (flags.yes) return { go: true };
  if (!io.input.isTTY) {
    return { go: false, code: 1, message: `refusing to ${what} without confirmation: standard input is not a terminal. Pass --yes to ${what} (or --dry-run to see the plan only); nothing was changed.` };
  }
  const answer = await ask(`${what[0]!.toUpperCase()}${what.slice(1)}? [y/N] `, io);
  return /^(y|yes)$/i.test(answer.trim()) ? { go: true } : { go: false, code: 1, message: "Aborted; nothing was changed." };
}

/** One line from the input ("" at its end). */
function ask(question: string, io: ConfirmIo): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: io.input, output: io.prompt, terminal: false });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered) resolve("");
    });
    io.prompt.write(question);
  });
}
