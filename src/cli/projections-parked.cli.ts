import { EVENT_BUS_SUBSCRIBER } from '../outbox/event-bus.publisher.js';
import { ParkedEvents } from '../outbox/parked-events.js';
import { fail, parseArgs, withAppContext } from './cli-context.js';

const USAGE = `Usage: npm run projections:parked -- [--projector <name>] [--all]
       npm run projections:parked -- --retry <position> --projector <name>`;

/** Lists the events a projector gave up on (one JSON object a line), or applies one again once its cause is fixed. */
async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), { projector: 'string', retry: 'string', all: 'boolean' }, USAGE);
  const projector = flags.projector;
  if (flags.retry !== undefined && (!projector || !/^\d+$/.test(flags.retry))) fail(USAGE);
  // This process would publish it to its own EventBus, where no server's handler listens.
  if (flags.retry !== undefined && projector === EVENT_BUS_SUBSCRIBER) fail('Events parked by the EventBus publisher cannot be retried from the command line.');
  await withAppContext(async (app) => {
    const parked = app.get(ParkedEvents);
    if (flags.retry !== undefined) {
      await parked.retry(projector!, flags.retry);
      console.log(`Applied event ${flags.retry} with ${projector}; it is resolved.`);
      return;
    }
    const rows = await parked.list({ projector, includeResolved: flags.all === true });
    for (const row of rows) console.log(JSON.stringify(row));
    console.error(`${rows.length} parked event(s).`);
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
