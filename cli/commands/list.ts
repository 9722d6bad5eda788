/**
 * `patchbay list`: one line per connector in the connectors directory; `--json` prints the
 * page GET /v1/connectors answers.
 */
import type { Command } from 'commander';
import { LIMITS } from '../../engine/platform/present/index.js';
import { connectorsDir, displayPath } from '../context.js';
import { fail } from '../exit.js';
import { formatDiagnostic, plural, table } from '../format.js';
import { cursorErrorsAsUsage, noteNextPage, pageRequest, withPaging, type PageOptions } from '../paging.js';

export function register(program: Command): Command {
  return withPaging(
    program
      .command('list')
      .description('list connectors by id: name, auth types, number of actions and streams, webhooks')
      .option('--json', 'print the page as JSON, as GET /v1/connectors answers it'),
    LIMITS.connectors,
  ).action(async (opts: PageOptions & { json?: boolean }, cmd: Command) => {
    const request = pageRequest(cmd, opts, LIMITS.connectors);
    const dir = connectorsDir(cmd);
    const [{ loadConnectors }, { presentPage, summarizeConnector }, { arrayPage }] = await Promise.all([
      import('../../engine/index.js'),
      import('../../engine/platform/present/index.js'),
      import('../../engine/platform/present/index.js'),
    ]);
    const { plans, diagnostics } = await loadConnectors(dir);
    // Code-unit order, the order the cursor compares in (the runtime sorts the same way).
    const summaries = [...plans.values()].map(summarizeConnector).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = await cursorErrorsAsUsage(cmd, () => arrayPage(summaries, (s) => s.id, request, LIMITS.connectors));

    if (opts.json) {
      process.stdout.write(`${JSON.stringify(presentPage('connectors', page, (s) => s), null, 2)}\n`);
    } else if (page.items.length === 0) {
      process.stdout.write(`no connectors in ${displayPath(dir)}\n`);
    } else {
      const rows = page.items.map((s) => [
        s.id,
        s.name,
        s.auth_types.join(','),
        String(s.actions.length),
        String(s.streams.length),
        s.webhooks ? 'yes' : 'no',
      ]);
      process.stdout.write(`${table(['ID', 'NAME', 'AUTH', 'ACTIONS', 'STREAMS', 'WEBHOOKS'], rows)}\n`);
      noteNextPage({ next_cursor: page.nextCursor, has_more: page.hasMore });
    }

    // A connector that fails to load is still worth reporting: the list above is incomplete.
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) {
      process.stderr.write(`${errors.map(formatDiagnostic).join('\n')}\n`);
      fail(cmd, `${plural(errors.length, 'error')} while loading ${displayPath(dir)}; run patchbay validate`);
    }
  });
}
