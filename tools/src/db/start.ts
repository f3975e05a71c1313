/**
 * `npm run db:start`: the tests' throwaway PostgreSQL for a developer. Prints the URL to use with
 * `--db` or $HWTOTP_DB, runs until Ctrl-C, then stops the server and deletes its data.
 */
import { startPostgres } from './throwaway-postgres.ts';

const server = await startPostgres();
console.log(server.url);
console.error(`PostgreSQL is listening on 127.0.0.1:${server.port} (data in ${server.dir}, deleted on exit).\n` +
  `Try: HWTOTP_DB=${server.url} HWTOTP_MASTER_KEY=$(openssl rand -hex 32) npx hwtotp list\nCtrl-C stops it.`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.stop().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
