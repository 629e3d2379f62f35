/**
 * What drkit may draw on the person's terminal, decided once for every reporter:
 * - progress bars only on a terminal (io.interactive: stderr is a TTY and not --json) that can redraw a line
 *   (not TERM=dumb); elsewhere plain lines;
 * - colour only where bars may be drawn, and never when NO_COLOR is set to anything but the empty string
 *   (https://no-color.org). A bar itself has no colour, so NO_COLOR keeps the bars and drops only the colour.
 */
import type { CommandIO } from './io.js';

export interface TerminalOutput {
  bars: boolean;
  colour: boolean;
}

export function terminalOutput(io: Pick<CommandIO, 'interactive'>, env: NodeJS.ProcessEnv = process.env): TerminalOutput {
  const bars = io.interactive && env.TERM !== 'dumb';
  const colour = bars && (env.NO_COLOR === undefined || env.NO_COLOR === '');
  return { bars, colour };
}

const SGR = { red: 31, yellow: 33 } as const;

/** `text` in `colour` when colour is allowed, else unchanged. */
export function paint(output: TerminalOutput, colour: keyof typeof SGR, text: string): string {
  return output.colour ? `\u001b[${SGR[colour]}m${text}\u001b[39m` : text;
}
