/**
 * `patchbay read <connector> <stream>`: records as NDJSON on stdout, the final state as JSON
 * on stderr (or in --state-out FILE). stdout may be a slow pipe, so every write that fills
 * the buffer waits for 'drain' before the next page is fetched.
 * Exit codes: 0 ok, 1 the connector failed, 2 usage error.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { usage } from '../exit.js';
import {
  buildConnection, loadConnectorPlan, parseObjectOption, runOperation, withConnectionOptions, type ConnectionOptions,
} from '../operation.js';

interface ReadOptions extends ConnectionOptions {
  limit?: string;
  state?: string;
  stateOut?: string;
}

const PROGRESS_EVERY_MS = 200;
/** Characters of NDJSON gathered before a write: large enough to amortise a write, small enough not to balloon. */
const WRITE_CHUNK = 64 * 1024;

/** Resolves once `out` can take more, or right away when it was never full. */
function write(out: NodeJS.WriteStream, text: string): Promise<void> | undefined {
  if (out.write(text)) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    // A reader that went away never drains; the EPIPE handler ends the read instead.
    out.on('close', done);
  });
}

class Progress {
  private last = 0;
  private readonly started = performance.now();
  private readonly enabled = Boolean(process.stderr.isTTY);

  update(pages: number, records: number, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.last < PROGRESS_EVERY_MS) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(records / seconds) : 0;
    process.stderr.write(`\r\x1b[2K${pages} pages, ${records} records, ${rate} records/s`);
  }

  end(pages: number, records: number): void {
    if (!this.enabled) return;
    this.update(pages, records, true);
    process.stderr.write('\n');
  }
}

function parseLimit(cmd: Command, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) usage(cmd, `--limit: expected a whole number of records, got "${value}"`);
  return n;
}

export function register(program: Command): Command {
  return withConnectionOptions(
    program
      .command('read')
      .description('read a stream: records as NDJSON on stdout, the final state as JSON on stderr')
      .argument('<connector>', 'connector id')
      .argument('<stream>', 'stream name')
      .option('--limit <n>', 'stop after this many records')
      .option('--state <json>', 'state to resume from, JSON or @file (e.g. a previous --state-out)')
      .option('--state-out <file>', 'write the final state to this file instead of stderr'),
  )
    .addHelpText('after', '\nExit codes: 0 ok, 1 the connector returned an error, 2 usage error.')
    .action(async (connector: string, streamName: string, opts: ReadOptions, cmd: Command) => {
      const limit = parseLimit(cmd, opts.limit);
      const state = parseObjectOption(cmd, '--state', opts.state);
      const conn = buildConnection(cmd, connector, opts);
      await runOperation(async () => {
        const plan = await loadConnectorPlan(cmd, connector);
        const { createEngine } = await import('../../engine/index.js');
        const engine = await createEngine({ connectors: [plan] });
        const reader = engine.read(conn, streamName, { state, limit });
        const out = process.stdout;
        let closed = false;
        const onError = (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') closed = true;
          else throw err;
        };
        out.on('error', onError);
        const progress = new Progress();
        /** Sends what is buffered; false once the reader of our output is gone. */
        const flush = async (text: string): Promise<boolean> => {
          const waiting = write(out, text);
          if (waiting) await waiting;
          return !closed;
        };
        try {
          for await (const page of reader.pagesIterable()) {
            // One write per page (or per WRITE_CHUNK of a big one), not per record: a write
            // per record was a large share of the CLI's time.
            let text = '';
            for (const record of page.records) {
              text += `${JSON.stringify(record)}\n`;
              if (text.length < WRITE_CHUNK) continue;
              // The reader of our output is gone (`| head`): nothing more is wanted, and the
              // state would claim records nobody received.
              if (!(await flush(text))) return;
              text = '';
            }
            if (text && !(await flush(text))) return;
            progress.update(reader.pages, reader.records);
          }
        } finally {
          progress.end(reader.pages, reader.records);
          out.off('error', onError);
          await engine.close();
        }
        const json = JSON.stringify(reader.state);
        if (opts.stateOut) writeFileSync(opts.stateOut, `${json}\n`);
        else process.stderr.write(`${json}\n`);
      });
    });
}
