/**
 * A private tmux server for tests that drive drkit as a person would: type with send-keys, read the screen with
 * capture-pane. Each test file gets its own socket, so parallel files never see each other's sessions.
 */
import assert from 'node:assert/strict';
import { runProgram, type RunResult } from '../../src/adapters/exec.js';

export interface TmuxServer {
  tmux: (args: string[]) => Promise<RunResult>;
  /** the session's screen with 200 lines of history, wrapped lines joined */
  screen: (session: string) => Promise<string>;
  /** polls until the screen matches `pattern`; fails at once when the command printed EXIT=N first */
  waitFor: (session: string, pattern: RegExp, what: string) => Promise<string>;
  /** types `text` literally, then Enter */
  keys: (session: string, text: string) => Promise<void>;
  close: () => Promise<void>;
}

/** Quotes a word for the shell line a session runs. */
export const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

export function tmuxServer(socket: string): TmuxServer {
  const tmux = (args: string[]) => runProgram('tmux', ['-L', socket, ...args], { debianPackage: 'tmux' });
  const screen = async (session: string) => (await tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', session])).stdout;
  return {
    tmux,
    screen,
    waitFor: async (session, pattern, what) => {
      for (let i = 0; i < 1200; i++) {
        const text = await screen(session);
        if (pattern.test(text)) return text;
        if (/EXIT=\d+/.test(text) && !/EXIT/.test(pattern.source)) assert.fail(`${what}: the command ended first:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.fail(`${what}: not seen on the screen:\n${await screen(session)}`);
    },
    keys: async (session, text) => {
      if (text !== '') assert.equal((await tmux(['send-keys', '-t', session, '-l', text])).exitStatus, 0);
      assert.equal((await tmux(['send-keys', '-t', session, 'Enter'])).exitStatus, 0);
    },
    close: async () => { await tmux(['kill-server']); },
  };
}
